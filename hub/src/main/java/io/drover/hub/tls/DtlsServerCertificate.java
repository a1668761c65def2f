package io.drover.hub.tls;

import java.nio.file.Path;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The certificate a node's DTLS server shows devices that authenticate with X.509: the DTLS server's
 * own key (the one raw-public-key devices pin) certified by a CA of the node, so that a device can
 * verify CoAP over DTLS. Which CA: the node's TLS CA, so that devices use the same {@code ca.pem} as
 * for MQTT over TLS and HTTPS; or, when the operator gave the node its TLS certificate and the node
 * holds no TLS CA, the node's device CA ({@code device-ca.pem}).
 *
 * <p>The operator's TLS certificate itself is not served on DTLS, even with an ECDSA key: a DTLS server
 * proves itself with one key for X.509 and raw-public-key devices alike (Scandium asks for its identity
 * before the certificate type is chosen), so serving the operator's key would change the key that
 * raw-public-key devices pinned, and again at each renewal that makes a new key (Let's Encrypt's
 * default).
 */
public final class DtlsServerCertificate {

  private static final Logger LOG = LoggerFactory.getLogger(DtlsServerCertificate.class);
  /** As the TLS server certificate's: the longest Apple's clients accept, and short enough to roll. */
  private static final Duration VALIDITY = Duration.ofDays(825);

  private DtlsServerCertificate() {
  }

  /**
   * Issues, at every start, a server certificate for {@code serverKey}, for the node's host names
   * (those of its TLS server certificate): signed by the node's own TLS CA ({@code DATA_DIR/tls/ca.pem}
   * and {@code ca-key.pem}), or with the operator's TLS certificate ({@code tls.cert-file}) by the
   * node's device CA. Call it after {@link NodeCertificate#loadAtStart}, which makes the TLS CA on the
   * first start. Blocks on the CAs' files: call it on the launcher thread.
   *
   * @param serverKey the DTLS server's public key ({@code DtlsServerKey.loadAtStart(...).getPublic()})
   * @param deviceCa the node's device CA, asked for only with the operator's TLS certificate
   * @return the chain for {@code io.drover.coap.DtlsServerIdentity}: the server certificate alone (the
   *     CA is the devices' trust anchor and is not sent: a DTLS flight stays small)
   * @throws IllegalStateException when the node's own CA files are missing or unusable
   */
  public static List<X509Certificate> issueAtStart(TlsSettings settings, Path dataDir, PublicKey serverKey, Supplier<CertificateAuthority> deviceCa) {
    Path directory = dataDir.resolve(NodeCertificate.DIRECTORY);
    List<String> names = HostNames.forNode(settings.hostNames());
    if (settings.operatorCertificate()) {
      X509Certificate server = deviceCa.get().issueServer(serverKey, names, VALIDITY);
      LOG.info("DTLS server certificate issued by the node's device CA [ca-file: {}, names: {}, not-after: {}]: the operator's TLS certificate "
          + "(tls.cert-file) serves MQTT over TLS and HTTPS; X.509 devices verify CoAP over DTLS against the device CA, raw-public-key "
          + "devices by the DTLS server's own key, as before", directory.resolve("device-ca.pem"), names, server.getNotAfter().toInstant());
      return List.of(server);
    }
    CertificateAuthority ca = CertificateAuthority.load(directory.resolve("ca.pem"), directory.resolve("ca-key.pem"));
    X509Certificate server = ca.issueServer(serverKey, names, VALIDITY);
    LOG.info("DTLS server certificate issued by the node's CA [names: {}, not-after: {}]", names, server.getNotAfter().toInstant());
    return List.of(server);
  }
}
