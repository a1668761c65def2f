package io.drover.coap;

import java.util.concurrent.CompletionStage;

/**
 * The device's requests, decoded once from the wire. Implemented by the gateway; each method is
 * called on a Californium protocol-stage thread, must return at once (hand the work over, never wait),
 * and answers with a stage, completed on any thread, whose reply is sent to the device.
 */
public interface DeviceRequestHandler {

  /**
   * {@code POST /e/{name}}: an event. A confirmable request should be answered once the event is
   * stored; a non-confirmable one at once.
   *
   * @param name the Uri-Path segments after {@code e}, joined by '/'
   */
  CompletionStage<CoapReply> onEvent(DevicePeer peer, String name, byte[] data, boolean confirmable);

  /** {@code POST /d}: the functions and variables the device has, as JSON. */
  CompletionStage<CoapReply> onDescribe(DevicePeer peer, byte[] description);

  /**
   * {@code POST /h}: the handshake (JSON, as over MQTT's {@code h}); the reply's payload is the JSON
   * MQTT sends on {@code c/h}, with the offer's {@code size} and {@code sha256} when an update follows.
   */
  default CompletionStage<CoapReply> onHandshake(DevicePeer peer, byte[] handshake) {
    return java.util.concurrent.CompletableFuture.completedFuture(CoapReply.of(org.eclipse.californium.core.coap.CoAP.ResponseCode.NOT_FOUND));
  }

  /**
   * {@code GET /fw/{version}}: the whole firmware binary the device is offered, as a 2.05 payload;
   * the resource serves it in Block2 blocks (RFC 7959).
   */
  default CompletionStage<CoapReply> onFirmware(DevicePeer peer, int version) {
    return java.util.concurrent.CompletableFuture.completedFuture(CoapReply.of(org.eclipse.californium.core.coap.CoAP.ResponseCode.NOT_FOUND));
  }

  /** {@code POST /fw/result}: the device's verdict on the binary (JSON, as MQTT's {@code fw/result}). */
  default CompletionStage<CoapReply> onFirmwareResult(DevicePeer peer, byte[] result) {
    return java.util.concurrent.CompletableFuture.completedFuture(CoapReply.of(org.eclipse.californium.core.coap.CoAP.ResponseCode.NOT_FOUND));
  }

  /** {@code POST /cfg/ack}: the checksum of the Asset Tracker settings the device applied (JSON, as MQTT's {@code cfg/ack}). */
  default CompletionStage<CoapReply> onConfigAck(DevicePeer peer, byte[] ack) {
    return java.util.concurrent.CompletableFuture.completedFuture(CoapReply.of(org.eclipse.californium.core.coap.CoAP.ResponseCode.NOT_FOUND));
  }
}
