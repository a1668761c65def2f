package io.drover.gateway.contract;

import io.drover.gateway.contract.DeviceFailure.Kind;

/**
 * Why the hub refused a device certificate. Travels as the start of a {@link Kind#BAD_CERTIFICATE}
 * failure's message ({@code "expired: ended 2026-01-01T00:00:00Z"}), so that a gateway can count
 * refusals by reason and a DTLS handshake can answer the matching alert.
 */
public enum CertificateRefusal {
  /** Not DER X.509, or a chain that is not one. */
  MALFORMED("malformed"),
  /** Not yet valid, or past its end. */
  EXPIRED("expired"),
  /** Its fingerprint was revoked. */
  REVOKED("revoked"),
  /** Neither chained to a device CA of this node or of the device's product, nor registered to a device. */
  UNTRUSTED("untrusted"),
  /** Trusted, but its subject CN names no registered device (or a device of another product than its CA's). */
  UNKNOWN_DEVICE("unknown_device"),
  /** The transport's own device ID (the MQTT client identifier) is not the device the certificate names. */
  ID_MISMATCH("id_mismatch");

  private final String reason;

  CertificateRefusal(String reason) {
    this.reason = reason;
  }

  /** The {@code reason} tag of the refusal counter, and the prefix of the failure message. */
  public String reason() {
    return reason;
  }

  /** The failure a hub answers with. */
  public DeviceFailure failure(String detail) {
    return new DeviceFailure(Kind.BAD_CERTIFICATE, reason + ": " + detail);
  }

  /** Reads the reason back from a BAD_CERTIFICATE failure; MALFORMED when the message names none. */
  public static CertificateRefusal of(DeviceFailure failure) {
    String message = failure.getMessage() == null ? "" : failure.getMessage();
    for (CertificateRefusal refusal : values()) {
      if (message.startsWith(refusal.reason + ":")) {
        return refusal;
      }
    }
    return MALFORMED;
  }
}
