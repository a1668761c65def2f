package io.drover.hub.firmware;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.zip.CRC32;

/**
 * A Particle module binary, the firmware a device running Device OS flashes (Device OS's
 * dynalib/inc/module_info.h; its build, build/module.mk, fills in the suffix's SHA-256 and the CRC-32).
 * Drover reads what a product upload must check; the layout, integers little-endian except the CRC:
 *
 * <pre>
 * prefix, at offset 0 (module_info_t, 24 bytes)
 *   0 u32 start address      4 u32 end address: where the CRC-32 starts (end - start + 4 = the file's size)
 *   8 u8  reserved           9 u8  flags
 *  10 u16 module version    12 u16 platform ID
 *  14 u8  module function (5: user part, the application)      15 u8 module index
 *  16 u8,u8,u16 first dependency (function, index, version)    20 u8,u8,u16 second dependency
 * ... the image ...
 * suffix, at the end (module_info_suffix_t), before the CRC
 *  size-42 u16 product firmware version (a user part's product data, its last field)
 *  size-40 u16 reserved    size-38 32 bytes SHA-256 of everything before it    size-6 u16 the suffix's size
 * size-4  u32 CRC-32 (zlib) of everything before it, big-endian
 * </pre>
 *
 * The product firmware version a device reports in its Hello is the suffix's, which is why a product
 * release is numbered by it (the prefix's module version is the user part's own, Device OS's ABI). A
 * real Gen 3 module may carry its prefix after a vector table; Drover takes the prefix at offset 0, where
 * the gcc platform's and Particle's user parts built for it have it.
 */
public record ParticleModule(int platformId, int moduleFunction, int moduleVersion, int productVersion, byte[] sha256) {

  public static final int PREFIX_LENGTH = 24;
  /** From the product version to the end: product version, reserved, SHA-256, suffix size, CRC-32. */
  static final int TAIL_LENGTH = 2 + 2 + 32 + 2 + 4;
  /** Device OS's {@code MODULE_FUNCTION_USER_PART}: the application, what a product releases. */
  public static final int USER_PART = 5;
  /** Device OS's {@code MODULE_INFO_SUFFIX_NONEXT_DATA_SIZE}: reserved, SHA-256 and size. */
  static final int MIN_SUFFIX_LENGTH = 36;
  private static final String NEITHER = "the file is neither a Drover firmware binary (magic DRFW; wrap it with bin/drover-firmware wrap) "
      + "nor a Particle module: ";

  /**
   * Reads and checks a module: its size against the prefix's addresses, the CRC-32, the SHA-256, a user
   * part. The caller checks the platform and the version against the product and the form.
   *
   * @throws FirmwareBinary.InvalidBinary naming what is wrong, in words fit for an API answer
   */
  public static ParticleModule parse(byte[] module) {
    if (module.length < PREFIX_LENGTH + TAIL_LENGTH) {
      throw new FirmwareBinary.InvalidBinary(NEITHER + "a Particle module has a 24-byte prefix and a suffix; this file is " + module.length
          + " bytes");
    }
    ByteBuffer prefix = ByteBuffer.wrap(module, 0, PREFIX_LENGTH).order(ByteOrder.LITTLE_ENDIAN);
    long start = Integer.toUnsignedLong(prefix.getInt(0));
    long end = Integer.toUnsignedLong(prefix.getInt(4));
    if (end <= start || end - start + 4 != module.length) {
      throw new FirmwareBinary.InvalidBinary(NEITHER + "the module prefix's start and end addresses (0x" + Long.toHexString(start) + ", 0x"
          + Long.toHexString(end) + ") do not span this " + module.length + "-byte file and its CRC-32: not a Particle module, or cut short");
    }
    CRC32 crc = new CRC32();
    crc.update(module, 0, module.length - 4);
    long declaredCrc = Integer.toUnsignedLong(ByteBuffer.wrap(module, module.length - 4, 4).getInt());
    if (crc.getValue() != declaredCrc) {
      throw new FirmwareBinary.InvalidBinary("the module's CRC-32 is " + String.format("%08x", declaredCrc) + " but its content's is "
          + String.format("%08x", crc.getValue()) + ": the file is corrupt");
    }
    ByteBuffer tail = ByteBuffer.wrap(module).order(ByteOrder.LITTLE_ENDIAN);
    int suffixLength = Short.toUnsignedInt(tail.getShort(module.length - 6));
    if (suffixLength < MIN_SUFFIX_LENGTH || suffixLength > module.length - 4 - PREFIX_LENGTH) {
      throw new FirmwareBinary.InvalidBinary("the module suffix says it is " + suffixLength + " bytes: not a Particle module suffix");
    }
    byte[] sha256 = Arrays.copyOfRange(module, module.length - 38, module.length - 6);
    if (!Arrays.equals(sha256, FirmwareBinary.sha256Of(module, 0, module.length - 38))) {
      throw new FirmwareBinary.InvalidBinary("the module's SHA-256 does not match its content: the file is corrupt");
    }
    int function = Byte.toUnsignedInt(prefix.get(14));
    if (function != USER_PART) {
      throw new FirmwareBinary.InvalidBinary("the module's function is " + function + " (" + functionName(function)
          + "); a product releases its application, a user part (5)");
    }
    int productVersion = Short.toUnsignedInt(tail.getShort(module.length - TAIL_LENGTH));
    return new ParticleModule(Short.toUnsignedInt(prefix.getShort(12)), function, Short.toUnsignedInt(prefix.getShort(10)), productVersion,
        sha256);
  }

  /** Whether {@code binary} could be a module rather than a Drover binary: it does not start with Drover's magic. */
  public static boolean looksLikeModule(byte[] binary) {
    return binary.length >= 4 && !(binary[0] == 'D' && binary[1] == 'R' && binary[2] == 'F' && binary[3] == 'W');
  }

  /** The SHA-256 its suffix carries, of the module as stored (whole), in the place a module keeps it. */
  public static byte[] storedSha256(byte[] module) {
    return Arrays.copyOfRange(module, module.length - 38, module.length - 6);
  }

  private static String functionName(int function) {
    return switch (function) {
      case 0 -> "none";
      case 1 -> "resource";
      case 2 -> "bootloader";
      case 3 -> "monolithic firmware";
      case 4 -> "system part";
      case 6 -> "settings";
      case 7 -> "NCP firmware";
      case 8 -> "radio stack";
      case 9 -> "asset";
      default -> "unknown";
    };
  }
}
