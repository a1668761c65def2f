package io.drover.hub.integrations;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.net.InetAddress;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The address rule the API applies at create time and the delivery engine at send time. */
class TargetPolicyTest {

  private static final InetAddress OWN = address("10.0.0.7");
  private final TargetPolicy strict = new TargetPolicy(false, Set.of(OWN));
  private final TargetPolicy open = new TargetPolicy(true, Set.of(OWN));

  @Test
  void loopbackLinkLocalAndTheMachinesOwnAddressesAreRefusedUnlessAllowed() {
    assertEquals("a loopback address", strict.refusal(address("127.0.0.1")));
    assertEquals("a loopback address", strict.refusal(address("127.200.0.1")));
    assertEquals("a loopback address", strict.refusal(address("::1")));
    assertEquals("a link-local address (169.254.0.0/16, cloud metadata endpoints)", strict.refusal(address("169.254.169.254")));
    assertEquals("a link-local address", strict.refusal(address("fe80::1")));
    assertEquals("an address of this node's own machine", strict.refusal(OWN));
    for (String allowedOnlyWhenOpen : new String[] {"127.0.0.1", "::1", "169.254.169.254", "fe80::1", "10.0.0.7"}) {
      assertNull(open.refusal(address(allowedOnlyWhenOpen)), allowedOnlyWhenOpen);
    }
  }

  @Test
  void unspecifiedMulticastAndBroadcastAreNeverTargets() {
    for (TargetPolicy policy : new TargetPolicy[] {strict, open}) {
      assertEquals("the unspecified address", policy.refusal(address("0.0.0.0")));
      assertEquals("the unspecified address", policy.refusal(address("0.1.2.3")));
      assertEquals("the unspecified address", policy.refusal(address("::")));
      assertEquals("a multicast or broadcast address", policy.refusal(address("224.0.0.251")));
      assertEquals("a multicast or broadcast address", policy.refusal(address("ff02::1")));
      assertEquals("a multicast or broadcast address", policy.refusal(address("255.255.255.255")));
    }
  }

  @Test
  void anIpv6AddressThatCarriesAnIpv4OneIsJudgedAsThatAddress() {
    assertEquals("a loopback address", strict.refusal(address("::ffff:7f00:1")));
    assertEquals("a loopback address", strict.refusal(address("::127.0.0.1")));
    assertEquals("a link-local address (169.254.0.0/16, cloud metadata endpoints)", strict.refusal(address("64:ff9b::169.254.169.254")));
    assertEquals("an address of this node's own machine", strict.refusal(address("64:ff9b::10.0.0.7")));
    assertNull(strict.refusal(address("64:ff9b::203.0.113.9")));
  }

  @Test
  void privateRangesAndPublicAddressesAreTargets() {
    for (String target : new String[] {"10.1.2.3", "172.16.5.5", "192.168.1.1", "100.64.0.1", "fd00::1", "203.0.113.9", "2001:db8::1"}) {
      assertNull(strict.refusal(address(target)), target);
    }
  }

  private static InetAddress address(String literal) {
    try {
      return InetAddress.getByName(literal);
    } catch (java.net.UnknownHostException e) {
      throw new IllegalArgumentException(e);
    }
  }
}
