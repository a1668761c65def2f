package io.drover.coap;

import java.time.Duration;

/**
 * The CoAP device listener's settings, validated by whoever reads the node configuration.
 *
 * @param host address both endpoints bind
 * @param securePort CoAP over DTLS (RFC 7252 section 9), 5684 by default; 0 picks a free port
 * @param plainPort unencrypted CoAP, 5683 by default; used only when {@code plainEnabled}
 * @param plainEnabled plain CoAP carries no device identity, so devices cannot use it; it is off
 *     unless an operator turns it on (for a probe or a trusted network)
 * @param maxConnections Scandium's {@code DTLS.MAX_CONNECTIONS}: DTLS sessions held at once
 * @param maxActivePeers Californium's {@code COAP.MAX_ACTIVE_PEERS}
 * @param staleSessionThreshold a DTLS session silent this long may be evicted when the connection
 *     store is full ({@code DTLS.STALE_CONNECTION_THRESHOLD})
 * @param udpReceiveBufferBytes the socket's receive buffer; the kernel default (208 KiB) drops
 *     datagrams under load, each drop costing the device a retransmission seconds later
 * @param exchangeLifetime how long a confirmable exchange is remembered for deduplication
 *     ({@code COAP.EXCHANGE_LIFETIME}); the RFC default of 247 s costs about 3 KB per exchange
 * @param idleTimeout a device silent this long is reported offline
 * @param threads the session executors and Californium's thread pools
 */
public record CoapSettings(
    String host,
    int securePort,
    int plainPort,
    boolean plainEnabled,
    int maxConnections,
    int maxActivePeers,
    Duration staleSessionThreshold,
    int udpReceiveBufferBytes,
    Duration exchangeLifetime,
    Duration idleTimeout,
    CoapThreads threads) {

  public static final int DEFAULT_MAX_CONNECTIONS = 200_000;
  public static final int DEFAULT_MAX_ACTIVE_PEERS = 200_000;

  public CoapSettings {
    if (maxConnections < 1 || maxActivePeers < 1 || udpReceiveBufferBytes < 0) {
      throw new IllegalArgumentException("limits must be positive");
    }
    if (exchangeLifetime.toSeconds() < 1 || idleTimeout.toSeconds() < 1 || staleSessionThreshold.toSeconds() < 1) {
      throw new IllegalArgumentException("durations must be at least one second");
    }
    if (threads == null) {
      throw new IllegalArgumentException("threads are required");
    }
  }

  /** Defaults sized for a fleet, on the given host and secure port; plain CoAP off. */
  public static CoapSettings defaults(String host, int securePort) {
    return new CoapSettings(host, securePort, 5683, false, DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_ACTIVE_PEERS,
        Duration.ofHours(24), 4 * 1024 * 1024, Duration.ofSeconds(60), Duration.ofMinutes(30), CoapThreads.DEFAULTS);
  }
}
