package io.drover.gateway.coap;

import io.drover.coap.ParticleCalls;
import io.drover.gateway.contract.DeviceFailure;
import io.drover.gateway.contract.DeviceFailure.Kind;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;

/**
 * A Particle device's application describe ({@code {"f":["setName"],"v":{"temp":9}}}, the types by
 * Device OS's numbers) read as a Drover device's description ({@code {"f":["setName"],"v":{"temp":"double"}}},
 * docs/device-protocol.md section 4.4), which the session's one describe step then checks and hands to
 * the hub; and the variables' types by number, which the link needs to read their values.
 *
 * @param description the description in Drover's shape, as a device sends it on {@code d}
 * @param variableTypes each variable's Device OS type ({@link ParticleCalls#BOOLEAN} ...)
 */
record ParticleDescription(Buffer description, Map<String, Integer> variableTypes) {

  /** @throws DeviceFailure MALFORMED_PAYLOAD when the payload is not Device OS's describe JSON */
  static ParticleDescription read(byte[] payload) {
    JsonObject json;
    try {
      json = new JsonObject(Buffer.buffer(payload));
    } catch (DecodeException | ClassCastException e) {
      throw malformed("the application describe must be a JSON object like {\"f\":[\"setName\"],\"v\":{\"temp\":9}}");
    }
    Object f = json.getValue("f", new JsonArray());
    Object v = json.getValue("v", new JsonObject());
    if (!(f instanceof JsonArray functions) || !(v instanceof JsonObject variables)) {
      throw malformed("\"f\" must be an array of names and \"v\" an object of name to type number");
    }
    JsonObject named = new JsonObject();
    Map<String, Integer> types = new HashMap<>();
    for (Map.Entry<String, Object> variable : variables) {
      if (!(variable.getValue() instanceof Number number) || number.doubleValue() != number.intValue()) {
        throw malformed("variable " + variable.getKey() + " has type " + variable.getValue() + "; Device OS types are numbers");
      }
      String type = switch (number.intValue()) {
        case ParticleCalls.BOOLEAN -> "bool";
        case ParticleCalls.INT -> "int";
        case ParticleCalls.STRING -> "string";
        case ParticleCalls.DOUBLE -> "double";
        default -> throw malformed("variable " + variable.getKey() + " has type " + number.intValue()
            + "; the types are 1 (bool), 2 (int), 4 (string) and 9 (double)");
      };
      named.put(variable.getKey(), type);
      types.put(variable.getKey(), number.intValue());
    }
    Buffer description = new JsonObject().put("f", functions).put("v", named).toBuffer();
    return new ParticleDescription(description, Map.copyOf(types));
  }

  private static DeviceFailure malformed(String message) {
    return new DeviceFailure(Kind.MALFORMED_PAYLOAD, message);
  }
}
