package io.drover.hub.http;

import java.time.Duration;

/**
 * Where the API and Console listen, and how long and how many connections they hold.
 *
 * @param port plain HTTP, served when {@code plainEnabled}
 * @param tlsPort HTTPS (HTTP/2 by ALPN, or HTTP/1.1), served whenever the verticle is given a certificate
 * @param hstsMaxAge the {@code Strict-Transport-Security} max-age of HTTPS responses; zero sends none
 * @param idleTimeout a connection on which nothing is read or written for this long is closed; longer
 *     than the event streams' keep-alive, so that a healthy stream is never cut by it
 * @param requestTimeout the time a client has to send a request's headers (from the connection's
 *     opening, or the end of its previous response) and then, separately, its body
 * @param maxConnections connections the HTTP ports hold at once (both together, all instances); past it
 *     a new one is closed at once
 * @param instances API instances, each on its own event loop, sharing the ports; 0 for one per core
 */
public record HttpSettings(String host, int port, int tlsPort, boolean plainEnabled, Duration hstsMaxAge,
                           Duration idleTimeout, Duration requestTimeout, int maxConnections, int instances) {

  /** The API instances to deploy: {@link #instances}, or the number of cores for 0. */
  public int effectiveInstances() {
    return instances > 0 ? instances : Runtime.getRuntime().availableProcessors();
  }
}
