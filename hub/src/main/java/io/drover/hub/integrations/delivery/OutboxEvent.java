package io.drover.hub.integrations.delivery;

/**
 * An accepted event as a delivery needs it: read from the events table by a claim, or handed over in
 * memory by the event writer once committed.
 */
record OutboxEvent(long id, String deviceId, String name, String data, long publishedAtMillis, Long ownerId, Integer productId) {
}
