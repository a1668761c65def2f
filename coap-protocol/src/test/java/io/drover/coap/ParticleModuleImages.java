package io.drover.coap;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.util.zip.CRC32;

/**
 * A synthetic Particle user part, as the gcc platform's Device OS validates one (the hub's tests build the
 * same layout): the module prefix, the image, a product data extension, the SHA-256 and the CRC-32.
 */
final class ParticleModuleImages {

  private static final int START_ADDRESS = 0x000d4000;
  private static final int USER_PART = 5;

  private ParticleModuleImages() {
  }

  static byte[] userPart(int platformId, int productVersion, byte[] image) throws Exception {
    int suffixLength = 10 + 36;
    int size = 24 + image.length + suffixLength + 4;
    ByteBuffer module = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    module.putInt(START_ADDRESS).putInt(START_ADDRESS + size - 4).put((byte) 0).put((byte) 0).putShort((short) 6)
        .putShort((short) platformId).put((byte) USER_PART).put((byte) 1).putInt(0).putInt(0);
    module.put(image);
    module.putShort((short) 1).putShort((short) 10).putInt(platformId).putShort((short) productVersion);
    module.putShort((short) 0);
    int shaAt = module.position();
    module.put(new byte[32]).putShort((short) suffixLength);
    byte[] bytes = module.array();
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    sha.update(bytes, 0, shaAt);
    System.arraycopy(sha.digest(), 0, bytes, shaAt, 32);
    CRC32 crc = new CRC32();
    crc.update(bytes, 0, bytes.length - 4);
    ByteBuffer.wrap(bytes, bytes.length - 4, 4).putInt((int) crc.getValue());
    return bytes;
  }
}
