package io.drover.gateway.pipeline;

import io.drover.gateway.contract.DeviceCommand;
import io.drover.gateway.handshake.FirmwareOffer;
import io.drover.gateway.handshake.HandshakeAnswer;
import io.drover.gateway.handshake.TrackerConfigPush;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;

/**
 * A transport's side of one device session: how the pipeline reaches the device. One method per
 * cloud-to-device message, so a new message cannot be forgotten by a transport: MQTT encodes each as a
 * publish on its topic, CoAP as a request to the device's own resource. Every method is called on the
 * session's context.
 */
public interface DeviceLink {

  /** How a firmware binary reaches the device (docs/device-protocol.md sections 8.3 and 8.4). */
  enum FirmwareDelivery {
    /**
     * The cloud sends the handshake answer as a message of its own and then pushes the binary in
     * chunks under a window of acknowledgements (MQTT).
     */
    PUSH,
    /**
     * The handshake answer is the reply to the device's handshake request; the device then fetches the
     * blocks it needs (CoAP Block2). A cloud-initiated check sends the answer as a request.
     */
    PULL,
    /**
     * The transport sends the whole binary with the device's own update protocol
     * ({@link #transferFirmware}): a Particle device's legacy OTA ({@code /u}, {@code /c}). There is no
     * handshake answer to send.
     */
    TRANSFER
  }

  FirmwareDelivery firmwareDelivery();

  /**
   * What the connection moves on the wire, counted by the transport (framing, TLS or DTLS records and
   * headers included): the session meters it for the device's SIM.
   */
  WireBytes wireBytes();

  /** The device's address as the transport sees it, for the session notices; null when unknown. */
  String remoteAddress();

  /** @return false when the device does not listen for it */
  boolean sendHandshakeAnswer(HandshakeAnswer answer);

  /** Only for {@link FirmwareDelivery#PUSH}. @return false when the device does not listen for it */
  boolean sendFirmwareOffer(FirmwareOffer offer);

  /** Only for {@link FirmwareDelivery#PUSH}. @return false when the device does not listen for it */
  boolean sendFirmwareChunk(int offset, long crc32, Buffer chunk);

  /**
   * Only for {@link FirmwareDelivery#TRANSFER}: sends the whole binary with the device's own protocol.
   *
   * @return completes when the device took all of it (it then applies it and restarts), fails when the
   *     transfer broke off or the device refused it
   */
  Future<Void> transferFirmware(Buffer binary);

  /** @return false when the device does not listen for it */
  boolean sendTrackerConfig(TrackerConfigPush push);

  /**
   * A cloud event for the device (docs/device-protocol.md section 4.7): an integration's answer.
   *
   * @return false when the device does not listen for it
   */
  boolean sendEvent(String name, String data);

  /**
   * An event of the device's owner (or product) that matches a prefix the device subscribed to
   * ({@link LiveSession#onSubscribe}): Particle's event delivery.
   *
   * @return completes when the device acknowledged it, fails when it did not or cannot take it
   */
  Future<Void> sendSubscribedEvent(String name, String data);

  /**
   * Sends a function call, a variable read or a signal and awaits the device's answer (a signal's is
   * empty). The pipeline bounds the calls in flight and cancels one past its deadline. A transport that
   * knows the device is not reading (its outbound queue is full) fails the call with OVERLOADED.
   */
  DeviceCall call(DeviceCommand command);

  /**
   * Whether the device takes more pushed messages now: false while what was sent to it is still waiting
   * to be read (MQTT: its outbound queue is full). A pushed firmware transfer then waits for
   * {@link #whenWritable}; other messages are sent anyway or dropped by the transport, as it documents.
   */
  boolean writable();

  /** Runs {@code task} once, on the session's context, when the link is {@link #writable()} again; replaces an earlier task. */
  void whenWritable(Runnable task);

  /**
   * Whether the transport can hold a durable event the hub could not take now (OVERLOADED, UNAVAILABLE)
   * while the pipeline offers it to the hub again: MQTT can, the device awaiting its PUBACK and the
   * connection not read meanwhile ({@link #pauseReading}); CoAP answers at once, with a time to retry.
   */
  boolean holdsDurableEvents();

  /** Stops reading from the device (TCP backpressure) until as many {@link #resumeReading} calls; only when {@link #holdsDurableEvents()}. */
  void pauseReading();

  void resumeReading();

  /**
   * Ends the connection because another session took the device over (MQTT 5 answers DISCONNECT
   * 0x8E). The transport then ends the session as for any close.
   */
  void closeTakenOver();

  /**
   * Ends the connection because the X.509 certificate the session was authenticated with was revoked,
   * or the device's connectivity was paused (its SIM deactivated or at its data limit):
   * MQTT 5 answers DISCONNECT 0x87 Not authorized, MQTT 3.1.1 closes the connection; CoAP also ends
   * the DTLS session, so that the device's next record needs a new handshake, which the certificate
   * rule refuses. The transport then ends the session as for any close.
   *
   * @param reason for the device where the transport can say it (the MQTT 5 reason string) and the log
   */
  void closeRevoked(String reason);
}
