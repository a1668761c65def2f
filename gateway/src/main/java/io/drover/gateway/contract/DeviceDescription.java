package io.drover.gateway.contract;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The functions a device exposes and the variables it lets the cloud read, as it declares them on
 * topic {@code d}: {@code {"f":["led"],"v":{"temperature":"double"}}}.
 */
public record DeviceDescription(String deviceId, List<String> functions, Map<String, String> variables) {

  public static final int MAX_ENTRIES = 100;
  /** Names become one level of an MQTT topic ({@code c/f/NAME/...}), so no '/', '+', '#' or spaces. */
  public static final Pattern NAME = Pattern.compile("^[A-Za-z0-9_.\\-]{1,64}$");
  public static final Set<String> VARIABLE_TYPES = Set.of("int", "double", "string", "bool");

  /**
   * Reads what a device sent.
   *
   * @throws DeviceFailure MALFORMED_PAYLOAD, saying what is wrong
   */
  public static DeviceDescription parse(String deviceId, String payload) {
    JsonObject json;
    try {
      json = new JsonObject(payload);
    } catch (DecodeException | ClassCastException e) {
      throw malformed("the description must be a JSON object like {\"f\":[\"led\"],\"v\":{\"temp\":\"double\"}}");
    }
    Object f = json.getValue("f", new JsonArray());
    Object v = json.getValue("v", new JsonObject());
    if (!(f instanceof JsonArray functions) || !(v instanceof JsonObject variables)) {
      throw malformed("\"f\" must be an array of names and \"v\" an object of name to type");
    }
    if (functions.size() > MAX_ENTRIES || variables.size() > MAX_ENTRIES) {
      throw malformed("at most " + MAX_ENTRIES + " functions and " + MAX_ENTRIES + " variables");
    }
    for (Object name : functions) {
      if (!(name instanceof String s) || !NAME.matcher(s).matches()) {
        throw malformed("function names are 1 to 64 letters, digits, '_', '.' or '-': " + name);
      }
    }
    for (Map.Entry<String, Object> variable : variables) {
      if (!NAME.matcher(variable.getKey()).matches()) {
        throw malformed("variable names are 1 to 64 letters, digits, '_', '.' or '-': " + variable.getKey());
      }
      if (!VARIABLE_TYPES.contains(variable.getValue())) {
        throw malformed("variable " + variable.getKey() + " has type " + variable.getValue() + "; types are int, double, string, bool");
      }
    }
    @SuppressWarnings("unchecked")
    List<String> functionNames = (List<String>) (List<?>) functions.getList();
    @SuppressWarnings("unchecked")
    Map<String, String> variableTypes = (Map<String, String>) (Map<?, ?>) variables.getMap();
    return new DeviceDescription(deviceId, List.copyOf(functionNames), Map.copyOf(variableTypes));
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("device_id", deviceId)
        .put("functions", new JsonArray(List.copyOf(functions)))
        .put("variables", new JsonObject(Map.copyOf(variables)));
  }

  private static DeviceFailure malformed(String message) {
    return new DeviceFailure(DeviceFailure.Kind.MALFORMED_PAYLOAD, message);
  }
}
