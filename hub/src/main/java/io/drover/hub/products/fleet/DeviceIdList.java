package io.drover.hub.products.fleet;

import io.drover.gateway.contract.DeviceIds;
import io.drover.hub.http.ApiException;
import io.vertx.core.json.JsonArray;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The device IDs of an import or a batch change, as the caller gave them: well-formed IDs in canonical
 * lower case (each once, in the order given), and the entries that are no device ID at all, as written.
 * Bounded: more than {@value #MAX_IDS} entries is refused before any SQL runs.
 */
record DeviceIdList(List<String> wellFormed, List<String> malformed) {

  static final int MAX_IDS = 10_000;
  /** An ID per line is 25 bytes with its newline; room for CRLF, spaces and a few blank lines. */
  static final int MAX_FILE_BYTES = 512 * 1024;

  /** A .txt file: one ID per line; blank lines and the spaces around an ID are ignored. */
  static DeviceIdList fromText(String text, String field) {
    List<String> entries = new ArrayList<>();
    for (String line : text.split("\r?\n|\r", -1)) {
      String trimmed = line.strip();
      if (!trimmed.isEmpty()) {
        entries.add(trimmed);
        if (entries.size() > MAX_IDS) {
          throw tooMany(field);
        }
      }
    }
    return of(entries, field);
  }

  /** A JSON array of strings; anything else in it counts as malformed. */
  static DeviceIdList fromJson(JsonArray array, String field) {
    if (array.size() > MAX_IDS) {
      throw tooMany(field);
    }
    List<String> entries = new ArrayList<>(array.size());
    for (Object value : array) {
      entries.add(value instanceof String s ? s.strip() : String.valueOf(value));
    }
    return of(entries, field);
  }

  static DeviceIdList of(List<String> entries, String field) {
    if (entries.isEmpty()) {
      throw new ApiException(400, "invalid_request", field + " names no device ID");
    }
    Set<String> wellFormed = new LinkedHashSet<>();
    Set<String> malformed = new LinkedHashSet<>();
    for (String entry : entries) {
      String id = DeviceIds.normalize(entry);
      if (id != null) {
        wellFormed.add(id);
      } else {
        malformed.add(entry.length() > 64 ? entry.substring(0, 64) + "…" : entry);
      }
    }
    return new DeviceIdList(List.copyOf(wellFormed), List.copyOf(malformed));
  }

  private static ApiException tooMany(String field) {
    return new ApiException(400, "invalid_request", field + " holds more than " + MAX_IDS + " device IDs; split it into several imports");
  }
}
