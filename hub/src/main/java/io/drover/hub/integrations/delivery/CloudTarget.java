package io.drover.hub.integrations.delivery;

import io.vertx.core.Future;
import java.util.Map;

/**
 * An integration that sends to a cloud service's documented API rather than to a URL of its own
 * (Azure IoT Hub, Google Cloud Pub/Sub): it renders each event's request, and holds the credential
 * the service wants in {@code Authorization}, made or fetched once and reused until it nears its
 * expiry. Sent by the same engine as webhooks (outbox, lanes per host, retries, log), through
 * {@link CloudSender}. Threading: everything but {@link #invalid()} is called on the delivery
 * verticle's event loop only (the credential cache is not locked).
 */
interface CloudTarget {

  /** The header a rendered request carries empty, masked in the log, and filled at send time. */
  String AUTHORIZATION = "Authorization";

  /** Why this integration cannot be sent (a key that does not decode, secrets that do not open); null when it can. */
  String invalid();

  /**
   * The request for one event, its {@link #AUTHORIZATION} header present but empty and listed as secret.
   *
   * @throws RuntimeException when a template fails to render or renders to something unusable
   */
  WebhookRequest render(OutboxEvent event, Map<String, Object> variables, DeliverySettings settings);

  /**
   * The value of {@code Authorization}: the cached one while it has a few minutes left, else a new one.
   * Fails with {@link CloudSender.NotAuthorized} (carrying the attempt's answer) when none could be had.
   */
  Future<String> authorization(WebhookSender sender);

  /** The service refused the credential (401, 403): the cached one is dropped, the next attempt makes or fetches another. */
  void forget();
}
