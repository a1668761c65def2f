package io.drover.hub.tls;

import java.nio.file.Path;
import java.util.List;

/**
 * Where the node's TLS certificate comes from: the operator's PEM files, or (both null) a certificate
 * the node makes for itself in {@code DATA_DIR/tls}.
 *
 * @param certFile {@code tls.cert-file}: the server certificate, then any intermediates
 * @param keyFile {@code tls.key-file}: its private key
 * @param hostNames names the generated certificate is made for besides localhost, the loopback
 *     addresses and the machine's host name: {@code tls.host-names} and the hosts the listeners bind
 */
public record TlsSettings(Path certFile, Path keyFile, List<String> hostNames) {

  public boolean operatorCertificate() {
    return certFile != null;
  }
}
