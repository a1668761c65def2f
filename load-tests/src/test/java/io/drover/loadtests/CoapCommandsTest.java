package io.drover.loadtests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CoapCommandsTest {

  @Test
  void helpIsAnsweredForBothCoapCommands() {
    assertEquals(0, Main.run(new String[] {"coap-swarm", "--help"}));
    assertEquals(0, Main.run(new String[] {"coap-baseline", "--help"}));
  }

  @Test
  void coapSwarmRefusesATargetOffThisMachineAndUnknownOptions(@TempDir Path dir) throws Exception {
    Path devices = Files.writeString(dir.resolve("devices.txt"), "d1 0123456789abcdef0123456789abcdef\n");

    assertEquals(2, Main.run(new String[] {"coap-swarm", "--host", "10.1.2.3", "--port", "5684", "--devices", devices.toString()}));
    assertEquals(2, Main.run(new String[] {"coap-swarm", "--port", "5684", "--devices", devices.toString(), "--typo", "1"}));
    assertEquals(2, Main.run(new String[] {"coap-baseline", "--host", "10.1.2.3", "--devices", devices.toString()}));
  }
}
