package io.drover.hub.integrations.delivery;

/**
 * An integration as every hub node holds it in memory: its scope (an account's sandbox, or a product),
 * the event-name prefix and device it listens to, and its compiled webhook, or, for the Azure IoT Hub
 * and Google Cloud Pub/Sub types, its {@link CloudTarget} ({@code webhook} null then).
 */
record Integration(String id, Long userId, Integer productId, String event, String deviceId, boolean disabled, Webhook webhook, CloudTarget cloud) {

  /** A Webhook integration. */
  Integration(String id, Long userId, Integer productId, String event, String deviceId, boolean disabled, Webhook webhook) {
    this(id, userId, productId, event, deviceId, disabled, webhook, null);
  }

  /**
   * Particle's trigger (docs {@code webhooks.md}): the event name starts with {@link #event},
   * case-sensitive, no wildcard; and the device is the one named, when one is.
   */
  boolean matches(String deviceId, String name) {
    return name.startsWith(event) && (this.deviceId == null || this.deviceId.equals(deviceId));
  }
}
