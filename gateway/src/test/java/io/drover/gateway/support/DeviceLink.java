package io.drover.gateway.support;

import io.vertx.core.json.JsonObject;
import java.util.function.Function;

/**
 * One session of a simulated device, whatever its transport: what docs/device-protocol.md lets a
 * device do, said once, so that a contract test runs the same steps over MQTT 3.1.1, MQTT 5 and CoAP.
 * Every method blocks the test's thread until the device has its answer (or gives up); none may be
 * called from an event loop.
 */
public interface DeviceLink extends AutoCloseable {

  /** What the device declares when its session opens (MQTT {@code d}, CoAP {@code POST /d}). */
  String OPENING_DESCRIPTION = "{\"f\":[],\"v\":{}}";

  /** A request from the cloud that reached the device. */
  record Call(String kind, String name, String argument) {
  }

  /** A firmware update as the device received it: the offer and the bytes it fetched. */
  record FirmwareDownload(int version, int size, String sha256, byte[] binary) {
  }

  /**
   * Publishes event {@code name}: durably (MQTT QoS 1, CoAP CON), answered once the hub has written it,
   * or fire-and-forget (QoS 0, NON).
   */
  WireAnswer publish(String name, byte[] data, boolean durable) throws Exception;

  /** Declares the device's functions and variables. */
  WireAnswer describe(String description) throws Exception;

  /** Sends the handshake; returns the cloud's answer (MQTT {@code c/h}, the payload of CoAP's 2.04). */
  JsonObject handshake(JsonObject handshake) throws Exception;

  /**
   * Sends the handshake and returns what the wire answered it (the PUBACK, the response code), not the
   * cloud's answer: for a handshake that may be refused.
   */
  WireAnswer sendHandshake(JsonObject handshake) throws Exception;

  /** Follows the update the handshake answer announced, to its last byte. */
  FirmwareDownload downloadFirmware(JsonObject handshakeAnswer) throws Exception;

  /**
   * Waits for a handshake answer the cloud sent of itself ("flash now", a cloud flash): MQTT {@code c/h},
   * CoAP {@code PUT /h}; the first one that matches.
   */
  JsonObject awaitHandshakeNotice(java.util.function.Predicate<JsonObject> match) throws Exception;

  /** Reports the update's end ({@code fw/result}). */
  WireAnswer reportFirmwareResult(int version, boolean verified) throws Exception;

  /** Waits for the Asset Tracker settings the cloud sends ({@code c/cfg}, {@code PUT /cfg}). */
  JsonObject awaitSettings() throws Exception;

  /** Acknowledges settings ({@code cfg/ack}). */
  WireAnswer acknowledgeSettings(String checksum) throws Exception;

  /**
   * Answers calls of {@code function} with what {@code body} returns for the argument; a null return
   * leaves the call unanswered, as firmware that hangs.
   */
  void serveFunction(String function, Function<String, String> body);

  void serveVariable(String variable, String value);

  /** Every call, read and signal that reached this device, in order. */
  Recorded<Call> calls();

  /**
   * What the cloud told this device when another session of it took over, once it did: MQTT closes the
   * connection (MQTT 5 with a DISCONNECT first); null for a transport with nothing to say.
   */
  WireAnswer awaitTakenOver() throws Exception;

  /** Whether the session is still open as far as the device knows. */
  boolean isOpen();

  /** Ends the session as a device does (MQTT DISCONNECT, DTLS close_notify). */
  void end() throws Exception;

  @Override
  void close();
}
