package io.drover.hub.tls;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A certificate authority that Drover holds the key of, on BouncyCastle: loaded from (or made into) a
 * PEM certificate and a PKCS#8 key file of mode 0600, it issues certificates (RFC 5280 profile) for a
 * given public key: a device's client certificate or a server certificate. The CA itself is ECDSA
 * P-256 and signs with SHA-256.
 *
 * <p>Immutable and safe to share between threads: each signature uses a signer of its own.
 * {@link #loadOrCreate} blocks on files and key generation (call it on the launcher thread); issuing
 * costs one ECDSA signature (well under a millisecond).
 */
public final class CertificateAuthority {

  private static final Logger LOG = LoggerFactory.getLogger(CertificateAuthority.class);
  /** A clock a little behind this one still accepts a certificate made a moment ago. */
  private static final Duration BACKDATE = Duration.ofHours(1);
  private static final SecureRandom RANDOM = new SecureRandom();

  private final X509Certificate certificate;
  private final PrivateKey key;

  private CertificateAuthority(X509Certificate certificate, PrivateKey key) {
    this.certificate = certificate;
    this.key = key;
  }

  /**
   * The CA in {@code certFile} and {@code keyFile}, or, when neither exists, a new self-signed one
   * named {@code commonName} (organisation Drover), written there first (key 0600, certificate 0644).
   *
   * @param pathLength how many intermediate CAs may follow it (0: it signs end entities only)
   * @throws IllegalStateException when one file exists without the other, or they do not hold a CA and its key
   */
  public static CertificateAuthority loadOrCreate(Path certFile, Path keyFile, String commonName, Duration validity, int pathLength) {
    try {
      if (Files.exists(certFile) || Files.exists(keyFile)) {
        return load(certFile, keyFile);
      }
      CertificateAuthority made = create(commonName, validity, pathLength);
      Files.createDirectories(certFile.toAbsolutePath().getParent());
      write(keyFile, Pem.encode("PRIVATE KEY", made.key.getEncoded()), true);
      write(certFile, Pem.encode("CERTIFICATE", made.certificate.getEncoded()), false);
      LOG.info("certificate authority made [file: {}, subject: {}, sha256: {}, not-after: {}]", certFile,
          made.certificate.getSubjectX500Principal().getName(), NodeCertificate.fingerprint(made.certificate),
          made.certificate.getNotAfter().toInstant());
      return made;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or write the certificate authority " + certFile + ": " + e.getMessage(), e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot make a certificate authority: " + e.getMessage(), e);
    }
  }

  /**
   * The CA in {@code certFile} (its first certificate) with its private key in {@code keyFile}
   * (PKCS#8 or SEC 1 PEM). Blocks on the files.
   *
   * @throws IllegalStateException when a file is missing or does not hold a CA certificate and its key
   */
  public static CertificateAuthority load(Path certFile, Path keyFile) {
    if (!Files.exists(certFile) || !Files.exists(keyFile)) {
      throw new IllegalStateException("a certificate authority needs both " + certFile + " and " + keyFile + ", but "
          + (Files.exists(certFile) ? keyFile : certFile) + " is missing");
    }
    try {
      List<X509Certificate> certificates = Pem.certificates(Files.readString(certFile, StandardCharsets.US_ASCII));
      if (certificates.isEmpty()) {
        throw new IllegalStateException(certFile + " holds no PEM certificate");
      }
      X509Certificate ca = certificates.get(0);
      if (ca.getBasicConstraints() < 0) {
        throw new IllegalStateException(certFile + " is not a CA certificate (no basicConstraints CA:TRUE)");
      }
      PrivateKey privateKey = privateKey(Files.readString(keyFile, StandardCharsets.US_ASCII), keyFile);
      if (!matches(ca, privateKey)) {
        throw new IllegalStateException(keyFile + " is not the key of the CA certificate " + certFile);
      }
      return new CertificateAuthority(ca, privateKey);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the certificate authority " + certFile + ": " + e.getMessage(), e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the certificate authority " + certFile + " cannot be used: " + e.getMessage(), e);
    }
  }

  /** A new self-signed CA, in memory only. */
  static CertificateAuthority create(String commonName, Duration validity, int pathLength) throws GeneralSecurityException {
    KeyPair pair = newKeyPair();
    X500Name subject = name(commonName);
    Instant now = Instant.now();
    try {
      JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, serial(),
          Date.from(now.minus(BACKDATE)), Date.from(now.plus(validity)), subject, pair.getPublic())
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(pathLength))
          .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
          .addExtension(Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(pair.getPublic()));
      return new CertificateAuthority(sign(builder, pair.getPrivate()), pair.getPrivate());
    } catch (IOException | OperatorCreationException e) {
      throw new GeneralSecurityException("cannot build the CA certificate: " + e.getMessage(), e);
    }
  }

  public X509Certificate certificate() {
    return certificate;
  }

  /** Writes this CA over {@code certFile} and {@code keyFile} (key 0600, certificate 0644), each replaced in one move. */
  void writeTo(Path certFile, Path keyFile) throws IOException, GeneralSecurityException {
    write(keyFile, Pem.encode("PRIVATE KEY", key.getEncoded()), true);
    write(certFile, Pem.encode("CERTIFICATE", certificate.getEncoded()), false);
  }

  /**
   * A device's client certificate: subject {@code CN=<deviceId>, O=Drover}, key usage digitalSignature,
   * extended key usage clientAuth (TLS and DTLS client authentication), not a CA.
   */
  public X509Certificate issueDevice(PublicKey subjectKey, String deviceId, Duration validity) {
    return issue(subjectKey, name(deviceId), validity, List.of(KeyPurposeId.id_kp_clientAuth), List.of());
  }

  /**
   * A server certificate for {@code hostNames} (DNS names and IP literals; the first is also the
   * common name), key usage digitalSignature, extended key usage serverAuth, not a CA.
   */
  public X509Certificate issueServer(PublicKey subjectKey, List<String> hostNames, Duration validity) {
    if (hostNames.isEmpty()) {
      throw new IllegalArgumentException("a server certificate names at least one host");
    }
    return issue(subjectKey, name(hostNames.get(0)), validity, List.of(KeyPurposeId.id_kp_serverAuth), hostNames);
  }

  private X509Certificate issue(PublicKey subjectKey, X500Name subject, Duration validity, List<KeyPurposeId> purposes, List<String> hostNames) {
    Instant now = Instant.now();
    Instant notAfter = now.plus(validity);
    // RFC 5280 section 6.1.3: a certificate cannot outlive the CA that vouches for it
    if (notAfter.isAfter(certificate.getNotAfter().toInstant())) {
      notAfter = certificate.getNotAfter().toInstant();
    }
    try {
      JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(certificate, serial(),
          Date.from(now.minus(BACKDATE)), Date.from(notAfter), subject, subjectKey)
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
          .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
          .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purposes.toArray(KeyPurposeId[]::new)))
          .addExtension(Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(subjectKey))
          .addExtension(Extension.authorityKeyIdentifier, false, extensions.createAuthorityKeyIdentifier(certificate));
      if (!hostNames.isEmpty()) {
        List<GeneralName> names = new ArrayList<>(hostNames.size());
        for (String host : hostNames) {
          names.add(new GeneralName(HostNames.isIpLiteral(host) ? GeneralName.iPAddress : GeneralName.dNSName, host));
        }
        builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(GeneralName[]::new)));
      }
      X509Certificate issued = sign(builder, key);
      issued.verify(certificate.getPublicKey());
      return issued;
    } catch (IOException | GeneralSecurityException | OperatorCreationException e) {
      throw new IllegalStateException("cannot issue a certificate for " + subject + ": " + e.getMessage(), e);
    }
  }

  private static X500Name name(String commonName) {
    return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, "Drover")
        .addRDN(BCStyle.CN, commonName.length() > 64 ? commonName.substring(0, 64) : commonName).build();
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey signer) throws OperatorCreationException, GeneralSecurityException {
    return new JcaX509CertificateConverter().getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer)));
  }

  private static PrivateKey privateKey(String pem, Path file) throws IOException, GeneralSecurityException {
    try (PEMParser parser = new PEMParser(new StringReader(pem))) {
      Object parsed = parser.readObject();
      JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
      if (parsed instanceof PrivateKeyInfo info) {
        return converter.getPrivateKey(info);
      }
      if (parsed instanceof PEMKeyPair pair) {
        return converter.getKeyPair(pair).getPrivate();
      }
      throw new GeneralSecurityException(file + " holds no unencrypted PEM private key");
    }
  }

  /** A fresh ECDSA P-256 key pair, as every key the node makes. */
  static KeyPair newKeyPair() throws GeneralSecurityException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
    return generator.generateKeyPair();
  }

  /** Positive, 159 bits: unpredictable, and within the 20 octets RFC 5280 section 4.1.2.2 allows. */
  private static BigInteger serial() {
    return new BigInteger(159, RANDOM).setBit(0);
  }

  /** Through a file made with its final mode and then moved in place, so that a key is never readable by others. */
  private static void write(Path file, String text, boolean secret) throws IOException {
    Path temporary = file.resolveSibling(file.getFileName() + ".new");
    Files.deleteIfExists(temporary);
    Files.createFile(temporary, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(secret ? "rw-------" : "rw-r--r--")));
    Files.writeString(temporary, text, StandardCharsets.US_ASCII);
    Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** Whether {@code key} is the private key of {@code certificate}'s public key: one signature, checked. */
  private static boolean matches(X509Certificate certificate, PrivateKey key) throws GeneralSecurityException {
    String algorithm = "EC".equals(key.getAlgorithm()) ? "SHA256withECDSA" : "SHA256withRSA";
    byte[] challenge = new byte[32];
    RANDOM.nextBytes(challenge);
    Signature signer = Signature.getInstance(algorithm);
    signer.initSign(key);
    signer.update(challenge);
    byte[] signature = signer.sign();
    Signature verifier = Signature.getInstance(algorithm);
    try {
      verifier.initVerify(certificate.getPublicKey());
      verifier.update(challenge);
      return verifier.verify(signature);
    } catch (java.security.InvalidKeyException | java.security.SignatureException e) {
      return false;
    }
  }
}
