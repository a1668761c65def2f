package io.drover.hub.tls;

import io.drover.gateway.contract.CertificateAuthentication;
import java.io.ByteArrayInputStream;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * X.509 certificates as people hand them over (RFC 7468 PEM) and as Drover names them (the SHA-256
 * of the DER, lower-case hex). Each refusal says what was wrong, for an API's 400 or a start-up error.
 */
public final class PemCertificates {

  private static final String BEGIN = "-----BEGIN ";

  private PemCertificates() {
  }

  /**
   * Exactly one certificate.
   *
   * @param what how the text is named in a refusal ({@code "certificate"}, {@code "devices.ca-file"})
   * @throws CertificateInputException when {@code text} is not PEM, not a certificate, or holds more than one
   */
  public static X509Certificate one(String text, String what) {
    List<X509Certificate> certificates = all(text, what);
    if (certificates.size() > 1) {
      throw new CertificateInputException(what + " must hold one PEM certificate, but holds " + certificates.size());
    }
    return certificates.get(0);
  }

  /**
   * One or more certificates, in order.
   *
   * @throws CertificateInputException when {@code text} is not PEM, holds no CERTIFICATE block, or a block is not DER X.509
   */
  public static List<X509Certificate> all(String text, String what) {
    if (text == null || !text.contains(BEGIN)) {
      throw new CertificateInputException(what + " is not PEM: expected text starting with -----BEGIN CERTIFICATE-----");
    }
    if (Pem.block(text, "CERTIFICATE") == null) {
      String label = label(text);
      throw new CertificateInputException(what + " holds a PEM " + label + ", not a CERTIFICATE");
    }
    try {
      List<X509Certificate> certificates = Pem.certificates(text);
      if (certificates.isEmpty()) {
        throw new CertificateInputException(what + " holds no PEM certificate");
      }
      return certificates;
    } catch (IllegalArgumentException e) {
      throw new CertificateInputException(what + " is not valid PEM: its base64 does not decode");
    } catch (GeneralSecurityException e) {
      throw new CertificateInputException(what + " is not a valid X.509 certificate: " + e.getMessage());
    }
  }

  /** @throws CertificateException when {@code der} is not one DER X.509 certificate */
  public static X509Certificate fromDer(byte[] der) throws CertificateException {
    return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
  }

  public static String encode(X509Certificate certificate) {
    try {
      return Pem.encode("CERTIFICATE", certificate.getEncoded());
    } catch (CertificateEncodingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The SHA-256 of the DER, lower-case hex without separators: how Drover names a certificate. */
  public static String fingerprint(byte[] der) {
    // one definition for the hub and the gateways, whose sessions remember the fingerprint they were authenticated with
    return CertificateAuthentication.fingerprint(der);
  }

  public static String fingerprint(X509Certificate certificate) {
    try {
      return fingerprint(certificate.getEncoded());
    } catch (CertificateEncodingException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A fingerprint as {@link #fingerprint} writes it, from what a person may paste: any case, with or
   * without the colons {@code openssl x509 -fingerprint -sha256} prints.
   *
   * @return 64 lower-case hex digits, or null when {@code text} is no SHA-256 fingerprint
   */
  public static String normalizeFingerprint(String text) {
    if (text == null) {
      return null;
    }
    String hex = text.replace(":", "").toLowerCase(java.util.Locale.ROOT);
    if (hex.length() != 64) {
      return null;
    }
    for (int i = 0; i < hex.length(); i++) {
      char c = hex.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        return null;
      }
    }
    return hex;
  }

  /** The label of the first PEM block ({@code "PRIVATE KEY"}), for saying what was sent instead. */
  static String label(String text) {
    int start = text.indexOf(BEGIN);
    int end = start < 0 ? -1 : text.indexOf("-----", start + BEGIN.length());
    return end < 0 ? "block" : text.substring(start + BEGIN.length(), end);
  }
}
