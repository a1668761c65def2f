package io.drover.hub.devices;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Device secrets and their stored form.
 *
 * <p>A device secret is 128 random bits made here, never a human's password, so guessing it is out of
 * reach whatever the hash costs; a slow password hash would only cap the connect rate (thousands of
 * devices reconnect at once after an outage). The stored form is a salted SHA-256, compared in
 * constant time. Human passwords get a slow hash elsewhere.
 */
public final class DeviceSecrets {

  private static final int SALT_BYTES = 16;
  private static final int SECRET_BYTES = 16;
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final HexFormat HEX = HexFormat.of();
  /**
   * One digest per thread, reused: finding the provider's implementation ({@code getInstance}) cost
   * three times the hash itself in a connect-storm profile (every connect checks a secret). Used on
   * the devices verticle's event loop, and by start-up and demo code on theirs.
   */
  private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(DeviceSecrets::newSha256);

  private DeviceSecrets() {
  }

  public static String newSecret() {
    byte[] secret = new byte[SECRET_BYTES];
    RANDOM.nextBytes(secret);
    return HEX.formatHex(secret);
  }

  public static String newDeviceId() {
    byte[] id = new byte[12];
    RANDOM.nextBytes(id);
    return HEX.formatHex(id);
  }

  /** @return salt followed by SHA-256(salt || secret) */
  public static byte[] hash(String secret) {
    byte[] salt = new byte[SALT_BYTES];
    RANDOM.nextBytes(salt);
    byte[] digest = digest(salt, secret);
    byte[] stored = new byte[SALT_BYTES + digest.length];
    System.arraycopy(salt, 0, stored, 0, SALT_BYTES);
    System.arraycopy(digest, 0, stored, SALT_BYTES, digest.length);
    return stored;
  }

  public static boolean matches(String secret, byte[] stored) {
    if (secret == null || stored == null || stored.length <= SALT_BYTES) {
      return false;
    }
    byte[] salt = new byte[SALT_BYTES];
    System.arraycopy(stored, 0, salt, 0, SALT_BYTES);
    byte[] expected = new byte[stored.length - SALT_BYTES];
    System.arraycopy(stored, SALT_BYTES, expected, 0, expected.length);
    return MessageDigest.isEqual(expected, digest(salt, secret));
  }

  private static byte[] digest(byte[] salt, String secret) {
    MessageDigest sha256 = SHA256.get();
    sha256.update(salt);
    // digest() resets it for the next use
    return sha256.digest(secret.getBytes(StandardCharsets.UTF_8));
  }

  private static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JVM", e);
    }
  }
}
