package io.drover.coap;

import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * What the node proves itself with in a DTLS handshake that is not PSK: its ECDSA P-256 key and,
 * optionally, an X.509 certificate chain for that key.
 *
 * <p>With the key alone the node speaks raw public keys only (RFC 7250): devices registered with a
 * public key shake hands, and pin the node's key. With a chain too, devices may also present X.509
 * certificates: a client that does not negotiate raw public keys expects an X.509 server certificate
 * (RFC 5246 section 7.4.2), so accepting theirs needs one of our own.
 *
 * @param key the node's key pair
 * @param chain the certificate of {@code key} first, then any intermediates; empty for raw public keys only
 */
public record DtlsServerIdentity(KeyPair key, List<X509Certificate> chain) {

  /** @throws IllegalArgumentException when the chain's first certificate is not for {@code key} */
  public DtlsServerIdentity {
    chain = List.copyOf(chain);
    if (!chain.isEmpty() && !chain.get(0).getPublicKey().equals(key.getPublic())) {
      throw new IllegalArgumentException("the first certificate of the DTLS server chain is not for the DTLS server key");
    }
  }

  /** Raw public keys only. */
  public static DtlsServerIdentity rawPublicKey(KeyPair key) {
    return new DtlsServerIdentity(key, List.of());
  }

  /** Whether devices may present X.509 certificates. */
  public boolean hasCertificate() {
    return !chain.isEmpty();
  }
}
