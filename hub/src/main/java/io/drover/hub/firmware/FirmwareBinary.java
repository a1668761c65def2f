package io.drover.hub.firmware;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * A product firmware binary: a 64-byte header, then the payload (docs/device-protocol.md section 8.1).
 * All integers are big-endian and unsigned.
 *
 * <pre>
 * offset size field
 *      0    4 magic "DRFW"
 *      4    2 header version (1)
 *      6    2 header length (64)
 *      8    4 product ID (0: off-the-shelf firmware, for any product of the platform)
 *     12    4 firmware version (1 .. 2^31-1)
 *     16    4 platform ID
 *     20    4 payload length
 *     24   32 SHA-256 of the payload
 *     56    8 reserved, zero
 *     64    - payload
 * </pre>
 *
 * <p>The device checks the SHA-256 after the last chunk; the cloud checks all of it at upload, so that
 * a binary built for another product, version or platform never reaches a release.
 */
public record FirmwareBinary(int productId, int version, int platformId, byte[] sha256, byte[] payload) {

  public static final int HEADER_LENGTH = 64;
  public static final int HEADER_VERSION = 1;
  private static final byte[] MAGIC = {'D', 'R', 'F', 'W'};

  /** Wraps {@code payload} into a binary whose header names it. */
  public static byte[] wrap(int productId, int version, int platformId, byte[] payload) {
    if (productId < 0 || version <= 0 || platformId < 0) {
      throw new IllegalArgumentException("version must be positive, product (0: off-the-shelf, any product) and platform not negative");
    }
    ByteBuffer binary = ByteBuffer.allocate(HEADER_LENGTH + payload.length);
    binary.put(MAGIC).putShort((short) HEADER_VERSION).putShort((short) HEADER_LENGTH)
        .putInt(productId).putInt(version).putInt(platformId).putInt(payload.length)
        .put(sha256Of(payload, 0, payload.length)).put(new byte[8]).put(payload);
    return binary.array();
  }

  /**
   * Reads and checks a binary: magic, header version and length, payload length, SHA-256.
   *
   * @throws InvalidBinary naming what is wrong, in words fit for an API answer
   */
  public static FirmwareBinary parse(byte[] binary) {
    if (binary.length < HEADER_LENGTH || !Arrays.equals(binary, 0, 4, MAGIC, 0, 4)) {
      throw new InvalidBinary("the binary does not start with a Drover firmware header (magic DRFW); wrap it with bin/drover-firmware wrap");
    }
    ByteBuffer header = ByteBuffer.wrap(binary, 0, HEADER_LENGTH);
    header.position(4);
    int headerVersion = Short.toUnsignedInt(header.getShort());
    int headerLength = Short.toUnsignedInt(header.getShort());
    if (headerVersion != HEADER_VERSION || headerLength != HEADER_LENGTH) {
      throw new InvalidBinary("unsupported firmware header version " + headerVersion + " (length " + headerLength + "); this cloud reads version 1");
    }
    int productId = header.getInt();
    int version = header.getInt();
    int platformId = header.getInt();
    long payloadLength = Integer.toUnsignedLong(header.getInt());
    if (payloadLength != binary.length - HEADER_LENGTH) {
      throw new InvalidBinary("the header says the payload is " + payloadLength + " bytes but " + (binary.length - HEADER_LENGTH) + " follow it");
    }
    if (version <= 0) {
      throw new InvalidBinary("the header's firmware version must be a positive integer");
    }
    byte[] declared = new byte[32];
    header.get(declared);
    if (!Arrays.equals(declared, sha256Of(binary, HEADER_LENGTH, binary.length - HEADER_LENGTH))) {
      throw new InvalidBinary("the payload's SHA-256 does not match the header: the binary is corrupt");
    }
    return new FirmwareBinary(productId, version, platformId, declared, Arrays.copyOfRange(binary, HEADER_LENGTH, binary.length));
  }

  public String sha256Hex() {
    return HexFormat.of().formatHex(sha256);
  }

  public static byte[] sha256Of(byte[] bytes, int offset, int length) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      digest.update(bytes, offset, length);
      return digest.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  /** A binary that is not a valid Drover firmware binary. */
  public static final class InvalidBinary extends RuntimeException {
    public InvalidBinary(String message) {
      super(message, null, false, false);
    }
  }
}
