package io.drover.coap;

import org.eclipse.californium.scandium.dtls.AlertMessage.AlertDescription;

/**
 * A device certificate that {@link DeviceCredentials#deviceForCertificate} does not accept, with the
 * reason the DTLS handshake answers with its alert.
 */
public final class CertificateRefused extends RuntimeException {

  /** Why; mirrors the hub's reasons, each with its fatal alert (RFC 5246 section 7.2.2). */
  public enum Reason {
    MALFORMED(AlertDescription.BAD_CERTIFICATE),
    EXPIRED(AlertDescription.CERTIFICATE_EXPIRED),
    REVOKED(AlertDescription.CERTIFICATE_REVOKED),
    /** Chained to no CA the node trusts for devices: {@code unknown_ca}, "the CA certificate could not be located or matched". */
    UNTRUSTED(AlertDescription.UNKNOWN_CA),
    UNKNOWN_DEVICE(AlertDescription.BAD_CERTIFICATE),
    ID_MISMATCH(AlertDescription.BAD_CERTIFICATE);

    private final AlertDescription alert;

    Reason(AlertDescription alert) {
      this.alert = alert;
    }

    public AlertDescription alert() {
      return alert;
    }
  }

  private final Reason reason;

  public CertificateRefused(Reason reason, String detail) {
    super(detail, null, false, false);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
