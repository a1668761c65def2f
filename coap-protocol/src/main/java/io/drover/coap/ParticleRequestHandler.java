package io.drover.coap;

import io.drover.coap.particle.SystemDescribe;
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

  /**
   * {@code POST /E/{name}}, {@code POST /e/{name}}: an event, with the TTL Device OS sends as Max-Age
   * (60 when absent, as Particle's cloud reads it).
   *
   * @param contentFormat the request's Content-Format, or -1 when it has none (Device OS sends one only
   *     for data that is not text: 42 binary, 60 CBOR, 65001 JSON as CBOR)
   */
  CompletionStage<CoapReply> onEvent(DevicePeer peer, String name, byte[] data, boolean confirmable, int ttlSeconds, int contentFormat);

  /**
   * {@code POST /d} with bit 2 in its Uri-Query byte: the application's functions and variables, as
   * Device OS writes them: {@code {"f":["setName"],"v":{"temp":9}}}, the types by number (1 bool,
   * 2 int32, 4 string, 9 double).
   */
  CompletionStage<CoapReply> onApplicationDescribe(DevicePeer peer, byte[] json);

  /** {@code POST /d} with bit 1 in its Uri-Query byte: the device's firmware modules, decoded. */
  CompletionStage<CoapReply> onSystemDescribe(DevicePeer peer, SystemDescribe system);

  /**
   * An empty CON, Device OS's keep-alive, already answered with an empty ACK ({@link ParticlePings}):
   * the device was heard. Returns at once.
   */
  void onPing(DevicePeer peer);
}
