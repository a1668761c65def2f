package io.drover.gateway.firmware;

import io.drover.gateway.contract.BusAddresses;
import io.drover.gateway.contract.DeviceFailure;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import java.time.Duration;

/** The gateway's questions to the hub about firmware, over the bus, with a deadline. */
public final class FirmwareClient {

  private final EventBus bus;
  private final DeliveryOptions options;

  public FirmwareClient(EventBus bus, Duration timeout) {
    this.bus = bus;
    this.options = new DeliveryOptions().setSendTimeout(timeout.toMillis());
  }

  /** The device's target: {@code {"target_version": 3|null, "rule", "group"?, "size"?, "sha256"?}}. */
  public Future<JsonObject> target(String deviceId, Handshake handshake) {
    return bus.<JsonObject>request(BusAddresses.FIRMWARE_TARGET, handshake.toTargetRequest(deviceId), options)
        .recover(cause -> Future.failedFuture(DeviceFailure.from(cause)))
        .map(reply -> reply.body());
  }

  /** Tells the hub how a device's update ended, for a staged rollout's failure threshold. */
  public void reportOutcome(String deviceId, int productId, int version, boolean succeeded) {
    bus.send(BusAddresses.FIRMWARE_OUTCOME, new JsonObject().put("device_id", deviceId).put("product_id", productId)
        .put("version", version).put("succeeded", succeeded));
  }

  /** The whole binary, header included, as the device receives it. */
  public Future<Buffer> binary(int productId, int version) {
    return bus.<Buffer>request(BusAddresses.FIRMWARE_BINARY, new JsonObject().put("product_id", productId).put("version", version), options)
        .recover(cause -> Future.failedFuture(DeviceFailure.from(cause)))
        .map(reply -> reply.body());
  }
}
