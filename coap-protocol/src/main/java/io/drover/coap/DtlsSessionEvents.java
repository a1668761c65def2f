package io.drover.coap;

import java.net.InetSocketAddress;

/**
 * What the DTLS layer tells the gateway about sessions. Called on Scandium threads: implementations
 * hand the work to their own thread and return at once.
 */
public interface DtlsSessionEvents {

  /** Why a handshake was refused. */
  enum Refusal {
    /** The PSK identity or raw public key is not a registered device's, or the device has no key for DTLS. */
    UNKNOWN_IDENTITY,
    /** The identity is known but the peer's key is not the device's: its Finished did not verify. */
    WRONG_KEY,
    /** The credential store could not answer. */
    LOOKUP_FAILED
  }

  void handshakeRefused(String identity, Refusal refusal, InetSocketAddress peer);

  /**
   * A handshake was refused for the device's X.509 certificate: by {@link DeviceCredentials}, or
   * because it could not be read at all ({@link CertificateRefused.Reason#MALFORMED}). A lookup that
   * could not be answered is {@link #handshakeRefused} with {@link Refusal#LOOKUP_FAILED} instead.
   */
  void certificateRefused(CertificateRefused refusal, InetSocketAddress peer);

  /**
   * A device asked to resume a DTLS session (an abbreviated handshake, RFC 5246 section 7.3) whose X.509
   * certificate or raw public key is no longer accepted: revoked, expired or unregistered since its full
   * handshake. The device is sent to a full handshake instead, which is judged (and counted) as any other.
   */
  default void resumptionRefused(CertificateRefused refusal, InetSocketAddress peer) {
  }

  /** A DTLS session ended: evicted as stale, replaced by a newer handshake, or closed by the peer. */
  void sessionEnded(String identity, String sessionId);

  /**
   * An incoming DTLS record was dropped before it reached a session: a replay (RFC 6347 section
   * 4.1.2.6), a record that fails its MAC, or one for no known session. Called per record, on
   * Scandium's threads: count, do not work.
   */
  default void recordDropped() {
  }

  /** A datagram that arrived in a valid session but is not CoAP (RFC 7252 section 3); dropped. Count only. */
  default void malformedMessage() {
  }
}
