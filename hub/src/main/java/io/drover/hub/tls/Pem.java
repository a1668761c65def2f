package io.drover.hub.tls;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/** RFC 7468 text: the certificates and keys as the files hold them. */
final class Pem {

  private static final String BEGIN = "-----BEGIN ";
  private static final String END = "-----END ";

  private Pem() {
  }

  static String encode(String label, byte[] der) {
    return BEGIN + label + "-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n" + END + label + "-----\n";
  }

  /** Every {@code CERTIFICATE} block in {@code text}, in order; other blocks and text between them are skipped. */
  static List<X509Certificate> certificates(String text) throws GeneralSecurityException {
    List<X509Certificate> certificates = new ArrayList<>();
    CertificateFactory factory = CertificateFactory.getInstance("X.509");
    int from = 0;
    for (byte[] der = block(text, "CERTIFICATE", from); der != null; der = block(text, "CERTIFICATE", from)) {
      certificates.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(der)));
      from = text.indexOf(END + "CERTIFICATE-----", from) + 1;
    }
    return certificates;
  }

  /** The DER of the first block labelled {@code label}, or null when there is none. */
  static byte[] block(String text, String label) {
    return block(text, label, 0);
  }

  private static byte[] block(String text, String label, int from) {
    String begin = BEGIN + label + "-----";
    int start = text.indexOf(begin, from);
    int end = start < 0 ? -1 : text.indexOf(END + label + "-----", start);
    if (end < 0) {
      return null;
    }
    return Base64.getMimeDecoder().decode(text.substring(start + begin.length(), end));
  }
}
