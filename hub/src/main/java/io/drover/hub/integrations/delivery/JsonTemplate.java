package io.drover.hub.integrations.delivery;

import com.github.mustachejava.Mustache;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;

/**
 * The optional {@code json} setting of an Azure IoT Hub or Pub/Sub integration: an object whose text
 * leaves are templates, or a template text sent as it renders (as for a webhook's {@code json}, without
 * the webhook's default data merged in). Compiled once; immutable and thread-safe.
 */
final class JsonTemplate {

  private final Object json;
  private final Map<String, Mustache> leaves = new HashMap<>();

  /** @throws com.github.mustachejava.MustacheException when a template does not parse */
  JsonTemplate(Object json) {
    this.json = json;
    compile(json);
  }

  String render(Map<String, Object> variables) {
    return encode(renderValue(variables));
  }

  /** Rendered but not encoded: a JsonObject or JsonArray with its leaves rendered, or the text a template text rendered to. */
  Object renderValue(Map<String, Object> variables) {
    return render(json, variables);
  }

  static String encode(Object rendered) {
    return rendered instanceof JsonObject object ? object.encode() : rendered instanceof JsonArray array ? array.encode() : String.valueOf(rendered);
  }

  private Object render(Object value, Map<String, Object> variables) {
    if (value instanceof JsonObject object) {
      JsonObject out = new JsonObject();
      object.forEach(entry -> out.put(entry.getKey(), render(entry.getValue(), variables)));
      return out;
    }
    if (value instanceof JsonArray array) {
      JsonArray out = new JsonArray();
      array.forEach(item -> out.add(render(item, variables)));
      return out;
    }
    if (value instanceof String text) {
      return Templates.render(leaves.get(text), variables);
    }
    return value;
  }

  private void compile(Object value) {
    if (value instanceof JsonObject object) {
      object.forEach(entry -> compile(entry.getValue()));
    } else if (value instanceof JsonArray array) {
      array.forEach(this::compile);
    } else if (value instanceof String text && !leaves.containsKey(text)) {
      leaves.put(text, Templates.compile(text, "json"));
    }
  }
}
