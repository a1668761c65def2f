package io.drover.hub.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class HostNamesTest {

  @Test
  void wildcardAddressesAndRepeatsAreLeftOutAndIpv6IsWrittenInFull() {
    List<String> names = HostNames.forNode(List.of("0.0.0.0", "::", "Drover.Example.com", "127.0.0.1", "[fd00::1]", ""));

    assertEquals(List.of("localhost", "127.0.0.1", "0:0:0:0:0:0:0:1"), names.subList(0, 3));
    assertTrue(names.contains("drover.example.com"));
    assertTrue(names.contains("fd00:0:0:0:0:0:0:1"));
    assertFalse(names.contains("0.0.0.0"));
    assertEquals(names.size(), names.stream().distinct().count());
  }

  @Test
  void ipLiteralsAreToldFromNames() {
    assertTrue(HostNames.isIpLiteral("10.0.0.1"));
    assertTrue(HostNames.isIpLiteral("fe80::1"));
    assertFalse(HostNames.isIpLiteral("10.0.0.256"));
    assertFalse(HostNames.isIpLiteral("host1.example.com"));
    assertFalse(HostNames.isIpLiteral("1.2.3"));
  }
}
