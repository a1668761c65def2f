package io.drover.hub.auth;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.security.spec.InvalidKeySpecException;
import java.util.Base64;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * People's passwords, stored as PBKDF2-HMAC-SHA256 with a per-password salt and a work factor high
 * enough that a stolen table is expensive to guess through (OWASP's 2023 figure). Deliberately slow:
 * call it off the event loop.
 */
public final class Passwords {

  static final int ITERATIONS = 310_000;
  public static final int MIN_LENGTH = 8;
  private static final SecureRandom RANDOM = new SecureRandom();

  private Passwords() {
  }

  /** Blocking, about 0.1-0.3 s of CPU. */
  public static String hash(String password) {
    byte[] salt = new byte[16];
    RANDOM.nextBytes(salt);
    byte[] hash = pbkdf2(password, salt, ITERATIONS);
    Base64.Encoder b64 = Base64.getEncoder().withoutPadding();
    return "pbkdf2-sha256$" + ITERATIONS + "$" + b64.encodeToString(salt) + "$" + b64.encodeToString(hash);
  }

  /** Blocking, as {@link #hash}. False for anything malformed. */
  public static boolean matches(String password, String stored) {
    if (password == null || stored == null) {
      return false;
    }
    String[] parts = stored.split("\\$");
    if (parts.length != 4 || !parts[0].equals("pbkdf2-sha256")) {
      return false;
    }
    try {
      byte[] salt = Base64.getDecoder().decode(parts[2]);
      byte[] expected = Base64.getDecoder().decode(parts[3]);
      return MessageDigest.isEqual(expected, pbkdf2(password, salt, Integer.parseInt(parts[1])));
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** What a password must be, said once for the error message and the check. */
  public static String problemWith(String password) {
    if (password == null || password.length() < MIN_LENGTH) {
      return "Password must be at least " + MIN_LENGTH + " characters long";
    }
    if (password.length() > 256) {
      return "Password must be at most 256 characters long";
    }
    return null;
  }


  private static byte[] pbkdf2(String password, byte[] salt, int iterations) {
    try {
      PBEKeySpec spec = new PBEKeySpec(password.toCharArray(), salt, iterations, 256);
      return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
    } catch (NoSuchAlgorithmException | InvalidKeySpecException e) {
      throw new IllegalStateException("PBKDF2WithHmacSHA256 is part of every JVM", e);
    }
  }
}
