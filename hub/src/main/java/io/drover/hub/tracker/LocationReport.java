package io.drover.hub.tracker;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * A tracker's location publish, event {@code loc} (console-guide.md, "Data Usage"):
 * {@code {"cmd":"loc","time":1596043291,"loc":{"lck":1,"time":..,"lat":42.46,"lon":-75.06,"alt":322.2,
 * "hd":214.6,"h_acc":10.0,"v_acc":16.0,"cell":40.2,"batt":99.6},"trig":["time"],"req_id":3}}.
 * {@code lat} and {@code lon} are required; the other {@code loc} fields, when present, must be numbers
 * in range; unknown {@code loc} fields (custom data) are kept as sent.
 *
 * @param atMillis the fix time: {@code loc.time}, else {@code time}, else when the event was published
 */
record LocationReport(long atMillis, double lat, double lon, JsonObject loc, JsonArray trig, Long reqId) {

  /** Thrown for a publish that is not a valid location; the event itself is kept. */
  static final class Invalid extends Exception {
    Invalid(String message) {
      super(message, null, false, false);
    }
  }

  static LocationReport parse(String data, long publishedAtMillis) throws Invalid {
    JsonObject json;
    try {
      json = data == null ? null : new JsonObject(data);
    } catch (DecodeException | ClassCastException e) {
      json = null;
    }
    if (json == null) {
      throw new Invalid("not a JSON object");
    }
    if (!"loc".equals(json.getValue("cmd"))) {
      throw new Invalid("cmd must be \"loc\"");
    }
    if (!(json.getValue("loc") instanceof JsonObject loc)) {
      throw new Invalid("loc must be an object");
    }
    double lat = number(loc, "lat", -90, 90, true);
    double lon = number(loc, "lon", -180, 180, true);
    number(loc, "alt", -1_000, 100_000, false);
    number(loc, "hd", 0, 360, false);
    number(loc, "h_acc", 0, 1e7, false);
    number(loc, "v_acc", 0, 1e7, false);
    number(loc, "cell", -1, 100, false);
    number(loc, "batt", -1, 100, false);
    Object trig = json.getValue("trig");
    if (trig != null && !(trig instanceof JsonArray)) {
      throw new Invalid("trig must be an array");
    }
    if (trig != null) {
      for (Object reason : (JsonArray) trig) {
        if (!(reason instanceof String)) {
          throw new Invalid("trig must hold strings");
        }
      }
    }
    Object reqId = json.getValue("req_id");
    if (reqId != null && !(reqId instanceof Integer || reqId instanceof Long)) {
      throw new Invalid("req_id must be an integer");
    }
    long at = seconds(loc.getValue("time"), seconds(json.getValue("time"), publishedAtMillis));
    return new LocationReport(at, lat, lon, loc, trig == null ? new JsonArray() : (JsonArray) trig,
        reqId == null ? null : ((Number) reqId).longValue());
  }

  private static double number(JsonObject loc, String field, double min, double max, boolean required) throws Invalid {
    Object value = loc.getValue(field);
    if (value == null && !required) {
      return 0;
    }
    if (!(value instanceof Number number) || !Double.isFinite(number.doubleValue()) || number.doubleValue() < min || number.doubleValue() > max) {
      throw new Invalid("loc." + field + " must be a number from " + min + " to " + max);
    }
    return number.doubleValue();
  }

  /** Epoch seconds (a device clock) to millis; {@code fallback} when absent or implausible (before 2001). */
  private static long seconds(Object value, long fallback) throws Invalid {
    if (value == null) {
      return fallback;
    }
    if (!(value instanceof Number number)) {
      throw new Invalid("time must be epoch seconds");
    }
    double seconds = number.doubleValue();
    return seconds < 1_000_000_000 || seconds > 4_102_444_800d ? fallback : (long) (seconds * 1000);
  }
}
