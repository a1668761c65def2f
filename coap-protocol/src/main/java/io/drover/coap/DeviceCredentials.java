package io.drover.coap;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CompletionStage;

/** Where the DTLS handshake learns who a device is. Implemented by the gateway. */
public interface DeviceCredentials {

  /**
   * Looks up the pre-shared key of a PSK identity (the device ID). Called on a Scandium thread, which
   * must not wait: answer with a stage that completes later, from any thread.
   *
   * @return completes with the key, or with null when the identity is unknown or has no key
   */
  CompletionStage<byte[]> presharedKey(String identity);

  /**
   * Looks up the device registered with an ECDSA P-256 raw public key (RFC 7250), given as its DER
   * SubjectPublicKeyInfo. Same threading contract as {@link #presharedKey}.
   *
   * @return completes with the device ID, or with null when no device has this key
   */
  CompletionStage<String> deviceForPublicKey(byte[] subjectPublicKeyInfo);

  /**
   * Decides whom an X.509 certificate chain names, and whether it is trusted. The handshake has not
   * checked the chain at all: only, later in the handshake, that the device holds the first
   * certificate's key (its CertificateVerify). Same threading contract as {@link #presharedKey}.
   *
   * @param chainDer the DER certificates as the device sent them, its own first
   * @param peer where the handshake comes from, for the hub's records
   * @return completes with the device ID; fails with {@link CertificateRefused} when the certificate
   *     is refused, or with anything else when the answer could not be had
   */
  CompletionStage<String> deviceForCertificate(List<byte[]> chainDer, InetSocketAddress peer);
}
