package io.drover.hub.integrations.delivery;

import io.drover.hub.integrations.IntegrationRepository;

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
   * A stored integration compiled: a webhook's templates, or the Azure IoT Hub or Pub/Sub target;
   * null stays null (a deleted row).
   */
  static Integration of(IntegrationRepository.Stored stored) {
    if (stored == null) {
      return null;
    }
    Long user = stored.owner().userId();
    Integer product = stored.owner().productId();
    CloudTarget cloud = switch (stored.type()) {
      case "AzureIotHub" -> AzureIotHub.compile(stored.settings(), stored.secrets());
      case "GoogleCloudPubSub" -> PubSub.compile(stored.settings(), stored.secrets());
      default -> null;
    };
    return new Integration(stored.id(), user, product, stored.event(), stored.deviceId(), stored.disabled(),
        cloud == null ? Webhook.compile(stored.id(), stored.settings(), stored.secrets(), product != null) : null, cloud);
  }

  /**
   * Particle's trigger (docs {@code webhooks.md}): the event name starts with {@link #event},
   * case-sensitive, no wildcard; and the device is the one named, when one is.
   */
  boolean matches(String deviceId, String name) {
    return name.startsWith(event) && (this.deviceId == null || this.deviceId.equals(deviceId));
  }
}
