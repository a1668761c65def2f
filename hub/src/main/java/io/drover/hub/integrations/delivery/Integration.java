package io.drover.hub.integrations.delivery;

import io.drover.hub.integrations.IntegrationRepository;

/**
 * An integration as every hub node holds it in memory: its scope (an account's sandbox, or a product),
 * the event-name prefix and device it listens to, and its compiled webhook.
 */
record Integration(String id, Long userId, Integer productId, String event, String deviceId, boolean disabled, Webhook webhook) {

  /** The webhook type that this engine delivers, as {@link IntegrationRepository} reads it. */
  static final String WEBHOOK = "Webhook";

  /** A stored Webhook integration, its templates compiled; null stays null (a deleted row). */
  static Integration of(IntegrationRepository.Stored stored) {
    if (stored == null) {
      return null;
    }
    Long user = stored.owner().userId();
    Integer product = stored.owner().productId();
    return new Integration(stored.id(), user, product, stored.event(), stored.deviceId(), stored.disabled(),
        Webhook.compile(stored.id(), stored.settings(), stored.secrets(), product != null));
  }

  /**
   * Particle's trigger (docs {@code webhooks.md}): the event name starts with {@link #event},
   * case-sensitive, no wildcard; and the device is the one named, when one is.
   */
  boolean matches(String deviceId, String name) {
    return name.startsWith(event) && (this.deviceId == null || this.deviceId.equals(deviceId));
  }
}
