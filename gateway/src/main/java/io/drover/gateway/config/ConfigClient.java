package io.drover.gateway.config;

import io.vertx.core.Promise;
import io.vertx.core.Vertx;

import io.drover.gateway.contract.BusAddresses;
import io.drover.gateway.contract.DeviceFailure;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import java.time.Duration;

/** The gateway's questions to the hub about Asset Tracker settings, over the bus, with a deadline. */
public final class ConfigClient {

  private final Vertx vertx;
  private final EventBus bus;
  private final DeliveryOptions options;

  public ConfigClient(Vertx vertx, Duration timeout) {
    this.vertx = vertx;
    this.bus = vertx.eventBus();
    this.options = new DeliveryOptions().setSendTimeout(timeout.toMillis());
  }

  /** Completes after {@code millis}, on the caller's context. */
  Future<Void> after(long millis) {
    Promise<Void> elapsed = Promise.promise();
    vertx.setTimer(millis, id -> elapsed.complete());
    return elapsed.future();
  }

  /** See {@link BusAddresses#CONFIG_CHECK}. */
  public Future<JsonObject> check(String deviceId, String runningChecksum) {
    return bus.<JsonObject>request(BusAddresses.CONFIG_CHECK, new JsonObject().put("device_id", deviceId).put("checksum", runningChecksum), options)
        .recover(cause -> Future.failedFuture(DeviceFailure.from(cause)))
        .map(reply -> reply.body());
  }

  /** The device says it now runs the settings with this checksum. */
  public void acknowledged(String deviceId, String checksum) {
    bus.send(BusAddresses.CONFIG_ACK, new JsonObject().put("device_id", deviceId).put("checksum", checksum));
  }
}
