package io.drover.hub.integrations.delivery;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.Map;

/**
 * The variables a template sees for one event (docs {@code webhooks.md}, "Variable substitution";
 * the {@code SPARK_*} names are the legacy ones old templates use): Particle's, then the event's data
 * when it is a JSON object, its keys as variables (nested objects and arrays by dot path). Particle's
 * names win over a data key of the same name.
 */
final class EventVariables {

  private static final DateTimeFormatter PUBLISHED_AT = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  private EventVariables() {
  }

  /** ISO-8601 with milliseconds in UTC, as the event streams show {@code published_at}. */
  static String publishedAt(long millis) {
    return PUBLISHED_AT.format(Instant.ofEpochMilli(millis));
  }

  static Map<String, Object> of(OutboxEvent event) {
    Map<String, Object> variables = new HashMap<>();
    Object parsed = parse(event.data());
    if (parsed instanceof Map<?, ?> map) {
      for (Map.Entry<?, ?> entry : map.entrySet()) {
        variables.put(String.valueOf(entry.getKey()), entry.getValue());
      }
    }
    String data = event.data() == null ? "" : event.data();
    String published = publishedAt(event.publishedAtMillis());
    variables.put("PARTICLE_EVENT_NAME", event.name());
    variables.put("PARTICLE_EVENT_VALUE", data);
    variables.put("PARTICLE_DEVICE_ID", event.deviceId());
    variables.put("PARTICLE_PUBLISHED_AT", published);
    variables.put("PARTICLE_EVENT_ID", Long.toString(event.id()));
    variables.put("PRODUCT_ID", event.productId() == null ? "" : event.productId().toString());
    variables.put("PRODUCT_USER_ID", event.ownerId() == null || event.productId() == null ? "" : event.ownerId().toString());
    variables.put("SPARK_CORE_ID", event.deviceId());
    variables.put("SPARK_EVENT_NAME", event.name());
    variables.put("SPARK_EVENT_VALUE", data);
    variables.put("SPARK_PUBLISHED_AT", published);
    return variables;
  }

  /** JSON text as maps, lists and scalars; anything else (plain text, a number) as null. */
  static Object parse(String text) {
    if (text == null) {
      return null;
    }
    String trimmed = text.strip();
    if (!trimmed.startsWith("{") && !trimmed.startsWith("[")) {
      return null;
    }
    try {
      Object value = Json.decodeValue(trimmed);
      return plain(value);
    } catch (DecodeException e) {
      return null;
    }
  }

  /** Vert.x's JsonObject and JsonArray as plain maps and lists, all the way down. */
  static Object plain(Object value) {
    if (value instanceof io.vertx.core.json.JsonObject object) {
      Map<String, Object> map = new HashMap<>();
      object.forEach(entry -> map.put(entry.getKey(), plain(entry.getValue())));
      return map;
    }
    if (value instanceof io.vertx.core.json.JsonArray array) {
      java.util.List<Object> list = new java.util.ArrayList<>(array.size());
      array.forEach(item -> list.add(plain(item)));
      return list;
    }
    return value;
  }
}
