package io.drover.coap.particle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class SystemDescribeTest {

  /** The system describe Particle's virtual Device OS 6.2.0 device (gcc platform) sent, captured. */
  private static final String VIRTUAL_DEVICE = "0a19080218e8072880808005351e0000003d1e00000058848080050a20080318b830"
      + "2880808005351e0000003d1e0000004a05080218e8075884808005";

  @Test
  void virtualDevicesModulesAreItsBootloaderAndMonolithicDeviceOs() {
    SystemDescribe system = SystemDescribe.decode(HexFormat.of().parseHex(VIRTUAL_DEVICE));

    assertEquals(List.of(new SystemDescribe.Module(2, 0, 1000), new SystemDescribe.Module(SystemDescribe.MONO_FIRMWARE_MODULE, 0, 6200)),
        system.modules(), "the dependency inside the second module is skipped, not read as a module");
    assertEquals(6200, system.systemModuleVersion());
  }

  @Test
  void aSystemPartGivesTheVersionAndUnknownFieldsAreSkipped() {
    // module {type 5 (user part), version 7}, field 99 (a string no reader knows), module {type 4 (system part), index 1, version 6201}
    byte[] fixed = HexFormat.of().parseHex("0a04080518079a0603616263" + "0a07080410011" + "8b930");

    assertEquals(6201, SystemDescribe.decode(fixed).systemModuleVersion());
    assertEquals(-1, SystemDescribe.decode(HexFormat.of().parseHex("0a0408051807")).systemModuleVersion(), "no Device OS module: no version");
  }

  @Test
  void bytesThatAreNoSystemDescribeAreRefused() {
    IllegalArgumentException truncated = assertThrows(IllegalArgumentException.class, () -> SystemDescribe.decode(HexFormat.of().parseHex("0a190802")));
    assertEquals(true, truncated.getMessage().startsWith("not a SystemDescribe"), truncated.getMessage());
    assertThrows(IllegalArgumentException.class, () -> SystemDescribe.decode("{\"f\":[]}".getBytes()));
  }
}
