package io.drover.hub.cluster;

import java.io.IOException;
import java.io.StringReader;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.regex.Pattern;
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
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The cluster's own certificate authority: made once by the operator ({@code drover cluster-ca}),
 * it signs one certificate per node, and the clustered event bus trusts nothing else (see
 * {@link HazelcastCluster}). Keys are ECDSA P-256; files are PEM, keys PKCS#8 and mode 0600.
 *
 * <p>Hostnames are not checked on the event bus (Vert.x turns hostname verification off for it, and
 * nodes are reached at addresses the cluster manager hands out), so a node certificate's name is a
 * label for the logs; what counts is the signature of this CA.
 */
public final class ClusterCa {

  public static final String CA_CERT = "ca.crt";
  public static final String CA_KEY = "ca.key";
  private static final Duration CA_VALIDITY = Duration.ofDays(3650);
  private static final Pattern NODE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9.-]{0,62}");
  private static final SecureRandom RANDOM = new SecureRandom();

  private final X509Certificate certificate;
  private final PrivateKey key;

  private ClusterCa(X509Certificate certificate, PrivateKey key) {
    this.certificate = certificate;
    this.key = key;
  }

  /** The files written for one node. */
  public record NodeFiles(String name, Path certificate, Path key) {
  }

  /** A new CA named after the cluster; nothing is written until {@link #writeTo}. */
  public static ClusterCa create(String name) {
    KeyPair pair = newKeyPair();
    X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, "Drover").addRDN(BCStyle.CN, name).build();
    try {
      JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
      Instant now = Instant.now();
      X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, serial(),
          Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(CA_VALIDITY)), subject, pair.getPublic())
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
          .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
          .addExtension(Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(pair.getPublic()));
      return new ClusterCa(sign(builder, pair.getPrivate()), pair.getPrivate());
    } catch (IOException | GeneralSecurityException | OperatorCreationException e) {
      throw new IllegalStateException("cannot make the cluster CA: " + e.getMessage(), e);
    }
  }

  /** The CA written earlier into {@code dir}, to sign more nodes with. */
  public static ClusterCa load(Path dir) throws IOException {
    try (PEMParser certPem = new PEMParser(new StringReader(Files.readString(dir.resolve(CA_CERT))));
         PEMParser keyPem = new PEMParser(new StringReader(Files.readString(dir.resolve(CA_KEY))))) {
      X509Certificate certificate = new JcaX509CertificateConverter().getCertificate((X509CertificateHolder) certPem.readObject());
      PrivateKey key = new JcaPEMKeyConverter().getPrivateKey((PrivateKeyInfo) keyPem.readObject());
      return new ClusterCa(certificate, key);
    } catch (GeneralSecurityException | ClassCastException e) {
      throw new IOException("not a cluster CA in " + dir + ": " + e.getMessage(), e);
    }
  }

  /** Writes {@code ca.crt} and {@code ca.key} (0600) into {@code dir}; refuses to overwrite either. */
  public List<Path> writeTo(Path dir) throws IOException {
    Files.createDirectories(dir);
    Path cert = dir.resolve(CA_CERT);
    Path keyFile = dir.resolve(CA_KEY);
    refuseToOverwrite(cert, keyFile);
    writeSecret(keyFile, pem("PRIVATE KEY", key.getEncoded()));
    writePublic(cert, pem(certificate));
    return List.of(cert, keyFile);
  }

  /**
   * Signs a certificate for node {@code name}, good as TLS server and client, and writes
   * {@code name.crt} and {@code name.key} (0600) into {@code dir}; refuses to overwrite either.
   */
  public NodeFiles issue(String name, Duration validity, Path dir) throws IOException {
    checkNodeName(name);
    KeyPair pair = newKeyPair();
    X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, "Drover").addRDN(BCStyle.CN, name).build();
    GeneralName alternative = looksLikeIp(name)
        ? new GeneralName(GeneralName.iPAddress, name)
        : new GeneralName(GeneralName.dNSName, name);
    X509Certificate issued;
    try {
      JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
      Instant now = Instant.now();
      X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(certificate, serial(),
          Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(validity)), subject, pair.getPublic())
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
          .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
          // a node is the server of its inbound connections and the client of its outbound ones
          .addExtension(Extension.extendedKeyUsage, false,
              new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}))
          .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(alternative))
          .addExtension(Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(pair.getPublic()))
          .addExtension(Extension.authorityKeyIdentifier, false, extensions.createAuthorityKeyIdentifier(certificate));
      issued = sign(builder, key);
    } catch (GeneralSecurityException | OperatorCreationException e) {
      throw new IllegalStateException("cannot sign a certificate for " + name + ": " + e.getMessage(), e);
    }
    Files.createDirectories(dir);
    Path certFile = dir.resolve(name + ".crt");
    Path keyFile = dir.resolve(name + ".key");
    refuseToOverwrite(certFile, keyFile);
    writeSecret(keyFile, pem("PRIVATE KEY", pair.getPrivate().getEncoded()));
    writePublic(certFile, pem(issued));
    return new NodeFiles(name, certFile, keyFile);
  }

  /**
   * Checks a node's files before it joins: its certificate must be signed by the CA file and valid now,
   * else every other node would refuse it, and the cause would show only in their logs.
   *
   * @return the node's certificate
   * @throws IllegalStateException saying what is wrong with which file
   */
  public static X509Certificate checkNodeFiles(ClusterSettings.Tls tls) {
    X509Certificate node = readCertificate(tls.certificate(), "cluster.tls-cert-file");
    X509Certificate ca = readCertificate(tls.ca(), "cluster.tls-ca-file");
    try {
      node.verify(ca.getPublicKey());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the cluster certificate " + tls.certificate() + " (" + node.getSubjectX500Principal().getName()
          + ") is not signed by the cluster CA " + tls.ca() + " (" + ca.getSubjectX500Principal().getName()
          + "): the other nodes would refuse this one. Make it with drover cluster-ca and the same CA directory");
    }
    try {
      node.checkValidity();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the cluster certificate " + tls.certificate() + " is not valid now (valid "
          + node.getNotBefore().toInstant() + " to " + node.getNotAfter().toInstant() + "): make a new one with drover cluster-ca");
    }
    return node;
  }

  private static X509Certificate readCertificate(Path file, String option) {
    try (java.io.InputStream in = Files.newInputStream(file)) {
      return (X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in);
    } catch (IOException | GeneralSecurityException | ClassCastException e) {
      throw new IllegalStateException(option + " " + file + " is not a PEM certificate: " + e.getMessage());
    }
  }

  /** @throws IllegalArgumentException unless {@code name} can name a node and its files */
  public static void checkNodeName(String name) {
    if (!NODE_NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("a node name is letters, digits, dots and dashes (up to 63), not '" + name + "'");
    }
    if (name.equals("ca")) {
      throw new IllegalArgumentException("'ca' names the CA's own files; pick another node name");
    }
  }

  public X509Certificate certificate() {
    return certificate;
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey signer)
      throws OperatorCreationException, GeneralSecurityException {
    return new JcaX509CertificateConverter().getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer)));
  }

  private static KeyPair newKeyPair() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("no EC P-256 key generator in this JVM", e);
    }
  }

  /** Positive, 159 bits: unpredictable, and within the 20 octets RFC 5280 section 4.1.2.2 allows. */
  private static BigInteger serial() {
    return new BigInteger(159, RANDOM);
  }

  private static boolean looksLikeIp(String name) {
    if (!name.chars().allMatch(c -> c == '.' || Character.isDigit(c))) {
      return false;
    }
    try {
      InetAddress.getByName(name);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static String pem(X509Certificate certificate) {
    try {
      return pem("CERTIFICATE", certificate.getEncoded());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }

  private static void refuseToOverwrite(Path... files) throws FileAlreadyExistsException {
    for (Path file : files) {
      if (Files.exists(file)) {
        throw new FileAlreadyExistsException(file + " exists already; move it away first (nothing is overwritten)");
      }
    }
  }

  /** Created with mode 0600 from the start, so the key is never readable by others, not even for a moment. */
  private static void writeSecret(Path file, String text) throws IOException {
    try {
      Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException e) {
      Files.createFile(file);
    }
    Files.writeString(file, text, StandardCharsets.US_ASCII, StandardOpenOption.TRUNCATE_EXISTING);
  }

  private static void writePublic(Path file, String text) throws IOException {
    Files.writeString(file, text, StandardCharsets.US_ASCII, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
  }

  /** Every node name in {@code list} ("a,b,c"), trimmed; empty entries dropped. */
  public static List<String> nodeNames(String list) {
    List<String> names = new ArrayList<>();
    for (String part : list.split(",")) {
      if (!part.isBlank()) {
        names.add(part.trim());
      }
    }
    return names;
  }
}
