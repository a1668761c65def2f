package io.drover.hub.tls;

import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Makes the two certificates of a node that was given none (RFC 5280 profile, ECDSA P-256 keys signed
 * with SHA-256): a self-signed certificate authority, and a server certificate it signs for the node's
 * host names. The JDK can parse and verify certificates but has no public API to make one, so the
 * TBSCertificate is written here with {@link Der}, signed with the JDK's {@link Signature}, and parsed
 * back with its {@link CertificateFactory}, which checks the encoding.
 */
final class CertificateMaker {

  private static final String EC_WITH_SHA256 = "1.2.840.10045.4.3.2";
  private static final String COMMON_NAME = "2.5.4.3";
  private static final String ORGANIZATION = "2.5.4.10";
  private static final String SUBJECT_KEY_ID = "2.5.29.14";
  private static final String KEY_USAGE = "2.5.29.15";
  private static final String SUBJECT_ALT_NAME = "2.5.29.17";
  private static final String BASIC_CONSTRAINTS = "2.5.29.19";
  private static final String AUTHORITY_KEY_ID = "2.5.29.35";
  private static final String EXTENDED_KEY_USAGE = "2.5.29.37";
  private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
  private static final int DIGITAL_SIGNATURE = 0x80;
  private static final int KEY_CERT_SIGN = 0x04;
  private static final int CRL_SIGN = 0x02;
  /** A clock a little behind this one still accepts a certificate made a moment ago. */
  private static final Duration BACKDATE = Duration.ofHours(1);
  private static final SecureRandom RANDOM = new SecureRandom();

  private CertificateMaker() {
  }

  /** A certificate and the key it certifies. */
  record Issued(X509Certificate certificate, PrivateKey key) {
  }

  /** A self-signed CA that may sign server certificates only (path length 0). */
  static Issued authority(String commonName, Duration validity) throws GeneralSecurityException {
    KeyPair keys = newKeyPair();
    byte[] name = name(commonName);
    byte[] keyId = keyIdentifier(keys.getPublic());
    byte[] extensions = Der.sequence(
        extension(BASIC_CONSTRAINTS, true, Der.sequence(Der.bool(true), Der.integer(BigInteger.ZERO))),
        extension(KEY_USAGE, true, Der.namedBits(KEY_CERT_SIGN | CRL_SIGN)),
        extension(SUBJECT_KEY_ID, false, Der.octetString(keyId)));
    return new Issued(sign(name, name, keys.getPublic(), validity, extensions, keys.getPrivate()), keys.getPrivate());
  }

  /**
   * A server certificate for {@code hostNames} (DNS names and IP literals, the first also its common
   * name), signed by {@code authority}.
   */
  static Issued server(Issued authority, List<String> hostNames, Duration validity) throws GeneralSecurityException {
    KeyPair keys = newKeyPair();
    List<byte[]> alternativeNames = new ArrayList<>();
    for (String host : hostNames) {
      alternativeNames.add(HostNames.isIpLiteral(host)
          ? Der.implicitPrimitive(7, ipAddress(host))
          : Der.implicitPrimitive(2, host.getBytes(StandardCharsets.US_ASCII)));
    }
    byte[] extensions = Der.sequence(
        extension(BASIC_CONSTRAINTS, true, Der.sequence()),
        extension(KEY_USAGE, true, Der.namedBits(DIGITAL_SIGNATURE)),
        extension(EXTENDED_KEY_USAGE, false, Der.sequence(Der.oid(SERVER_AUTH))),
        extension(SUBJECT_ALT_NAME, false, Der.sequence(alternativeNames.toArray(byte[][]::new))),
        extension(AUTHORITY_KEY_ID, false, Der.sequence(Der.implicitPrimitive(0, keyIdentifier(authority.certificate().getPublicKey())))),
        extension(SUBJECT_KEY_ID, false, Der.octetString(keyIdentifier(keys.getPublic()))));
    byte[] issuer = authority.certificate().getSubjectX500Principal().getEncoded();
    X509Certificate certificate = sign(issuer, name(hostNames.get(0)), keys.getPublic(), validity, extensions, authority.key());
    certificate.verify(authority.certificate().getPublicKey());
    return new Issued(certificate, keys.getPrivate());
  }

  private static X509Certificate sign(byte[] issuer, byte[] subject, PublicKey subjectKey, Duration validity, byte[] extensions,
      PrivateKey issuerKey) throws GeneralSecurityException {
    byte[] algorithm = Der.sequence(Der.oid(EC_WITH_SHA256));
    ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC).withNano(0);
    byte[] toBeSigned = Der.sequence(
        Der.explicit(0, Der.integer(BigInteger.TWO)),
        Der.integer(serialNumber()),
        algorithm,
        issuer,
        Der.sequence(Der.time(now.minus(BACKDATE)), Der.time(now.plus(validity))),
        subject,
        subjectKey.getEncoded(),
        Der.explicit(3, extensions));
    Signature signer = Signature.getInstance("SHA256withECDSA");
    signer.initSign(issuerKey);
    signer.update(toBeSigned);
    byte[] certificate = Der.sequence(toBeSigned, algorithm, Der.bitString(signer.sign()));
    return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(certificate));
  }

  private static KeyPair newKeyPair() throws GeneralSecurityException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    return generator.generateKeyPair();
  }

  private static byte[] name(String commonName) {
    return Der.sequence(
        Der.set(Der.sequence(Der.oid(ORGANIZATION), Der.utf8String("Drover"))),
        Der.set(Der.sequence(Der.oid(COMMON_NAME), Der.utf8String(commonName.length() > 64 ? commonName.substring(0, 64) : commonName))));
  }

  private static byte[] extension(String oid, boolean critical, byte[] value) {
    return critical
        ? Der.sequence(Der.oid(oid), Der.bool(true), Der.octetString(value))
        : Der.sequence(Der.oid(oid), Der.octetString(value));
  }

  /**
   * The leftmost 160 bits of the SHA-256 of the SubjectPublicKeyInfo: RFC 5280 section 4.2.1.2 asks
   * only for a value unique to the key.
   */
  private static byte[] keyIdentifier(PublicKey key) throws GeneralSecurityException {
    return Arrays.copyOf(MessageDigest.getInstance("SHA-256").digest(key.getEncoded()), 20);
  }

  /** RFC 5280 section 4.1.2.2: positive, at most 20 bytes; random, so that no two are alike. */
  private static BigInteger serialNumber() {
    return new BigInteger(127, RANDOM).setBit(0);
  }

  private static byte[] ipAddress(String literal) {
    try {
      // a literal: no lookup happens
      return InetAddress.getByName(literal).getAddress();
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("not an IP address: " + literal, e);
    }
  }
}
