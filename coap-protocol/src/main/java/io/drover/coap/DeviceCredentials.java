package io.drover.coap;

import java.util.concurrent.CompletionStage;

/** Where the DTLS handshake gets a device's pre-shared key. Implemented by the gateway. */
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
}
