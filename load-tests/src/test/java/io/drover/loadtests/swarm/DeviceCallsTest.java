package io.drover.loadtests.swarm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a swarm device with --answer-calls answers (device-protocol.md section 4.4), and claim codes in the credentials file. */
class DeviceCallsTest {

  @TempDir
  Path dir;

  @Test
  void functionCallsAndVariableReadsAreAnsweredOnTheirRequestTopic() {
    assertArrayEquals(new String[] {"r/abc123", "1"}, DeviceCalls.answer("c/f/led/abc123", System.nanoTime()));
    assertArrayEquals(new String[] {"r/7", "-1"}, DeviceCalls.answer("c/f/reboot/7", System.nanoTime()));
    assertArrayEquals(new String[] {"r/9", "21.5"}, DeviceCalls.answer("c/v/temp/9", System.nanoTime()));
    assertArrayEquals(new String[] {"r/9", "2"}, DeviceCalls.answer("c/v/uptime/9", System.nanoTime() - 2_500_000_000L));
    assertArrayEquals(new String[] {"r/9", ""}, DeviceCalls.answer("c/v/other/9", System.nanoTime()));
  }

  @Test
  void otherCloudMessagesAskForNoAnswer() {
    for (String topic : List.of("c/s", "c/err", "c/cfg", "c/f/led", "c/f/led/", "c/x/led/1", "c/e/hook/1", "e/f/led/1")) {
      assertNull(DeviceCalls.answer(topic, System.nanoTime()), topic);
    }
  }

  @Test
  void aCredentialsLineMayHoldAClaimCode() throws Exception {
    Path file = dir.resolve("devices.txt");
    Files.write(file, List.of("# id secret claim-code", "aa secret1", "bb secret2 code-2", "cc secret3 code 3"));
    List<DeviceCredentials> devices = DeviceCredentials.read(file, 0, 2);
    assertEquals(new DeviceCredentials("aa", "secret1", null), devices.get(0));
    assertEquals(new DeviceCredentials("bb", "secret2", "code-2"), devices.get(1));
    IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> DeviceCredentials.read(file, 2, 1));
    assertEquals(file + " line 4: expected 'id secret' or 'id secret claim-code'", refused.getMessage());
  }
}
