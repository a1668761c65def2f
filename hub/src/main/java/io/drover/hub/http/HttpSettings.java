package io.drover.hub.http;

import java.time.Duration;

/**
 * Where the API and Console listen.
 *
 * @param port plain HTTP, served when {@code plainEnabled}
 * @param tlsPort HTTPS (HTTP/2 by ALPN, or HTTP/1.1), served whenever the verticle is given a certificate
 * @param hstsMaxAge the {@code Strict-Transport-Security} max-age of HTTPS responses; zero sends none
 */
public record HttpSettings(String host, int port, int tlsPort, boolean plainEnabled, Duration hstsMaxAge) {
}
