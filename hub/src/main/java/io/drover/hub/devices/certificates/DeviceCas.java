package io.drover.hub.devices.certificates;

import io.drover.hub.tls.CertificateAuthority;
import io.drover.hub.tls.CertificateInputException;
import io.drover.hub.tls.PemCertificates;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The device CAs a node trusts for every product, read at start: its own device CA
 * ({@code DATA_DIR/tls/device-ca.pem} and {@code device-ca-key.pem}, made on the first start), which
 * signs the CSRs devices send through the API, and the operator's ({@code devices.ca-file}), whose
 * keys the node never holds. Product CAs live in the database ({@link CertificateIndex}).
 *
 * @param node the node's device CA, with its key
 * @param operator the certificates of {@code devices.ca-file}, empty when none is set
 */
public record DeviceCas(CertificateAuthority node, List<X509Certificate> operator) {

  public static final String CA_FILE = "device-ca.pem";
  public static final String CA_KEY_FILE = "device-ca-key.pem";
  private static final Logger LOG = LoggerFactory.getLogger(DeviceCas.class);
  private static final Duration CA_VALIDITY = Duration.ofDays(3650);

  /**
   * Blocks (files, key generation on the first start): call it on the launcher thread.
   *
   * @param tlsDir {@code DATA_DIR/tls}
   * @param operatorCaFile {@code devices.ca-file}, or null
   * @throws IllegalStateException naming {@code devices.ca-file} when it holds no usable CA
   */
  public static DeviceCas loadAtStart(Path tlsDir, Path operatorCaFile) {
    CertificateAuthority node = nodeCa(tlsDir);
    LOG.info("device CA of this node [file: {}, sha256: {}, not-after: {}]: devices' CSRs are signed by it (POST /v1/devices/:id/certificates)",
        tlsDir.resolve(CA_FILE), PemCertificates.fingerprint(node.certificate()), node.certificate().getNotAfter().toInstant());
    List<X509Certificate> operator = operatorCaFile == null ? List.of() : operatorCas(operatorCaFile);
    return new DeviceCas(node, operator);
  }

  /**
   * The node's own device CA, made on the first start. Blocks on its files: call it on the launcher thread.
   *
   * @param tlsDir {@code DATA_DIR/tls}
   */
  public static CertificateAuthority nodeCa(Path tlsDir) {
    return CertificateAuthority.loadOrCreate(tlsDir.resolve(CA_FILE), tlsDir.resolve(CA_KEY_FILE),
        "Drover device CA " + HexFormat.of().formatHex(randomBytes()), CA_VALIDITY, 0);
  }

  /** Every certificate of the file must be a CA valid now: anything else would refuse devices later and silently. */
  static List<X509Certificate> operatorCas(Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new UncheckedIOException("devices.ca-file " + file + " cannot be read: " + e.getMessage(), e);
    }
    List<X509Certificate> cas;
    try {
      cas = PemCertificates.all(text, "devices.ca-file " + file);
    } catch (CertificateInputException e) {
      throw new IllegalStateException(e.getMessage());
    }
    for (X509Certificate ca : cas) {
      String problem = CertificateChecks.caProblem(ca, Instant.now());
      if (problem != null) {
        throw new IllegalStateException("devices.ca-file " + file + ": " + problem);
      }
      LOG.info("device CA from devices.ca-file [file: {}, subject: {}, sha256: {}, not-after: {}]", file,
          ca.getSubjectX500Principal().getName(), PemCertificates.fingerprint(ca), ca.getNotAfter().toInstant());
    }
    return List.copyOf(cas);
  }

  private static byte[] randomBytes() {
    byte[] bytes = new byte[4];
    ThreadLocalRandom.current().nextBytes(bytes);
    return bytes;
  }
}
