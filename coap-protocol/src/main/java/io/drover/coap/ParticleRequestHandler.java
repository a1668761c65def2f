package io.drover.coap;

import java.util.concurrent.CompletionStage;

/**
 * A Particle device's requests (Device OS's cloud protocol over DTLS, docs/device-protocol.md,
 * "Particle devices"), decoded once from the wire: its events arrive as {@link #onEvent} as a Drover
 * device's do. Implemented by the gateway. Same threading contract as {@link DeviceRequestHandler}:
 * called on a Californium protocol-stage thread, returns at once.
 */
public interface ParticleRequestHandler extends DeviceRequestHandler {

  /**
   * {@code POST /h}: the device's binary Hello, decoded: its session begins. The device waits for the
   * ACK only; a DTLS device does not expect a Hello from the cloud.
   */
  CompletionStage<CoapReply> onHello(DevicePeer peer, ParticleHello hello);

  /**
   * {@code GET /e/{prefix}}: the device subscribes to its owner's events whose names start with
   * {@code prefix}; they are then sent to it ({@link DevicePeer#deliverEvent}) while the session lasts.
   */
  CompletionStage<CoapReply> onSubscribe(DevicePeer peer, String prefix);

  /** {@code POST /x}: the device says goodbye (it sleeps, resets or disconnects): its session ends. */
  CompletionStage<CoapReply> onGoodbye(DevicePeer peer);
}
