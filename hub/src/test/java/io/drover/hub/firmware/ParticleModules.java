package io.drover.hub.firmware;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32;

/**
 * Synthetic Particle module binaries for tests, laid out as {@link ParticleModule} reads them (and as the
 * gcc platform's Device OS parses them): a user part with a product data extension in its suffix.
 */
public final class ParticleModules {

  /** Device OS's module info extension type of the product data ({@code MODULE_INFO_EXTENSION_PRODUCT_DATA}). */
  private static final short PRODUCT_DATA_EXTENSION = 1;
  private static final int START_ADDRESS = 0x000d4000;

  private ParticleModules() {
  }

  /** A valid user part of {@code platformId} releasing product firmware {@code productVersion}, with {@code image} as its body. */
  public static byte[] userPart(int platformId, int productVersion, byte[] image) {
    return module(platformId, ParticleModule.USER_PART, productVersion, image);
  }

  /** A valid module of any function (a system part is 4). */
  public static byte[] module(int platformId, int function, int productVersion, byte[] image) {
    int suffixLength = 10 + 36;
    int size = ParticleModule.PREFIX_LENGTH + image.length + suffixLength + 4;
    ByteBuffer module = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    module.putInt(START_ADDRESS).putInt(START_ADDRESS + size - 4).put((byte) 0).put((byte) 0).putShort((short) 6)
        .putShort((short) platformId).put((byte) function).put((byte) 1).putInt(0).putInt(0);
    module.put(image);
    module.putShort(PRODUCT_DATA_EXTENSION).putShort((short) 10).putInt(platformId).putShort((short) productVersion);
    module.putShort((short) 0);
    int shaAt = module.position();
    module.put(new byte[32]).putShort((short) suffixLength);
    byte[] bytes = module.array();
    System.arraycopy(FirmwareBinary.sha256Of(bytes, 0, shaAt), 0, bytes, shaAt, 32);
    return withCrc(bytes);
  }

  /** Writes the CRC-32 of everything before it into the last 4 bytes, big-endian, as Device OS's build does. */
  public static byte[] withCrc(byte[] module) {
    CRC32 crc = new CRC32();
    crc.update(module, 0, module.length - 4);
    ByteBuffer.wrap(module, module.length - 4, 4).putInt((int) crc.getValue());
    return module;
  }
}
