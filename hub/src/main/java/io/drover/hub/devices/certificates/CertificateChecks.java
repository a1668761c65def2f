package io.drover.hub.devices.certificates;

import io.drover.hub.tls.CertificateInputException;
import io.drover.hub.tls.PemCertificates;
import java.security.cert.X509Certificate;
import java.time.Instant;

/** What a certificate must be to be registered to a device, or trusted as a device CA (the operator's or a product's). */
public final class CertificateChecks {

  /** RFC 5280 section 4.2.1.3: bit 5 of keyUsage, keyCertSign. */
  private static final int KEY_CERT_SIGN = 5;

  private CertificateChecks() {
  }

  /**
   * A certificate to register to a device: one, and not expired. Its subject may name anything: its
   * fingerprint names the device. A self-signed certificate is fine.
   *
   * @throws CertificateInputException saying what is wrong
   */
  public static X509Certificate registrable(String pem) {
    X509Certificate parsed = PemCertificates.one(pem, "certificate");
    if (parsed.getNotAfter().toInstant().isBefore(Instant.now())) {
      throw new CertificateInputException("certificate expired on " + parsed.getNotAfter().toInstant());
    }
    return parsed;
  }

  /** @return why {@code ca} cannot be a device CA at {@code now}, or null when it can */
  static String caProblem(X509Certificate ca, Instant now) {
    String subject = ca.getSubjectX500Principal().getName();
    // RFC 5280 section 4.2.1.9: -1 when basicConstraints is absent or CA is false
    if (ca.getBasicConstraints() < 0) {
      return subject + " is not a CA certificate: it lacks basicConstraints CA:TRUE";
    }
    boolean[] usage = ca.getKeyUsage();
    if (usage != null && (usage.length <= KEY_CERT_SIGN || !usage[KEY_CERT_SIGN])) {
      return subject + " is not a CA certificate: its keyUsage lacks keyCertSign";
    }
    if (ca.getNotAfter().toInstant().isBefore(now)) {
      return "the CA " + subject + " expired on " + ca.getNotAfter().toInstant();
    }
    if (ca.getNotBefore().toInstant().isAfter(now)) {
      return "the CA " + subject + " is not valid before " + ca.getNotBefore().toInstant();
    }
    return null;
  }
}
