package io.drover.gateway;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.TCPSSLOptions;
import java.util.List;
import java.util.Set;

/**
 * The TLS every TCP listener of a node serves (MQTT on 8883, HTTPS on 8443): one certificate chain
 * and its key, TLS 1.2 and 1.3 only, and the cipher suites of Mozilla's "intermediate" profile, all
 * with forward secrecy and an AEAD cipher. NULL, export, anonymous, RC4, 3DES and CBC suites are not
 * in the list, so a client that offers only those is refused in the handshake.
 *
 * <p>The PEM text is read once by the launcher, off the event loops, so that listening never waits on
 * a file and a bad file stops the start instead of the first connection.
 *
 * @param certificateChain PEM: the server certificate first, then any intermediates
 * @param privateKey PEM: PKCS#8 ({@code PRIVATE KEY}), PKCS#1 ({@code RSA PRIVATE KEY}) or SEC 1
 *     ({@code EC PRIVATE KEY})
 */
public record ServerTls(Buffer certificateChain, Buffer privateKey) {

  public static final Set<String> PROTOCOLS = Set.of("TLSv1.2", "TLSv1.3");

  /** IANA names, as the JDK takes them; the TLS 1.3 suites first. */
  public static final List<String> CIPHER_SUITES = List.of(
      "TLS_AES_128_GCM_SHA256",
      "TLS_AES_256_GCM_SHA384",
      "TLS_CHACHA20_POLY1305_SHA256",
      "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
      "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
      "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
      "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
      "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
      "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

  /** Turns TLS on in {@code options} with this certificate and the policy above; returns {@code options}. */
  public <T extends TCPSSLOptions> T applyTo(T options) {
    options.setSsl(true)
        .setKeyCertOptions(new PemKeyCertOptions().addCertValue(certificateChain).addKeyValue(privateKey))
        .setEnabledSecureTransportProtocols(PROTOCOLS);
    for (String suite : CIPHER_SUITES) {
      options.addEnabledCipherSuite(suite);
    }
    return options;
  }
}
