package io.drover.hub.devices;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Seals device secrets at rest with the node's master key: AES-256-GCM, a fresh 12-byte nonce per
 * secret, the device ID as associated data (so a sealed secret copied to another row does not open).
 * Stored form: nonce || ciphertext || 16-byte tag. The key lives in a file of its own (mode 0600),
 * never in the database, so a copy of the database alone does not reveal a device's key.
 * Thread-safe: a Cipher is made per call.
 */
public final class SecretSealer {

  public static final String FILE_NAME = "master-key";
  private static final Logger LOG = LoggerFactory.getLogger(SecretSealer.class);
  private static final int KEY_BYTES = 32;
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final SecretKeySpec key;

  SecretSealer(byte[] key) {
    if (key.length != KEY_BYTES) {
      throw new IllegalArgumentException("the master key must be " + KEY_BYTES + " bytes");
    }
    this.key = new SecretKeySpec(key, "AES");
  }

  /**
   * Reads the master key from {@code file}, making it (32 random bytes, mode 0600) when it does not
   * exist. Blocks: call it on the launcher thread. Every node of a cluster must share the file.
   */
  public static SecretSealer loadAtStart(Path file) {
    try {
      if (!Files.exists(file)) {
        byte[] fresh = new byte[KEY_BYTES];
        RANDOM.nextBytes(fresh);
        Files.createDirectories(file.toAbsolutePath().getParent());
        try {
          Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
          Files.write(file, fresh, StandardOpenOption.TRUNCATE_EXISTING);
          LOG.info("master key made [file: {}]: keep it with the database backups, apart from them", file);
        } catch (FileAlreadyExistsException raced) {
          // another process made it first: read theirs
        }
      }
      byte[] key = Files.readAllBytes(file);
      if (key.length != KEY_BYTES) {
        throw new IllegalStateException("the master key file " + file + " must hold exactly " + KEY_BYTES + " bytes, not " + key.length);
      }
      return new SecretSealer(key);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or make the master key " + file, e);
    }
  }

  /**
   * Checks that this node's master key is the one every other hub node of the database uses: the first
   * hub to start records a fingerprint of its key (a hash, from which the key cannot be found), and a
   * node with another key refuses to start. Without this, a node with its own key would seal new
   * devices' secrets that the other nodes cannot open, and DTLS handshakes would fail on some nodes
   * only. Blocks: call it on the launcher thread.
   *
   * @throws IllegalStateException naming the file to copy when the keys differ
   */
  public void checkSharedAtStart(io.vertx.sqlclient.Pool pool, Path file) {
    byte[] fingerprint = fingerprint();
    pool.preparedQuery("INSERT INTO key_fingerprints (name, fingerprint) VALUES ('master-key', $1) ON CONFLICT (name) DO NOTHING")
        .execute(io.vertx.sqlclient.Tuple.of(io.vertx.core.buffer.Buffer.buffer(fingerprint))).await();
    byte[] recorded = pool.query("SELECT fingerprint FROM key_fingerprints WHERE name = 'master-key'").execute().await()
        .iterator().next().getBuffer(0).getBytes();
    if (!java.security.MessageDigest.isEqual(recorded, fingerprint)) {
      throw new IllegalStateException("the master key " + file + " is not the key the other hub nodes of this database use: "
          + "copy the master-key file of the first hub node to every hub node (secrets.master-key-file), then start again");
    }
  }

  private byte[] fingerprint() {
    try {
      java.security.MessageDigest digest = java.security.MessageDigest.getInstance("SHA-256");
      digest.update("drover master key fingerprint".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      return digest.digest(key.getEncoded());
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  public byte[] seal(String deviceId, String secret) {
    byte[] nonce = new byte[NONCE_BYTES];
    RANDOM.nextBytes(nonce);
    byte[] sealed = crypt(Cipher.ENCRYPT_MODE, deviceId, nonce, secret.getBytes(StandardCharsets.UTF_8), 0);
    byte[] stored = new byte[NONCE_BYTES + sealed.length];
    System.arraycopy(nonce, 0, stored, 0, NONCE_BYTES);
    System.arraycopy(sealed, 0, stored, NONCE_BYTES, sealed.length);
    return stored;
  }

  /** @throws IllegalStateException when the sealed form was not made by this key for this device */
  public String open(String deviceId, byte[] stored) {
    byte[] nonce = new byte[NONCE_BYTES];
    System.arraycopy(stored, 0, nonce, 0, NONCE_BYTES);
    return new String(crypt(Cipher.DECRYPT_MODE, deviceId, nonce, stored, NONCE_BYTES), StandardCharsets.UTF_8);
  }

  private byte[] crypt(int mode, String deviceId, byte[] nonce, byte[] input, int offset) {
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(mode, key, new GCMParameterSpec(TAG_BITS, nonce));
      cipher.updateAAD(deviceId.getBytes(StandardCharsets.US_ASCII));
      return cipher.doFinal(input, offset, input.length - offset);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("sealed secret does not open with this node's master key", e);
    }
  }
}
