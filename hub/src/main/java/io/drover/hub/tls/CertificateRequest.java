package io.drover.hub.tls;

import java.io.IOException;
import java.io.StringReader;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;

/**
 * A PKCS#10 certificate signing request (RFC 2986), read from PEM and checked: its signature must
 * verify with the key it holds (so whoever sent it holds that key), and the key must be one a device's
 * TLS or DTLS stack can use. What it asks for beyond the key (its subject, its extensions) is not
 * taken: the CA decides the certificate's subject and extensions.
 */
public record CertificateRequest(X500Principal subject, PublicKey publicKey) {

  /**
   * @param what how the text is named in a refusal ({@code "csr"})
   * @throws CertificateInputException saying what is wrong: not PEM, not a CSR, a bad signature, an unusable key
   */
  public static CertificateRequest parse(String text, String what) {
    if (text == null || !text.contains("-----BEGIN ")) {
      throw new CertificateInputException(what + " is not PEM: expected text starting with -----BEGIN CERTIFICATE REQUEST-----");
    }
    Object parsed;
    try (PEMParser parser = new PEMParser(new StringReader(text))) {
      parsed = parser.readObject();
    } catch (IOException | RuntimeException e) {
      throw new CertificateInputException(what + " is not a valid PKCS#10 certificate request: " + e.getMessage());
    }
    if (!(parsed instanceof PKCS10CertificationRequest request)) {
      throw new CertificateInputException(what + " holds a PEM " + PemCertificates.label(text)
          + ", not a CERTIFICATE REQUEST (PKCS#10; openssl req -new makes one)");
    }
    JcaPKCS10CertificationRequest jca = new JcaPKCS10CertificationRequest(request);
    PublicKey key;
    try {
      key = jca.getPublicKey();
    } catch (GeneralSecurityException | RuntimeException e) {
      throw new CertificateInputException(what + " holds a public key this node cannot read: " + e.getMessage());
    }
    boolean signed;
    try {
      signed = request.isSignatureValid(new JcaContentVerifierProviderBuilder().build(key));
    } catch (OperatorCreationException | PKCSException | RuntimeException e) {
      signed = false;
    }
    if (!signed) {
      throw new CertificateInputException(what + "'s signature does not verify with the key it holds: it was altered, or not signed with that key");
    }
    if (!usable(key)) {
      throw new CertificateInputException(what + " holds a " + key.getAlgorithm()
          + " key; a device certificate's key must be ECDSA P-256 or P-384, or RSA of 2048 bits or more");
    }
    try {
      return new CertificateRequest(new X500Principal(request.getSubject().getEncoded()), key);
    } catch (IOException e) {
      throw new CertificateInputException(what + "'s subject does not encode: " + e.getMessage());
    }
  }

  private static boolean usable(PublicKey key) {
    if (key instanceof ECPublicKey ec) {
      int bits = ec.getParams().getCurve().getField().getFieldSize();
      return bits == 256 || bits == 384;
    }
    return key instanceof RSAPublicKey rsa && rsa.getModulus().bitLength() >= 2048;
  }
}
