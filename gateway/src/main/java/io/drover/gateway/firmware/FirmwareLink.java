package io.drover.gateway.firmware;

import io.vertx.core.buffer.Buffer;

/** How a session's firmware update reaches its device and the hub; the transport implements it. */
public interface FirmwareLink {

  /**
   * Sends a cloud-to-device message, e.g. {@code c/fw/offer}.
   *
   * @return false when the device does not listen on that topic
   */
  boolean send(String topic, Buffer payload);

  /** Publishes a cloud event for the device ({@code spark/flash/status}, {@code spark/status}). */
  void publishEvent(String name, String data);
}
