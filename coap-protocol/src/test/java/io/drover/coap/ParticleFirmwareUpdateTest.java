package io.drover.coap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The payload of a device's {@code GET /c} in a fast legacy OTA: u16 indexes, big-endian. */
class ParticleFirmwareUpdateTest {

  @Test
  void missingChunksAreReadAsBigEndianU16() {
    assertArrayEquals(new int[] {1, 3, 0x0102, 0xfffe}, ParticleFirmwareUpdate.missingChunks(new byte[] {0, 1, 0, 3, 1, 2, (byte) 0xff, (byte) 0xfe}));
  }

  @Test
  void anOddLengthIsRefused() {
    IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> ParticleFirmwareUpdate.missingChunks(new byte[] {0, 1, 2}));
    assertTrue(refused.getMessage().contains("not 3 bytes"), refused.getMessage());
  }

  @Test
  void anEmptyOrMissingListIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> ParticleFirmwareUpdate.missingChunks(new byte[0]));
    assertThrows(IllegalArgumentException.class, () -> ParticleFirmwareUpdate.missingChunks(null));
  }

  @Test
  void aListLongerThanTheBoundIsRefused() {
    assertArrayEquals(new int[ParticleFirmwareUpdate.MAX_LISTED], ParticleFirmwareUpdate.missingChunks(new byte[2 * ParticleFirmwareUpdate.MAX_LISTED]));
    IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
        () -> ParticleFirmwareUpdate.missingChunks(new byte[2 * ParticleFirmwareUpdate.MAX_LISTED + 2]));
    assertTrue(refused.getMessage().contains("1 to " + ParticleFirmwareUpdate.MAX_LISTED), refused.getMessage());
  }
}
