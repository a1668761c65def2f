package io.drover.hub.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Keys, CSRs, CAs and certificates made with the {@code openssl} command at test time, as an operator
 * or a device maker would make them. {@code openssl ca} issues, so that validity can be set to dates
 * in the past ({@code -startdate}, {@code -enddate}) for expired certificates.
 */
public final class TestCertificates {

  /** Leaf validity that holds now: from 2020 to 2099. */
  public static final String NOW_START = "20200101000000Z";
  public static final String NOW_END = "20991231000000Z";

  private static final AtomicInteger NAMES = new AtomicInteger();
  private final Path dir;

  /** A certificate or CA made here: its PEM file and its key's. */
  public record Made(Path certificate, Path key) {

    public String pem() throws IOException {
      return Files.readString(certificate);
    }

    public byte[] der() throws IOException {
      return TestCertificates.der(Files.readString(certificate));
    }
  }

  public TestCertificates(Path dir) throws IOException {
    this.dir = dir;
    Files.createDirectories(dir.resolve("newcerts"));
    Files.writeString(dir.resolve("index.txt"), "");
    Files.writeString(dir.resolve("serial"), "1000\n");
    Files.writeString(dir.resolve("ca.cnf"), """
        [ ca ]
        default_ca = test
        [ test ]
        dir = %1$s
        database = %1$s/index.txt
        new_certs_dir = %1$s/newcerts
        serial = %1$s/serial
        default_md = sha256
        policy = anything
        unique_subject = no
        email_in_dn = no
        [ anything ]
        commonName = optional
        organizationName = optional
        [ leaf ]
        basicConstraints = critical, CA:FALSE
        keyUsage = critical, digitalSignature
        extendedKeyUsage = clientAuth
        [ server_only ]
        basicConstraints = critical, CA:FALSE
        keyUsage = critical, digitalSignature
        extendedKeyUsage = serverAuth
        [ ca_ext ]
        basicConstraints = critical, CA:TRUE
        keyUsage = critical, keyCertSign, cRLSign
        [ not_ca ]
        basicConstraints = critical, CA:FALSE
        keyUsage = critical, digitalSignature
        """.formatted(dir));
  }

  /** A new ECDSA P-256 key and a CSR for {@code subject} ({@code "/CN=..."}) signed with it. */
  public Made csr(String subject) throws IOException, InterruptedException {
    String name = next("csr");
    Path key = dir.resolve(name + "-key.pem");
    Path csr = dir.resolve(name + ".csr");
    openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key.toString(),
        "-subj", subject, "-out", csr.toString());
    return new Made(csr, key);
  }

  /** A self-signed certificate, as {@code openssl req -x509} makes one by default (it is marked CA:TRUE). */
  public Made selfSigned(String subject) throws IOException, InterruptedException {
    String name = next("self");
    Path key = dir.resolve(name + "-key.pem");
    Path cert = dir.resolve(name + ".pem");
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key.toString(),
        "-subj", subject, "-days", "30", "-out", cert.toString());
    return new Made(cert, key);
  }

  /** A self-signed root CA valid from {@code start} to {@code end} ({@code YYYYMMDDHHMMSSZ}). */
  public Made rootCa(String subject, String start, String end) throws IOException, InterruptedException {
    return selfSignedWith(subject, "ca_ext", start, end);
  }

  /** A self-signed certificate that is not a CA (basicConstraints CA:FALSE): for refusals. */
  public Made notCa(String subject) throws IOException, InterruptedException {
    return selfSignedWith(subject, "not_ca", NOW_START, NOW_END);
  }

  /** An intermediate CA signed by {@code issuer}. */
  public Made intermediateCa(String subject, Made issuer) throws IOException, InterruptedException {
    return issue(subject, issuer, "ca_ext", NOW_START, NOW_END);
  }

  /** A device certificate (clientAuth) for {@code subject}, signed by {@code issuer}, valid from 2020 to 2099. */
  public Made device(String subject, Made issuer) throws IOException, InterruptedException {
    return issue(subject, issuer, "leaf", NOW_START, NOW_END);
  }

  /** A certificate signed by {@code issuer} with the extensions of section {@code extensions} of the config, valid as given. */
  public Made issue(String subject, Made issuer, String extensions, String start, String end) throws IOException, InterruptedException {
    Made request = csr(subject);
    Path cert = dir.resolve(next("cert") + ".pem");
    openssl("ca", "-batch", "-config", dir.resolve("ca.cnf").toString(), "-preserveDN", "-notext", "-cert", issuer.certificate().toString(),
        "-keyfile", issuer.key().toString(), "-in", request.certificate().toString(), "-out", cert.toString(), "-extensions", extensions,
        "-startdate", start, "-enddate", end);
    return new Made(cert, request.key());
  }

  private Made selfSignedWith(String subject, String extensions, String start, String end) throws IOException, InterruptedException {
    Made request = csr(subject);
    Path cert = dir.resolve(next("root") + ".pem");
    openssl("ca", "-batch", "-config", dir.resolve("ca.cnf").toString(), "-preserveDN", "-notext", "-selfsign",
        "-keyfile", request.key().toString(), "-in", request.certificate().toString(), "-out", cert.toString(), "-extensions", extensions,
        "-startdate", start, "-enddate", end);
    return new Made(cert, request.key());
  }

  /** Runs {@code openssl} with {@code arguments}; fails the test with its output when it fails. */
  public static TlsClients.Result openssl(String... arguments) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("openssl"));
    command.addAll(List.of(arguments));
    TlsClients.Result result = TlsClients.run(command);
    if (result.exitCode() != 0) {
      throw new AssertionError(String.join(" ", command) + " failed: " + result.output());
    }
    return result;
  }

  /** The DER of the first certificate in PEM text. */
  public static byte[] der(String pem) {
    String begin = "-----BEGIN CERTIFICATE-----";
    int from = pem.indexOf(begin);
    int to = pem.indexOf("-----END CERTIFICATE-----", from);
    return Base64.getMimeDecoder().decode(pem.substring(from + begin.length(), to));
  }

  private static String next(String prefix) {
    return prefix + "-" + NAMES.incrementAndGet();
  }
}
