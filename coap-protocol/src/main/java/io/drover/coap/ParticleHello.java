package io.drover.coap;

import java.nio.ByteBuffer;
import java.util.HexFormat;

/**
 * The Hello a Particle device sends first on every session ({@code POST /h}), in Device OS's layout
 * (communication/src/messages.cpp, {@code Messages::hello}): big-endian product ID, product firmware
 * version, flags and platform ID, a reserved byte, the device ID's length and bytes, then the system
 * version, the largest message and binary it takes, and its OTA chunk size.
 *
 * @param deviceId the device ID the Hello names, lower-case hex; the session's identity comes from the
 *     DTLS handshake, and a Hello naming another device is refused
 */
public record ParticleHello(int productId, int productFirmwareVersion, int flags, int platformId, String deviceId,
    int systemVersion, int maxMessageSize, long maxBinarySize, int otaChunkSize) {

  /** Flag 0x01: the last OTA update succeeded. */
  public static final int FLAG_OTA_SUCCEEDED = 0x01;
  /** Flag 0x10: the device sends a goodbye ({@code /x}) before it disconnects. */
  public static final int FLAG_GOODBYE = 0x10;

  /**
   * Decodes a Hello payload.
   *
   * @throws IllegalArgumentException when the payload is shorter than its fields say
   */
  public static ParticleHello decode(byte[] payload) {
    ByteBuffer in = ByteBuffer.wrap(payload);
    if (in.remaining() < 10) {
      throw new IllegalArgumentException("hello of " + payload.length + " bytes");
    }
    int productId = in.getShort() & 0xffff;
    int productFirmwareVersion = in.getShort() & 0xffff;
    int flags = in.getShort() & 0xffff;
    int platformId = in.getShort() & 0xffff;
    in.get();
    int idLength = in.get() & 0xff;
    if (idLength == 0 || in.remaining() < idLength) {
      throw new IllegalArgumentException("hello with a device ID of " + idLength + " bytes");
    }
    byte[] id = new byte[idLength];
    in.get(id);
    int systemVersion = in.remaining() >= 2 ? in.getShort() & 0xffff : 0;
    int maxMessageSize = in.remaining() >= 2 ? in.getShort() & 0xffff : 0;
    long maxBinarySize = in.remaining() >= 4 ? in.getInt() & 0xffffffffL : 0;
    int otaChunkSize = in.remaining() >= 2 ? in.getShort() & 0xffff : 0;
    return new ParticleHello(productId, productFirmwareVersion, flags, platformId, HexFormat.of().formatHex(id),
        systemVersion, maxMessageSize, maxBinarySize, otaChunkSize);
  }
}
