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

  private Pem() {
  }

  static String encode(String label, byte[] der) {
    return "-----BEGIN " + label + "-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END " + label + "-----\n";
  }

  /** Every certificate in {@code text}, in order; CertificateFactory skips text around the blocks. */
  static List<X509Certificate> certificates(String text) throws GeneralSecurityException {
    List<X509Certificate> certificates = new ArrayList<>();
    CertificateFactory factory = CertificateFactory.getInstance("X.509");
    for (var certificate : factory.generateCertificates(new ByteArrayInputStream(text.getBytes(StandardCharsets.US_ASCII)))) {
      certificates.add((X509Certificate) certificate);
    }
    return certificates;
  }

  /** The DER of the first block labelled {@code label}, or null when there is none. */
  static byte[] block(String text, String label) {
    String begin = "-----BEGIN " + label + "-----";
    int start = text.indexOf(begin);
    int end = text.indexOf("-----END " + label + "-----", start + 1);
    if (start < 0 || end < 0) {
      return null;
    }
    return Base64.getMimeDecoder().decode(text.substring(start + begin.length(), end));
  }
}
