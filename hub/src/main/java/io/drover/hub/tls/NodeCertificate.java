package io.drover.hub.tls;

import io.drover.gateway.ServerTls;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The certificate the node's TLS listeners (MQTT over TLS, HTTPS) serve. Either the operator's PEM
 * files ({@code tls.cert-file}, {@code tls.key-file}), checked once here, or, when none are given, a
 * certificate the node makes for itself on its first start in {@code DATA_DIR/tls}:
 *
 * <ul>
 *   <li>{@code ca.pem}: a self-signed CA, valid 10 years, which clients are told to trust
 *       ({@code mosquitto_pub --cafile}, {@code curl --cacert}, {@code NODE_EXTRA_CA_CERTS});
 *   <li>{@code ca-key.pem} (mode 0600): its key, kept so that the node can issue a new server
 *       certificate without clients having to trust a new CA;
 *   <li>{@code server.pem}, {@code server-key.pem} (mode 0600): the certificate served, signed by the CA
 *       for the node's host names, valid 825 days (the longest Apple's clients accept).
 * </ul>
 *
 * <p>At every start the server certificate is issued again when it is missing, ends within 30 days, or
 * does not name every current host name. Blocks (files, key generation): call it on the launcher thread.
 */
public final class NodeCertificate {

  public static final String DIRECTORY = "tls";
  private static final Logger LOG = LoggerFactory.getLogger(NodeCertificate.class);
  private static final Duration CA_VALIDITY = Duration.ofDays(3650);
  private static final Duration SERVER_VALIDITY = Duration.ofDays(825);
  private static final Duration RENEW_BEFORE = Duration.ofDays(30);

  private NodeCertificate() {
  }

  public static ServerTls loadAtStart(TlsSettings settings, Path dataDir) {
    try {
      return settings.operatorCertificate() ? operatorFiles(settings) : generated(dataDir.resolve(DIRECTORY), HostNames.forNode(settings.hostNames()));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or write the TLS certificate: " + e.getMessage(), e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the TLS certificate or key cannot be used: " + e.getMessage(), e);
    }
  }

  private static ServerTls operatorFiles(TlsSettings settings) throws IOException, GeneralSecurityException {
    String chain = Files.readString(settings.certFile(), StandardCharsets.US_ASCII);
    String key = Files.readString(settings.keyFile(), StandardCharsets.US_ASCII);
    List<X509Certificate> certificates = Pem.certificates(chain);
    if (certificates.isEmpty()) {
      throw new IllegalStateException("tls.cert-file " + settings.certFile() + " holds no PEM certificate");
    }
    X509Certificate server = certificates.get(0);
    byte[] pkcs8 = Pem.block(key, "PRIVATE KEY");
    if (pkcs8 != null) {
      requireMatch(server, KeyFactory.getInstance(server.getPublicKey().getAlgorithm()).generatePrivate(new PKCS8EncodedKeySpec(pkcs8)),
          settings);
    } else if (Pem.block(key, "RSA PRIVATE KEY") == null && Pem.block(key, "EC PRIVATE KEY") == null) {
      throw new IllegalStateException("tls.key-file " + settings.keyFile() + " holds no PEM private key (PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY)");
    }
    LOG.info("TLS certificate from tls.cert-file [file: {}, subject: {}, names: {}, not-after: {}, chain: {}, sha256: {}]",
        settings.certFile(), server.getSubjectX500Principal().getName(), alternativeNames(server), server.getNotAfter().toInstant(),
        certificates.size(), fingerprint(server));
    warnIfEnding(server, settings.certFile());
    return new ServerTls(Buffer.buffer(chain), Buffer.buffer(key));
  }

  private static ServerTls generated(Path directory, List<String> names) throws IOException, GeneralSecurityException {
    Path caFile = directory.resolve("ca.pem");
    Path caKeyFile = directory.resolve("ca-key.pem");
    Path serverFile = directory.resolve("server.pem");
    Path serverKeyFile = directory.resolve("server-key.pem");
    Files.createDirectories(directory);
    if (!current(serverFile, serverKeyFile, names)) {
      CertificateAuthority authority = authority(caFile, caKeyFile);
      KeyPair serverKey = CertificateAuthority.newKeyPair();
      X509Certificate server = authority.issueServer(serverKey.getPublic(), names, SERVER_VALIDITY);
      write(serverKeyFile, Pem.encode("PRIVATE KEY", serverKey.getPrivate().getEncoded()), true);
      write(serverFile, Pem.encode("CERTIFICATE", server.getEncoded()), false);
      LOG.info("TLS server certificate made [file: {}, names: {}, not-after: {}]", serverFile, names, server.getNotAfter().toInstant());
    }
    X509Certificate ca = Pem.certificates(Files.readString(caFile, StandardCharsets.US_ASCII)).get(0);
    LOG.info("TLS with the node's own CA [ca: {}, ca-sha256: {}]. Clients trust it with mosquitto_pub --cafile, curl --cacert or "
        + "NODE_EXTRA_CA_CERTS; to serve your own certificate instead, set tls.cert-file and tls.key-file "
        + "(docs/operations.md, \"Securing a node\")", caFile, fingerprint(ca));
    return new ServerTls(Buffer.buffer(Files.readString(serverFile, StandardCharsets.US_ASCII)),
        Buffer.buffer(Files.readString(serverKeyFile, StandardCharsets.US_ASCII)));
  }

  /** True when the server certificate on disk can be served as it is. */
  private static boolean current(Path serverFile, Path serverKeyFile, List<String> names) throws IOException, GeneralSecurityException {
    if (!Files.exists(serverFile) || !Files.exists(serverKeyFile)) {
      return false;
    }
    X509Certificate server = Pem.certificates(Files.readString(serverFile, StandardCharsets.US_ASCII)).get(0);
    if (server.getNotAfter().toInstant().isBefore(Instant.now().plus(RENEW_BEFORE))) {
      LOG.info("TLS server certificate ends soon and is made again [file: {}, not-after: {}]", serverFile, server.getNotAfter().toInstant());
      return false;
    }
    List<String> missing = new ArrayList<>(names);
    missing.removeAll(alternativeNames(server));
    if (!missing.isEmpty()) {
      LOG.info("TLS server certificate does not name every host name and is made again [file: {}, missing: {}]", serverFile, missing);
      return false;
    }
    return true;
  }

  /** The node's CA: the one on disk while it has its key and lasts longer than a new server certificate, else a new one. */
  private static CertificateAuthority authority(Path caFile, Path caKeyFile) throws IOException, GeneralSecurityException {
    if (Files.exists(caFile) && Files.exists(caKeyFile)) {
      X509Certificate ca = Pem.certificates(Files.readString(caFile, StandardCharsets.US_ASCII)).get(0);
      if (ca.getNotAfter().toInstant().isAfter(Instant.now().plus(SERVER_VALIDITY))) {
        return CertificateAuthority.load(caFile, caKeyFile);
      }
    }
    if (Files.exists(caFile)) {
      LOG.warn("TLS: a new CA replaces {} (its key is gone or it ends soon): clients must trust the new one", caFile);
    }
    CertificateAuthority authority = CertificateAuthority.create("Drover node CA " + HexFormat.of().formatHex(randomBytes(4)), CA_VALIDITY, 0);
    authority.writeTo(caFile, caKeyFile);
    LOG.info("TLS CA made [file: {}, sha256: {}, not-after: {}]", caFile, fingerprint(authority.certificate()),
        authority.certificate().getNotAfter().toInstant());
    return authority;
  }

  /** Writes through a file made with its final mode and then moved in place, so that a key is never readable by others. */
  private static void write(Path file, String text, boolean secret) throws IOException {
    Path temporary = file.resolveSibling(file.getFileName() + ".new");
    Files.deleteIfExists(temporary);
    Files.createFile(temporary, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(secret ? "rw-------" : "rw-r--r--")));
    Files.writeString(temporary, text, StandardCharsets.US_ASCII);
    Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** A key that is not the certificate's would fail every handshake: refuse it at start instead. */
  private static void requireMatch(X509Certificate certificate, PrivateKey key, TlsSettings settings) throws GeneralSecurityException {
    String algorithm = switch (certificate.getPublicKey().getAlgorithm()) {
      case "EC" -> "SHA256withECDSA";
      case "RSA" -> "SHA256withRSA";
      default -> null;
    };
    if (algorithm == null) {
      return;
    }
    byte[] challenge = randomBytes(32);
    Signature signer = Signature.getInstance(algorithm);
    signer.initSign(key);
    signer.update(challenge);
    byte[] signature = signer.sign();
    Signature verifier = Signature.getInstance(algorithm);
    verifier.initVerify(certificate.getPublicKey());
    verifier.update(challenge);
    if (!verifier.verify(signature)) {
      throw new IllegalStateException("tls.key-file " + settings.keyFile() + " is not the key of the first certificate in tls.cert-file " + settings.certFile());
    }
  }

  private static byte[] randomBytes(int count) {
    byte[] bytes = new byte[count];
    new SecureRandom().nextBytes(bytes);
    return bytes;
  }

  private static void warnIfEnding(X509Certificate certificate, Path file) {
    Instant notAfter = certificate.getNotAfter().toInstant();
    if (notAfter.isBefore(Instant.now())) {
      LOG.warn("TLS certificate has expired: clients will refuse it [file: {}, not-after: {}]", file, notAfter);
    } else if (notAfter.isBefore(Instant.now().plus(RENEW_BEFORE))) {
      LOG.warn("TLS certificate ends within {} days: replace it and restart [file: {}, not-after: {}]", RENEW_BEFORE.toDays(), file, notAfter);
    }
  }

  /** The DNS names and IP addresses of the subjectAltName extension, lower case, IPv6 in full as {@link HostNames} writes it. */
  static List<String> alternativeNames(X509Certificate certificate) throws CertificateParsingException {
    List<String> names = new ArrayList<>();
    Collection<List<?>> entries = certificate.getSubjectAlternativeNames();
    if (entries != null) {
      for (List<?> entry : entries) {
        names.add(String.valueOf(entry.get(1)).toLowerCase(Locale.ROOT));
      }
    }
    return names;
  }

  /** As {@code openssl x509 -fingerprint -sha256} prints it: colon-separated upper-case hex. */
  static String fingerprint(X509Certificate certificate) throws GeneralSecurityException {
    return HexFormat.ofDelimiter(":").withUpperCase().formatHex(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
  }
}
