package io.drover.hub.tracker;

import io.drover.hub.http.ApiException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Asset Tracker settings of console-guide.md ("Product Settings"): one list of fields from which
 * the JSON schema, the defaults and the validation of every write are all derived, so that they
 * cannot disagree. Settings are {@code {section: {field: value}}}; the sections and field names are
 * Particle's ({@code location}, {@code imu_trig}, {@code rgb}).
 *
 * <p>A write is a partial object: the fields it names replace the current ones, the rest stay.
 */
public final class TrackerSettings {

  enum Kind { NUMBER, INTEGER, CHOICE }

  /** One setting with its bounds or choices; {@code fallback} is the default (Number or String). */
  record Field(String section, String name, Kind kind, double min, double max, List<String> choices, Object fallback, String title) {
    String path() {
      return section + "." + name;
    }
  }

  /** A day: longer intervals than that are a mistake, not a choice. */
  private static final int MAX_INTERVAL = 86_400;
  private static final List<Field> FIELDS = List.of(
      new Field("location", "radius", Kind.NUMBER, 0, 1_000_000, null, 0.0,
          "Radius trigger (metres): publish when this far from the last publish; 0 disables"),
      new Field("location", "interval_min", Kind.INTEGER, 0, MAX_INTERVAL, null, 900,
          "Minimum interval (seconds) between location publishes; 0 disables"),
      new Field("location", "interval_max", Kind.INTEGER, 0, MAX_INTERVAL, null, 3600,
          "Maximum interval (seconds): publish at least this often; 0 disables"),
      new Field("imu_trig", "motion", Kind.CHOICE, 0, 0, List.of("disable", "low", "medium", "high"), "disable",
          "Movement: publish when the device moves, at this sensitivity"),
      new Field("imu_trig", "high_g", Kind.CHOICE, 0, 0, List.of("disable", "enable"), "disable",
          "High G: publish on a 4 g acceleration for at least 2.5 ms"),
      new Field("rgb", "type", Kind.CHOICE, 0, 0, List.of("off", "direct", "tracker", "particle"), "tracker",
          "RGB LED type"),
      new Field("rgb", "red", Kind.INTEGER, 0, 255, null, 0, "Red (direct type)"),
      new Field("rgb", "green", Kind.INTEGER, 0, 255, null, 0, "Green (direct type)"),
      new Field("rgb", "blue", Kind.INTEGER, 0, 255, null, 255, "Blue (direct type)"),
      new Field("rgb", "brightness", Kind.INTEGER, 0, 255, null, 255, "Brightness (direct type)"));

  private static final Map<String, Map<String, Field>> BY_SECTION = new LinkedHashMap<>();
  static {
    for (Field field : FIELDS) {
      BY_SECTION.computeIfAbsent(field.section(), s -> new LinkedHashMap<>()).put(field.name(), field);
    }
  }

  private static final JsonObject DEFAULTS = buildDefaults();
  private static final JsonObject SCHEMA = buildSchema();

  private TrackerSettings() {
  }

  /** Every field at its default: what a product has before anyone saves its settings. */
  public static JsonObject defaults() {
    return DEFAULTS.copy();
  }

  /** The JSON schema (draft 2020-12) every write is checked against. */
  public static JsonObject schema() {
    return SCHEMA.copy();
  }

  /**
   * Checks a partial change and returns it normalised (radius a double, the rest as given).
   *
   * @throws ApiException 400 naming the first field that is wrong
   */
  public static JsonObject validChange(JsonObject change) {
    if (change == null || change.isEmpty()) {
      throw invalid("No settings given; the sections are " + String.join(", ", BY_SECTION.keySet()));
    }
    JsonObject normalised = new JsonObject();
    for (Map.Entry<String, Object> section : change) {
      Map<String, Field> fields = BY_SECTION.get(section.getKey());
      if (fields == null) {
        throw invalid("Unknown settings section " + section.getKey() + "; the sections are " + String.join(", ", BY_SECTION.keySet()));
      }
      if (!(section.getValue() instanceof JsonObject values)) {
        throw invalid(section.getKey() + " must be an object of settings");
      }
      JsonObject out = new JsonObject();
      for (Map.Entry<String, Object> entry : values) {
        Field field = fields.get(entry.getKey());
        if (field == null) {
          throw invalid("Unknown setting " + section.getKey() + "." + entry.getKey() + "; the settings of " + section.getKey() + " are "
              + String.join(", ", fields.keySet()));
        }
        out.put(field.name(), valid(field, entry.getValue()));
      }
      normalised.put(section.getKey(), out);
    }
    return normalised;
  }

  /** {@code base} with {@code change}'s fields replacing its own (neither is modified). */
  public static JsonObject merged(JsonObject base, JsonObject change) {
    JsonObject result = base.copy();
    if (change == null) {
      return result;
    }
    for (Map.Entry<String, Object> section : change) {
      JsonObject target = result.getJsonObject(section.getKey());
      if (target == null) {
        target = new JsonObject();
        result.put(section.getKey(), target);
      }
      target.mergeIn((JsonObject) section.getValue());
    }
    return result;
  }

  /**
   * Checks what holds between fields of the complete settings a write would produce.
   *
   * @throws ApiException 400 naming the field
   */
  public static void checkComplete(JsonObject settings) {
    JsonObject location = settings.getJsonObject("location");
    int min = location.getInteger("interval_min");
    int max = location.getInteger("interval_max");
    if (min > 0 && max > 0 && max < min) {
      throw invalid("location.interval_max (" + max + ") must be 0 or at least location.interval_min (" + min + ")");
    }
  }

  /**
   * Stored settings read back from the database, normalised like a write (jsonb may return 151 for
   * 151.0); fields no longer known are dropped, so that an old row never breaks a handshake.
   */
  static JsonObject fromStored(JsonObject stored) {
    JsonObject normalised = new JsonObject();
    if (stored == null) {
      return normalised;
    }
    for (Map.Entry<String, Object> section : stored) {
      Map<String, Field> fields = BY_SECTION.get(section.getKey());
      if (fields == null || !(section.getValue() instanceof JsonObject values)) {
        continue;
      }
      JsonObject out = new JsonObject();
      for (Map.Entry<String, Object> entry : values) {
        Field field = fields.get(entry.getKey());
        if (field != null && entry.getValue() != null) {
          out.put(field.name(), field.kind() == Kind.NUMBER ? ((Number) entry.getValue()).doubleValue() : entry.getValue());
        }
      }
      normalised.put(section.getKey(), out);
    }
    return normalised;
  }

  private static Object valid(Field field, Object value) {
    switch (field.kind()) {
      case NUMBER -> {
        if (value instanceof Number number && Double.isFinite(number.doubleValue())
            && number.doubleValue() >= field.min() && number.doubleValue() <= field.max()) {
          return number.doubleValue();
        }
        throw invalid(field.path() + " must be a number from " + (long) field.min() + " to " + (long) field.max());
      }
      case INTEGER -> {
        if ((value instanceof Integer || value instanceof Long) && ((Number) value).longValue() >= field.min()
            && ((Number) value).longValue() <= field.max()) {
          return ((Number) value).intValue();
        }
        throw invalid(field.path() + " must be an integer from " + (long) field.min() + " to " + (long) field.max());
      }
      default -> {
        if (value instanceof String choice && field.choices().contains(choice)) {
          return choice;
        }
        throw invalid(field.path() + " must be one of " + String.join(", ", field.choices()));
      }
    }
  }

  private static ApiException invalid(String description) {
    return new ApiException(400, "invalid_request", description);
  }

  private static JsonObject buildDefaults() {
    JsonObject defaults = new JsonObject();
    for (Field field : FIELDS) {
      JsonObject section = defaults.getJsonObject(field.section());
      if (section == null) {
        section = new JsonObject();
        defaults.put(field.section(), section);
      }
      section.put(field.name(), field.fallback());
    }
    return defaults;
  }

  private static JsonObject buildSchema() {
    JsonObject properties = new JsonObject();
    BY_SECTION.forEach((name, fields) -> {
      JsonObject sectionProperties = new JsonObject();
      fields.values().forEach(field -> {
        JsonObject property = new JsonObject().put("title", field.title()).put("default", field.fallback());
        switch (field.kind()) {
          case NUMBER -> property.put("type", "number").put("minimum", field.min()).put("maximum", field.max());
          case INTEGER -> property.put("type", "integer").put("minimum", (long) field.min()).put("maximum", (long) field.max());
          default -> property.put("type", "string").put("enum", new JsonArray(new ArrayList<>(field.choices())));
        }
        sectionProperties.put(field.name(), property);
      });
      properties.put(name, new JsonObject().put("type", "object").put("additionalProperties", false).put("properties", sectionProperties));
    });
    return new JsonObject()
        .put("$schema", "https://json-schema.org/draft/2020-12/schema")
        .put("title", "Asset Tracker settings")
        .put("description", "A write may name any subset of the fields; location.interval_max must be 0 or at least location.interval_min")
        .put("type", "object")
        .put("additionalProperties", false)
        .put("properties", properties);
  }
}
