package io.drover.hub.devices;

import io.drover.gateway.commands.DeviceCommands;
import io.drover.gateway.contract.DeviceCommand;
import io.drover.gateway.contract.DeviceEvent;
import io.drover.gateway.contract.DeviceFailure;
import io.drover.hub.http.ApiException;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A function call and a variable read, sent to the device over its live session and answered as
 * Particle answers them. The account's routes ({@link DevicesApi}) and a product's
 * ({@code ProductDeviceCallsApi}) each find the device their own way, then come here: one rule for
 * the argument, the declared names, the device's answer and each failure.
 */
public final class DeviceCalls {

  private final DeviceCommands commands;
  private final Duration callTimeout;

  public DeviceCalls(DeviceCommands commands, Duration callTimeout) {
    this.commands = commands;
    this.callTimeout = callTimeout;
  }

  /**
   * The device as a call needs it: what it declared, and for a variable's {@code coreInfo} when it was last heard.
   *
   * @param productId the product it is in, or null
   */
  public record Target(String id, String name, JsonArray functions, JsonObject variables, String lastHeard, String lastHandshakeAt,
      Integer productId) {
  }

  /**
   * The argument of {@code POST .../:function}: {@code arg}, or {@code args} as particle-api-js sends it.
   *
   * @throws ApiException 400 when it is longer than an event's data may be
   */
  public static String argument(JsonObject body) {
    Object arg = body.getValue("arg", body.getValue("args"));
    String argument = arg == null ? "" : String.valueOf(arg);
    if (argument.getBytes(StandardCharsets.UTF_8).length > DeviceEvent.MAX_DATA_BYTES) {
      throw new ApiException(400, "invalid_request", "the argument must be at most " + DeviceEvent.MAX_DATA_BYTES + " bytes");
    }
    return argument;
  }

  /** {@code {id, name, connected, return_value}}; 404 for a function the device did not declare. */
  public Future<JsonObject> call(Target device, String function, String argument) {
    if (!device.functions().contains(function)) {
      return Future.failedFuture(new ApiException(404, "not_found", "Function " + function + " not found"));
    }
    return command(new DeviceCommand(device.id(), DeviceCommand.Kind.FUNCTION, function, argument, callTimeout.toMillis()))
        .map(answer -> {
          try {
            return new JsonObject().put("id", device.id()).put("name", device.name()).put("connected", true)
                .put("return_value", Integer.parseInt(answer.trim()));
          } catch (NumberFormatException e) {
            throw new ApiException(502, "bad_device_answer", "The device answered '" + answer + "', not an integer");
          }
        });
  }

  /**
   * {@code {name, result, coreInfo}}, the result typed as the device declared it; with {@code raw} the bare
   * value as text. 404 for a variable the device did not declare.
   */
  public Future<Object> read(Target device, String variable, boolean raw) {
    String type = device.variables().getString(variable);
    if (type == null) {
      return Future.failedFuture(new ApiException(404, "not_found", "Variable " + variable + " not found"));
    }
    return command(new DeviceCommand(device.id(), DeviceCommand.Kind.VARIABLE, variable, null, callTimeout.toMillis()))
        .map(answer -> {
          Object result = typed(answer, type);
          if (raw) {
            return String.valueOf(result);
          }
          return new JsonObject().put("name", variable).put("result", result).put("coreInfo", new JsonObject()
              .put("last_app", "")
              .put("last_heard", device.lastHeard())
              .put("connected", true)
              .put("last_handshake_at", device.lastHandshakeAt())
              .put("deviceID", device.id())
              .put("product_id", device.productId()));
        });
  }

  /** Sends {@code command} to the gateway node holding the device's session; each failure becomes the answer Particle gives. */
  public Future<String> command(DeviceCommand command) {
    return commands.request(command)
        .map(reply -> reply.getString("result"))
        .recover(cause -> {
          DeviceFailure failure = DeviceFailure.from(cause);
          return Future.failedFuture(switch (failure.kind()) {
            case DEVICE_TIMEOUT, UNAVAILABLE -> new ApiException(408, "timed_out", "Timed out: the device did not answer");
            case OVERLOADED -> new ApiException(429, "too_many_requests", "The device has too many requests in flight; try again");
            case NOT_ALLOWED -> new ApiException(404, "device_not_listening", "The device is online but does not take requests");
            // a limit of the device's transport below the API's own (a Particle device's 255-byte argument)
            case PAYLOAD_TOO_LARGE -> new ApiException(400, "invalid_request", failure.getMessage());
            default -> new ApiException(404, "device_offline", "Device is not connected");
          });
        });
  }

  /** The timeout a command to the device gets. */
  public Duration timeout() {
    return callTimeout;
  }

  private static Object typed(String answer, String type) {
    try {
      return switch (type) {
        case "int" -> Integer.parseInt(answer.trim());
        case "double" -> Double.parseDouble(answer.trim());
        case "bool" -> switch (answer.trim()) {
          case "true", "1" -> true;
          case "false", "0" -> false;
          default -> throw new NumberFormatException(answer);
        };
        default -> answer;
      };
    } catch (NumberFormatException e) {
      throw new ApiException(502, "bad_device_answer", "The device answered '" + answer + "', not a " + type);
    }
  }
}
