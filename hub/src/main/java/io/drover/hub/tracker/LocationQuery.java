package io.drover.hub.tracker;

import io.drover.hub.http.ApiException;
import io.vertx.core.MultiMap;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The parameters of Particle's location queries, checked once: {@code date_range} (two ISO-8601
 * instants, {@code from,to}; from inclusive, to exclusive), the bounding box {@code rect_bl} and
 * {@code rect_tr} (each {@code lat,lon}), {@code device_id} and {@code device_name} (prefixes),
 * {@code groups} (any of; comma-separated, repeated, or {@code groups[0]=..} as particle-api-js's query
 * string writes an array), {@code page} and {@code per_page}. Anything malformed is a 400
 * {@code invalid_request} that says which parameter and why.
 *
 * @param from null when no date_range was given
 */
record LocationQuery(int page, int perPage, OffsetDateTime from, OffsetDateTime to, Box box, String deviceIdPrefix, String deviceNamePrefix,
    String[] groups) {

  /** Particle's default page size. */
  static final int DEFAULT_PER_PAGE = 20;
  /** Particle's is 100; the Console's Map reads a fleet in pages of 1,000. */
  static final int MAX_PER_PAGE = 1000;
  static final int MAX_GROUPS = 100;
  private static final int MAX_PREFIX = 64;

  /** A bounding box; {@code leftLon > rightLon} when it crosses the antimeridian. */
  record Box(double bottomLat, double leftLon, double topLat, double rightLon) {
  }

  static LocationQuery parse(MultiMap params) {
    int page = whole(params, "page", 1, Integer.MAX_VALUE / MAX_PER_PAGE);
    int perPage = whole(params, "per_page", DEFAULT_PER_PAGE, MAX_PER_PAGE);
    OffsetDateTime from = null;
    OffsetDateTime to = null;
    String range = params.get("date_range");
    if (range != null) {
      String[] ends = range.split(",", -1);
      if (ends.length != 2) {
        throw badRange();
      }
      try {
        from = Instant.parse(ends[0].trim()).atOffset(ZoneOffset.UTC);
        to = Instant.parse(ends[1].trim()).atOffset(ZoneOffset.UTC);
      } catch (DateTimeParseException e) {
        throw badRange();
      }
      if (!from.isBefore(to)) {
        throw new ApiException(400, "invalid_request", "date_range must start before it ends");
      }
    }
    String bottomLeft = params.get("rect_bl");
    String topRight = params.get("rect_tr");
    Box box = null;
    if (bottomLeft != null || topRight != null) {
      if (bottomLeft == null || topRight == null) {
        throw new ApiException(400, "invalid_request", "rect_bl and rect_tr go together: the bounding box's bottom-left and top-right corners");
      }
      double[] bl = corner("rect_bl", bottomLeft);
      double[] tr = corner("rect_tr", topRight);
      if (bl[0] > tr[0]) {
        throw new ApiException(400, "invalid_request", "rect_bl must be south of rect_tr (its latitude not above rect_tr's)");
      }
      box = new Box(bl[0], bl[1], tr[0], tr[1]);
    }
    String deviceId = prefix(params, "device_id");
    String deviceName = prefix(params, "device_name");
    return new LocationQuery(page, perPage, from, to, box, deviceId == null ? null : deviceId.toLowerCase(Locale.ROOT),
        deviceName == null ? null : deviceName.toLowerCase(Locale.ROOT), groups(params));
  }

  /** {@code lat,lon} in degrees, latitude from -90 to 90, longitude from -180 to 180. */
  private static double[] corner(String name, String text) {
    String[] parts = text.split(",", -1);
    if (parts.length == 2) {
      try {
        double lat = Double.parseDouble(parts[0].trim());
        double lon = Double.parseDouble(parts[1].trim());
        if (lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180) {
          return new double[] {lat, lon};
        }
      } catch (NumberFormatException e) {
        // answered below
      }
    }
    throw new ApiException(400, "invalid_request", name + " must be a latitude from -90 to 90 and a longitude from -180 to 180, "
        + "separated by a comma (e.g. 47.6,-122.4)");
  }

  private static String[] groups(MultiMap params) {
    List<String> names = new ArrayList<>();
    for (Map.Entry<String, String> entry : params) {
      String key = entry.getKey();
      if (key.equals("groups") || key.startsWith("groups[")) {
        for (String name : entry.getValue().split(",")) {
          if (!name.isBlank()) {
            names.add(name.trim());
          }
        }
      }
    }
    if (names.size() > MAX_GROUPS) {
      throw new ApiException(400, "invalid_request", "groups may name at most " + MAX_GROUPS + " groups");
    }
    return names.isEmpty() ? null : names.toArray(String[]::new);
  }

  private static String prefix(MultiMap params, String name) {
    String value = params.get(name);
    if (value == null || value.isEmpty()) {
      return null;
    }
    if (value.length() > MAX_PREFIX) {
      throw new ApiException(400, "invalid_request", name + " must be at most " + MAX_PREFIX + " characters");
    }
    return value;
  }

  private static ApiException badRange() {
    return new ApiException(400, "invalid_request",
        "date_range must be two ISO-8601 instants, from,to (e.g. 2026-11-27T00:00:00Z,2026-11-28T00:00:00Z)");
  }

  private static int whole(MultiMap params, String name, int fallback, int max) {
    String given = params.get(name);
    if (given == null) {
      return fallback;
    }
    try {
      int value = Integer.parseInt(given.trim());
      if (value >= 1 && value <= max) {
        return value;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw new ApiException(400, "invalid_request", name + " must be an integer from 1 to " + max);
  }
}
