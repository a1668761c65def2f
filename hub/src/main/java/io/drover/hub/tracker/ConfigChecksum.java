package io.drover.hub.tracker;

import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * The checksum a device reports at its handshake for the settings it runs: the first 8 lower-case hex
 * digits of SHA-256 over the UTF-8 bytes of the settings' canonical JSON. Canonical JSON: objects with
 * keys in ascending (code point) order, no whitespace, strings as JSON writes them, integers in
 * decimal, numbers with a fraction in plain decimal without trailing zeros (151.0 is written 151,
 * 0.50 is 0.5). So {@code {"rgb":{"type":"off"},"location":{"radius":1.5}}} is
 * {@code {"location":{"radius":1.5},"rgb":{"type":"off"}}}.
 */
public final class ConfigChecksum {

  private ConfigChecksum() {
  }

  public static String of(JsonObject settings) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(canonical(settings).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 4);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }

  public static String canonical(JsonObject settings) {
    StringBuilder out = new StringBuilder();
    write(settings, out);
    return out.toString();
  }

  private static void write(Object value, StringBuilder out) {
    if (value instanceof JsonObject object) {
      out.append('{');
      boolean first = true;
      for (Map.Entry<String, Object> entry : new TreeMap<>(object.getMap()).entrySet()) {
        if (!first) {
          out.append(',');
        }
        first = false;
        out.append(Json.encode(entry.getKey())).append(':');
        Object nested = entry.getValue();
        write(nested instanceof Map<?, ?> map ? new JsonObject(castMap(map)) : nested, out);
      }
      out.append('}');
    } else if (value instanceof Double || value instanceof Float) {
      BigDecimal decimal = BigDecimal.valueOf(((Number) value).doubleValue()).stripTrailingZeros();
      out.append(decimal.signum() == 0 ? "0" : decimal.toPlainString());
    } else {
      out.append(Json.encode(value));
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> castMap(Map<?, ?> map) {
    return (Map<String, Object>) map;
  }
}
