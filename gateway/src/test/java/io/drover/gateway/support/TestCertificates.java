package io.drover.gateway.support;

import io.drover.coap.DtlsServerIdentity;
import io.drover.gateway.ServerTls;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * Certificates made with the {@code openssl} command at test time, as an operator makes them, all for
 * ECDSA P-256 keys: the node's server certificate (for 127.0.0.1 and localhost, issued by a server CA
 * the test clients trust), and device certificates issued by a device CA, by a rogue CA nobody trusts,
 * or already expired. Whether the hub accepts a device certificate is the {@link FakeHub}'s table; the
 * gateway itself must take every one of these through its TLS and DTLS handshakes to the hub.
 *
 * <p>One set per test JVM, in a temporary directory removed when it ends.
 */
public final class TestCertificates {

  /** A device's certificate and key, as files (for openssl-based clients) and as Java objects. */
  public record DeviceCertificate(String deviceId, Path certificateFile, Path keyFile, X509Certificate certificate, PrivateKey key) {

    /** SHA-256 of the DER certificate, in lower-case hex: how the fake hub's table knows it. */
    public String fingerprint() {
      return TestCertificates.fingerprint(der());
    }

    public byte[] der() {
      try {
        return certificate.getEncoded();
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  private static TestCertificates shared;

  private final Path dir;
  private final AtomicInteger issued = new AtomicInteger();

  private TestCertificates(Path dir) {
    this.dir = dir;
  }

  /** The set of this JVM, made on first use. */
  public static synchronized TestCertificates shared() {
    if (shared == null) {
      try {
        Path dir = Files.createTempDirectory("drover-test-certificates");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> delete(dir)));
        TestCertificates made = new TestCertificates(dir);
        made.makeAuthorities();
        shared = made;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return shared;
  }

  private void makeAuthorities() {
    for (String ca : List.of("server-ca", "device-ca", "rogue-ca")) {
      openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-sha256",
          "-keyout", file(ca + ".key"), "-out", file(ca + ".pem"), "-days", "2", "-subj", "/O=Drover tests/CN=" + ca,
          "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
    }
    openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", file("server.key"), "-out", file("server.csr"), "-subj", "/CN=localhost");
    Path extensions = dir.resolve("server.ext");
    write(extensions, "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n");
    openssl("x509", "-req", "-in", file("server.csr"), "-CA", file("server-ca.pem"), "-CAkey", file("server-ca.key"),
        "-days", "2", "-sha256", "-extfile", extensions.toString(), "-out", file("server.pem"));
  }

  /** The CA that issued the node's server certificate: what a device trusts to verify the node. */
  public Path serverCaFile() {
    return dir.resolve("server-ca.pem");
  }

  /** {@link #serverCaFile()} read. */
  public X509Certificate serverCa() {
    return certificate(serverCaFile());
  }

  /** How a CoAP test device presents {@code device} in its DTLS handshake, verifying the node against the server CA. */
  public CoapDevice.Credentials coapCredentials(DeviceCertificate device) {
    return new CoapDevice.Credentials.Certificate(device.key(), device.certificate(), serverCa());
  }

  /** The node's certificate for MQTT over TLS. */
  public ServerTls serverTls() {
    return new ServerTls(Buffer.buffer(read(dir.resolve("server.pem"))), Buffer.buffer(read(dir.resolve("server.key"))));
  }

  /** The same key and certificate for DTLS: raw public keys and X.509 alike. */
  public DtlsServerIdentity dtlsIdentity() {
    X509Certificate certificate = certificate(dir.resolve("server.pem"));
    return new DtlsServerIdentity(new KeyPair(certificate.getPublicKey(), privateKey(dir.resolve("server.key"))), List.of(certificate));
  }

  /** Valid for a day, issued by the device CA, naming {@code deviceId} in its subject CN. */
  public DeviceCertificate issue(String deviceId) {
    return make(deviceId, "device-ca", "1");
  }

  /** Issued by the device CA, but its validity ended a day ago. */
  public DeviceCertificate expired(String deviceId) {
    return make(deviceId, "device-ca", "-1");
  }

  /** Valid, but issued by a CA this node does not know. */
  public DeviceCertificate untrusted(String deviceId) {
    return make(deviceId, "rogue-ca", "1");
  }

  private DeviceCertificate make(String deviceId, String ca, String days) {
    String name = "device-" + issued.incrementAndGet();
    openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", file(name + ".key"), "-out", file(name + ".csr"), "-subj", "/CN=" + deviceId);
    openssl("x509", "-req", "-in", file(name + ".csr"), "-CA", file(ca + ".pem"), "-CAkey", file(ca + ".key"),
        "-days", days, "-sha256", "-out", file(name + ".pem"));
    Path certificate = dir.resolve(name + ".pem");
    Path key = dir.resolve(name + ".key");
    return new DeviceCertificate(deviceId, certificate, key, certificate(certificate), privateKey(key));
  }

  public static String fingerprint(byte[] der) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(der));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private String file(String name) {
    return dir.resolve(name).toString();
  }

  private static X509Certificate certificate(Path pem) {
    try (InputStream in = Files.newInputStream(pem)) {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A PKCS#8 PEM key, as openssl 3 writes it. */
  private static PrivateKey privateKey(Path pem) {
    String text = read(pem);
    String base64 = text.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
    try {
      return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(pem + " is not a PKCS#8 EC key", e);
    }
  }

  private static void openssl(String... arguments) {
    List<String> command = new ArrayList<>();
    command.add("openssl");
    command.addAll(List.of(arguments));
    Command.Result result = Command.run(command);
    if (result.exitCode() != 0) {
      throw new IllegalStateException(String.join(" ", command) + " failed: " + result.output());
    }
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void write(Path file, String text) {
    try {
      Files.writeString(file, text, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void delete(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    } catch (IOException ignored) {
      // a temporary directory left behind is no failure
    }
  }
}
