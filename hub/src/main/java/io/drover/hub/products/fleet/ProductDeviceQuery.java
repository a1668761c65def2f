package io.drover.hub.products.fleet;

import io.drover.hub.http.ApiException;
import io.vertx.core.MultiMap;
import io.vertx.sqlclient.Tuple;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * One page of a product's device list as SQL: the search, the sort and the page of
 * {@code GET /v1/products/:pid/devices}, each on an index of the V8 migration, so that a page costs
 * the same in a product of 1,000 devices as in one of 1,000,000 (docs/benchmarks.md).
 *
 * <p>Why the SQL reads as it does: prefix searches are ranges ({@code >= prefix AND < next}) rather than
 * LIKE, since a prepared statement's generic plan cannot turn {@code LIKE $1} into an index range; every
 * sort key is never null and in the "C" collation, written exactly as the index expressions are; the
 * page's IDs are found first (an index scan that skips {@code offset} entries) and only the page's rows
 * are then read whole, with their groups.
 *
 * <p>The sort by last heard reads device_connectivity (V24), where last_heard lives with a copy of the
 * device's product_id: its index holds the product, the time and the ID, so its pages are found there
 * without reading devices, which is joined only when the list is searched.
 *
 * <p>Deep pages: {@code cursor} (from {@code meta.next_cursor}) continues after the last row of the
 * previous page by its sort key (keyset paging), which costs the same at the end of a million rows as
 * at the start; {@code page} skips rows and grows with the offset.
 */
final class ProductDeviceQuery {

  static final int DEFAULT_PER_PAGE = 25;
  static final int MAX_PER_PAGE = 100;
  /** A search's total is counted up to this many matches; past it the answer says "at least". */
  static final int COUNT_CAP = 10_000;

  /** The sorts Particle's list offers, each an expression of the V8 and V24 indexes and its SQL type. */
  enum Sort {
    ID("id", "d.id COLLATE \"C\"", "text"),
    NAME("name", "lower(coalesce(d.name, '')) COLLATE \"C\"", "text"),
    LAST_HEARD("last_heard", "coalesce(c.last_heard, '-infinity'::timestamptz)", "timestamptz"),
    FIRMWARE_VERSION("firmware_version", "coalesce(d.firmware_version, -1)", "integer");

    final String wireName;
    final String key;
    final String type;

    Sort(String wireName, String key, String type) {
      this.wireName = wireName;
      this.key = key;
      this.type = type;
    }

    /** Drover's names and the Console's camel-case ones. */
    static Sort parse(String given) {
      if (given == null || given.isEmpty()) {
        return ID;
      }
      return switch (given) {
        case "id", "deviceId" -> ID;
        case "name", "deviceName" -> NAME;
        case "last_heard", "lastHeard", "lastConnection" -> LAST_HEARD;
        case "firmware_version", "firmwareVersion" -> FIRMWARE_VERSION;
        default -> throw new ApiException(400, "invalid_request",
            "sortAttr must be one of id, name, last_heard, firmware_version");
      };
    }
  }

  private static final String ID_KEY = "d.id COLLATE \"C\"";
  private static final String CONNECTIVITY_ID_KEY = "c.device_id COLLATE \"C\"";

  final Sort sort;
  final boolean descending;
  final int perPage;
  final int page;
  final Cursor cursor;
  final boolean filtered;
  /** The rows searched: devices d, or for the sort by last heard device_connectivity c (joined to d when a search needs it). */
  private final String from;
  private final String idKey;
  private final String where;
  private final List<Object> whereValues;

  private ProductDeviceQuery(Sort sort, boolean descending, int perPage, int page, Cursor cursor, String from, String idKey,
                             String where, List<Object> whereValues) {
    this.sort = sort;
    this.descending = descending;
    this.perPage = perPage;
    this.page = page;
    this.cursor = cursor;
    this.from = from;
    this.idKey = idKey;
    this.where = where;
    this.whereValues = whereValues;
    this.filtered = whereValues.size() > 1;
  }

  /** @throws ApiException 400 naming the parameter that is wrong */
  static ProductDeviceQuery from(int productId, MultiMap params) {
    Sort sort = Sort.parse(params.get("sortAttr"));
    String dir = params.get("sortDir");
    if (dir != null && !dir.isEmpty() && !dir.equals("asc") && !dir.equals("desc")) {
      throw new ApiException(400, "invalid_request", "sortDir must be asc or desc");
    }
    boolean descending = "desc".equals(dir);
    int perPage = number(params, params.contains("perPage") ? "perPage" : "per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE);
    int page = number(params, "page", 1, 1, 1_000_000);
    Cursor cursor = params.get("cursor") == null || params.get("cursor").isEmpty() ? null : Cursor.decode(params.get("cursor"), sort, descending);

    String deviceId = text(params, "deviceId");
    String deviceName = text(params, "deviceName");
    String serial = text(params, "serialNumber");
    String groups = text(params, "groups");
    // the sort by last heard walks device_connectivity's index; a search joins devices, names the product
    // on both sides and filters on devices' own columns, so that counting its matches first finds them
    // on an index of devices as the other sorts do
    boolean byConnectivity = sort == Sort.LAST_HEARD;
    boolean searched = deviceId != null || deviceName != null || serial != null || groups != null;
    String from;
    String inProduct;
    if (!byConnectivity) {
      from = "devices d";
      inProduct = "d.product_id = $1";
    } else if (searched) {
      from = "device_connectivity c JOIN devices d ON d.id = c.device_id";
      inProduct = "c.product_id = $1 AND d.product_id = $1";
    } else {
      from = "device_connectivity c";
      inProduct = "c.product_id = $1";
    }
    String idKey = byConnectivity ? CONNECTIVITY_ID_KEY : ID_KEY;
    StringBuilder where = new StringBuilder(inProduct);
    List<Object> values = new ArrayList<>(List.of(productId));
    if (deviceId != null) {
      prefix(where, values, ID_KEY, deviceId.toLowerCase(Locale.ROOT));
    }
    if (deviceName != null) {
      prefix(where, values, Sort.NAME.key, deviceName.toLowerCase(Locale.ROOT));
    }
    if (serial != null) {
      prefix(where, values, "coalesce(d.serial_number, '') COLLATE \"C\"", serial);
    }
    if (groups != null) {
      List<String> names = new ArrayList<>();
      for (String name : groups.split(",")) {
        if (!name.isBlank()) {
          names.add(name.strip());
        }
      }
      if (!names.isEmpty()) {
        values.add(names.toArray(new String[0]));
        where.append(" AND EXISTS (SELECT 1 FROM device_group_members m WHERE m.product_id = $1 AND m.group_name = ANY($")
            .append(values.size()).append(") AND m.device_id = d.id)");
      }
    }
    return new ProductDeviceQuery(sort, descending, perPage, page, cursor, from, idKey, where.toString(), values);
  }

  /**
   * The page's device IDs in order, each with its sort key as text (for the next cursor): one more
   * than a page, so that the answer knows whether another page follows. The rows come in the sort's
   * index order and the search filters them on the way: right when matches are many (the first page
   * is found after a few rows), wrong when they are few (a serial number filters a million rows).
   */
  Statement pageIds() {
    List<Object> values = new ArrayList<>(whereValues);
    String head = "SELECT " + idKey + " AS id, (" + sort.key + ")::text AS sort_key FROM " + from + " WHERE " + where;
    return page(head, " AND ", sort.key, idKey, values);
  }

  /**
   * The same page for a search that matches at most {@link #COUNT_CAP} devices (its count said so):
   * the matches first, on the search's own index, then sorted. The planner cannot know how few match a
   * prefix, so the list asks this way once the count has told it.
   */
  Statement pageIdsAmongFewMatches() {
    List<Object> values = new ArrayList<>(whereValues);
    String head = "WITH matches AS MATERIALIZED (SELECT " + idKey + " AS id, " + sort.key + " AS k FROM " + from + " WHERE " + where
        + ") SELECT id, k::text AS sort_key FROM matches WHERE true";
    return page(head, " AND ", "k", "id", values);
  }

  private Statement page(String head, String and, String key, String id, List<Object> values) {
    StringBuilder sql = new StringBuilder(head);
    String direction = descending ? " DESC" : " ASC";
    if (cursor != null) {
      String compare = descending ? " < " : " > ";
      values.add(cursor.id());
      if (sort == Sort.ID) {
        sql.append(and).append(id).append(compare).append('$').append(values.size());
      } else {
        values.add(cursor.key());
        sql.append(and).append('(').append(key).append(", ").append(id).append(')').append(compare)
            .append("($").append(values.size()).append("::text::").append(sort.type).append(", $").append(values.size() - 1).append(')');
      }
    }
    sql.append(" ORDER BY ").append(key).append(direction);
    if (sort != Sort.ID) {
      sql.append(", ").append(id).append(direction);
    }
    values.add(perPage + 1);
    sql.append(" LIMIT $").append(values.size());
    if (cursor == null) {
      values.add((long) (page - 1) * perPage);
      sql.append(" OFFSET $").append(values.size());
    }
    return new Statement(sql.toString(), Tuple.from(values));
  }

  /** How many devices the search matches, counting at most {@link #COUNT_CAP} + 1. */
  Statement cappedCount() {
    List<Object> values = new ArrayList<>(whereValues);
    values.add(COUNT_CAP + 1);
    return new Statement("SELECT count(*) FROM (SELECT 1 FROM " + from + " WHERE " + where + " LIMIT $" + values.size() + ") matches",
        Tuple.from(values));
  }

  private static void prefix(StringBuilder where, List<Object> values, String key, String prefix) {
    values.add(prefix);
    where.append(" AND ").append(key).append(" >= $").append(values.size());
    String next = next(prefix);
    if (next != null) {
      values.add(next);
      where.append(" AND ").append(key).append(" < $").append(values.size());
    }
  }

  /** The least string after every string starting with {@code prefix}, in byte ("C") order; null if none. */
  static String next(String prefix) {
    int[] points = prefix.codePoints().toArray();
    for (int i = points.length - 1; i >= 0; i--) {
      int bumped = points[i] + 1;
      if (bumped >= 0xD800 && bumped <= 0xDFFF) {
        bumped = 0xE000;
      }
      if (bumped <= Character.MAX_CODE_POINT) {
        points[i] = bumped;
        return new String(points, 0, i + 1);
      }
    }
    return null;
  }

  private static String text(MultiMap params, String name) {
    String value = params.get(name);
    if (value == null || value.isBlank()) {
      return null;
    }
    if (value.length() > 200 || value.indexOf('\0') >= 0) {
      throw new ApiException(400, "invalid_request", name + " must be text of at most 200 characters");
    }
    return value.strip();
  }

  private static int number(MultiMap params, String name, int fallback, int min, int max) {
    String value = params.get(name);
    if (value == null || value.isEmpty()) {
      return fallback;
    }
    try {
      int parsed = Integer.parseInt(value);
      if (parsed >= min && parsed <= max) {
        return parsed;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw new ApiException(400, "invalid_request", name + " must be a whole number from " + min + " to " + max);
  }

  record Statement(String sql, Tuple values) {
  }

  /** Where the previous page ended: its sort, and the last row's sort key and ID. Opaque to clients. */
  record Cursor(Sort sort, boolean descending, String key, String id) {

    String encode() {
      String plain = "v1\n" + sort.wireName + "\n" + (descending ? "desc" : "asc") + "\n" + id + "\n" + key;
      return Base64.getUrlEncoder().withoutPadding().encodeToString(plain.getBytes(StandardCharsets.UTF_8));
    }

    static Cursor decode(String given, Sort sort, boolean descending) {
      String[] parts;
      try {
        parts = new String(Base64.getUrlDecoder().decode(given), StandardCharsets.UTF_8).split("\n", 5);
      } catch (IllegalArgumentException e) {
        throw new ApiException(400, "invalid_request", "cursor is not one this API gave out");
      }
      if (parts.length != 5 || !parts[0].equals("v1") || io.drover.gateway.contract.DeviceIds.normalize(parts[3]) == null
          || parts[4].indexOf('\0') >= 0) {
        throw new ApiException(400, "invalid_request", "cursor is not one this API gave out");
      }
      if (!parts[1].equals(sort.wireName) || !parts[2].equals(descending ? "desc" : "asc")) {
        throw new ApiException(400, "invalid_request", "cursor continues another sort; pass the same sortAttr and sortDir");
      }
      if (sort == Sort.FIRMWARE_VERSION) {
        try {
          Integer.parseInt(parts[4]);
        } catch (NumberFormatException e) {
          throw new ApiException(400, "invalid_request", "cursor is not one this API gave out");
        }
      }
      return new Cursor(sort, descending, parts[4], parts[3]);
    }
  }
}
