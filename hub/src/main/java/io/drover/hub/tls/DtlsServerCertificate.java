package io.drover.hub.tls;

import java.nio.file.Path;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The certificate a node's DTLS server shows devices that authenticate with X.509: the DTLS server's
 * own key (the one raw-public-key devices pin) certified by the node's TLS CA, so that a device
 * verifies CoAP over DTLS with the same {@code ca.pem} it uses for MQTT over TLS and HTTPS.
 */
public final class DtlsServerCertificate {

  private static final Logger LOG = LoggerFactory.getLogger(DtlsServerCertificate.class);
  /** As the TLS server certificate's: the longest Apple's clients accept, and short enough to roll. */
  private static final Duration VALIDITY = Duration.ofDays(825);

  private DtlsServerCertificate() {
  }

  /**
   * Issues, at every start, a server certificate for {@code serverKey} signed by the node's own TLS
   * CA ({@code DATA_DIR/tls/ca.pem} and {@code ca-key.pem}), for the node's host names (those of its
   * TLS server certificate). Call it after {@link NodeCertificate#loadAtStart}, which makes the CA on
   * the first start. Blocks on the CA's files: call it on the launcher thread.
   *
   * @param settings the node's TLS settings: with the operator's own certificate ({@code tls.cert-file})
   *     the node holds no CA key, and nothing is issued
   * @param serverKey the DTLS server's public key ({@code DtlsServerKey.loadAtStart(...).getPublic()})
   * @return the chain for {@code io.drover.coap.DtlsServerIdentity}: the server certificate alone (the
   *     CA is the devices' trust anchor, {@code ca.pem}, and is not sent: a DTLS flight stays small);
   *     empty when the operator gave the node its certificate
   * @throws IllegalStateException when the node's own CA files are missing or unusable
   */
  public static List<X509Certificate> issueAtStart(TlsSettings settings, Path dataDir, PublicKey serverKey) {
    if (settings.operatorCertificate()) {
      LOG.info("DTLS: no X.509 server certificate is made, the node serves the operator's TLS certificate (tls.cert-file) and holds no CA key; "
          + "X.509 devices verify the DTLS server by its raw public key");
      return List.of();
    }
    Path directory = dataDir.resolve(NodeCertificate.DIRECTORY);
    CertificateAuthority ca = CertificateAuthority.load(directory.resolve("ca.pem"), directory.resolve("ca-key.pem"));
    List<String> names = HostNames.forNode(settings.hostNames());
    X509Certificate server = ca.issueServer(serverKey, names, VALIDITY);
    LOG.info("DTLS server certificate issued by the node's CA [names: {}, not-after: {}]", names, server.getNotAfter().toInstant());
    return List.of(server);
  }
}
