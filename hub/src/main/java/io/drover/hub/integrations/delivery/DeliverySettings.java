package io.drover.hub.integrations.delivery;

import java.time.Duration;
import java.util.List;

/**
 * The delivery engine's configuration ({@code integrations.*} keys, docs/operations.md). Where it may
 * send is {@link io.drover.hub.integrations.TargetPolicy}'s, the API's rule too.
 *
 * @param timeout a request's whole time, connect to the answer's last byte
 * @param retries the wait before each retry of a failed attempt (5xx, timeout, connection error); past the last, a dead letter
 * @param lease how long a claim holds an outbox row; a dead node's rows are claimed again after it
 * @param pollInterval how often a node claims due rows
 * @param queueCapacity deliveries a node holds in memory at once (claimed, waiting or in flight)
 * @param maxInFlight requests in flight at once on the node
 * @param maxPerHost requests in flight at once to one target host
 * @param perHostRate requests a second to one target host
 * @param retention how long attempts and dead letters are kept
 * @param azureEndpoint where Azure IoT Hub integrations send, {@code {hub}} standing for the hub's name, no trailing slash
 * @param pubsubEndpoint where Google Cloud Pub/Sub integrations publish, no trailing slash
 */
public record DeliverySettings(Duration timeout, List<Duration> retries, Duration lease, Duration pollInterval,
    int queueCapacity, int maxInFlight, int maxPerHost, int perHostRate, Duration retention, String azureEndpoint, String pubsubEndpoint) {

  public static final String AZURE_ENDPOINT = "https://{hub}.azure-devices.net";
  public static final String PUBSUB_ENDPOINT = "https://pubsub.googleapis.com";

  /** With the cloud services' real endpoints. */
  public DeliverySettings(Duration timeout, List<Duration> retries, Duration lease, Duration pollInterval,
      int queueCapacity, int maxInFlight, int maxPerHost, int perHostRate, Duration retention) {
    this(timeout, retries, lease, pollInterval, queueCapacity, maxInFlight, maxPerHost, perHostRate, retention,
        AZURE_ENDPOINT, PUBSUB_ENDPOINT);
  }

  /** The first KiB of each answer goes to the delivery log; 64 KiB are kept for the hook-response events. */
  static final int RESPONSE_KEPT_BYTES = 64 * 1024;
  static final int LOGGED_RESPONSE_CHARS = 1024;
}
