package io.drover.hub.devices;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's own ECDSA P-256 key for DTLS handshakes with raw public keys: made on the first start in
 * {@code DATA_DIR/coap-server-key} (mode 0600; two lines, the PKCS#8 private key and the
 * SubjectPublicKeyInfo, in base64) and kept, so that devices can pin the node's public key.
 */
public final class DtlsServerKey {

  public static final String FILE_NAME = "coap-server-key";
  private static final Logger LOG = LoggerFactory.getLogger(DtlsServerKey.class);

  private DtlsServerKey() {
  }

  /** Blocks (file and key generation): call it on the launcher thread. */
  public static KeyPair loadAtStart(Path file) {
    try {
      if (!Files.exists(file)) {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair fresh = generator.generateKeyPair();
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, Base64.getEncoder().encodeToString(fresh.getPrivate().getEncoded()) + "\n"
            + Base64.getEncoder().encodeToString(fresh.getPublic().getEncoded()) + "\n", StandardCharsets.US_ASCII);
        LOG.info("DTLS server key made [file: {}, public-key: {}]", file, Base64.getEncoder().encodeToString(fresh.getPublic().getEncoded()));
      }
      List<String> lines = Files.readAllLines(file, StandardCharsets.US_ASCII);
      KeyFactory ec = KeyFactory.getInstance("EC");
      return new KeyPair(
          ec.generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(lines.get(1).trim()))),
          ec.generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(lines.get(0).trim()))));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or make the DTLS server key " + file, e);
    } catch (GeneralSecurityException | RuntimeException e) {
      throw new IllegalStateException("the DTLS server key file " + file + " is not two base64 lines (PKCS#8, SubjectPublicKeyInfo) of an EC key", e);
    }
  }
}
