package io.drover.gateway.session;

import io.drover.gateway.contract.AuthenticatedDevice;
import io.drover.gateway.contract.AuthenticationRequest;
import io.drover.gateway.contract.BusAddresses;
import io.drover.gateway.contract.DeviceDescription;
import io.drover.gateway.contract.DeviceEvent;
import io.drover.gateway.contract.DeviceEventCodec;
import io.drover.gateway.contract.DeviceFailure;
import io.drover.gateway.contract.SessionNotice;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The session pipeline's view of the hub: every step that needs the fleet asks over the event bus,
 * with a deadline, and every failure comes back as a {@link DeviceFailure}.
 */
public final class HubClient {

  private final EventBus bus;
  private final DeliveryOptions requestOptions;
  private final DeliveryOptions eventOptions;

  /**
   * @param hubOnThisNode true when this node is also a hub: then every request stays on this node
   *     (no hop through the cluster for what the local hub answers as well); false sends each to any
   *     hub node of the cluster
   */
  public HubClient(EventBus bus, Duration requestTimeout, boolean hubOnThisNode) {
    this.bus = bus;
    this.requestOptions = new DeliveryOptions().setSendTimeout(requestTimeout.toMillis()).setLocalOnly(hubOnThisNode);
    this.eventOptions = new DeliveryOptions(requestOptions).setCodecName(DeviceEventCodec.NAME);
  }

  public Future<AuthenticatedDevice> authenticate(AuthenticationRequest request) {
    return bus.<JsonObject>request(BusAddresses.AUTHENTICATE, request.toJson(), requestOptions)
        .recover(cause -> Future.failedFuture(DeviceFailure.from(cause)))
        .map(reply -> AuthenticatedDevice.fromJson(reply.body()));
  }

  /**
   * The pre-shared key of a device, for its DTLS handshake.
   *
   * @return completes with the key's bytes, or with null when the device is unknown or has none;
   *     fails with UNAVAILABLE when the hub does not answer
   */
  public Future<byte[]> presharedKey(String deviceId) {
    return bus.<JsonObject>request(BusAddresses.PRESHARED_KEY, new JsonObject().put("device_id", deviceId), requestOptions)
        .map(reply -> reply.body().getString("psk").getBytes(StandardCharsets.US_ASCII))
        .recover(cause -> {
          DeviceFailure failure = DeviceFailure.from(cause);
          return failure.kind() == DeviceFailure.Kind.UNKNOWN_DEVICE ? Future.succeededFuture(null) : Future.failedFuture(failure);
        });
  }

  /**
   * The device registered with a raw public key, for its DTLS handshake.
   *
   * @return completes with the device ID, or with null when no device has this key
   */
  public Future<String> deviceForPublicKey(byte[] subjectPublicKeyInfo) {
    JsonObject request = new JsonObject().put("public_key", java.util.Base64.getEncoder().encodeToString(subjectPublicKeyInfo));
    return bus.<JsonObject>request(BusAddresses.DEVICE_BY_PUBLIC_KEY, request, requestOptions)
        .map(reply -> reply.body().getString("device_id"))
        .recover(cause -> {
          DeviceFailure failure = DeviceFailure.from(cause);
          return failure.kind() == DeviceFailure.Kind.UNKNOWN_DEVICE ? Future.succeededFuture(null) : Future.failedFuture(failure);
        });
  }

  public void notifySession(SessionNotice notice) {
    bus.send(BusAddresses.SESSION_NOTICES, notice.toJson(), requestOptions);
  }

  public void describe(DeviceDescription description) {
    bus.send(BusAddresses.DESCRIBE, description.toJson(), requestOptions);
  }

  /** Hands an event to the hub; the future completes once the hub has written it durably. */
  public Future<Void> publishDurably(DeviceEvent event) {
    return bus.request(BusAddresses.PUBLISH_EVENT, event, eventOptions)
        .recover(cause -> Future.failedFuture(DeviceFailure.from(cause)))
        .mapEmpty();
  }

  /** Hands an event to the hub without waiting (MQTT QoS 0): the hub counts it if it must drop it. */
  public void publish(DeviceEvent event) {
    bus.send(BusAddresses.PUBLISH_EVENT, event, eventOptions);
  }
}
