package io.drover.hub.devices;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecretSealerTest {

  private static final String DEVICE = "0123456789abcdef01234567";

  @Test
  void masterKeyIsMadeOnceWithOwnerOnlyPermissionsAndOpensWhatItSealedAfterARestart(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("keys").resolve(SecretSealer.FILE_NAME);
    byte[] sealed = SecretSealer.loadAtStart(file).seal(DEVICE, "00112233445566778899aabbccddeeff");

    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    assertEquals(32, Files.size(file));
    assertEquals("00112233445566778899aabbccddeeff", SecretSealer.loadAtStart(file).open(DEVICE, sealed));
  }

  @Test
  void sealedSecretOpensForItsOwnDeviceOnly(@TempDir Path dir) {
    SecretSealer sealer = SecretSealer.loadAtStart(dir.resolve(SecretSealer.FILE_NAME));
    byte[] sealed = sealer.seal(DEVICE, "00112233445566778899aabbccddeeff");

    assertThrows(IllegalStateException.class, () -> sealer.open("ffffffffffffffffffffffff", sealed));
  }

  @Test
  void anotherMasterKeyCannotOpenIt(@TempDir Path dir) {
    byte[] sealed = SecretSealer.loadAtStart(dir.resolve("a")).seal(DEVICE, "00112233445566778899aabbccddeeff");

    assertThrows(IllegalStateException.class, () -> SecretSealer.loadAtStart(dir.resolve("b")).open(DEVICE, sealed));
  }
}
