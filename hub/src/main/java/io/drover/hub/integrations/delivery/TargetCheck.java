package io.drover.hub.integrations.delivery;

import java.net.Inet6Address;
import java.net.InetAddress;

/**
 * Which addresses a webhook may not reach unless {@code integrations.allow-private-targets} is true:
 * the node's own loopback (its API, its database, its cluster ports), link-local (169.254.0.0/16 with
 * the clouds' metadata endpoints, fe80::/10), the wildcard and multicast. Checked at send time on the
 * addresses the host name resolves to, and the request then goes to the address checked, so a name
 * that resolves elsewhere a moment later (DNS rebinding) cannot slip through. LAN addresses (10/8,
 * 172.16/12, 192.168/16, fc00::/7) stay allowed: a self-hosted cloud's receivers often live there.
 */
final class TargetCheck {

  private TargetCheck() {
  }

  /** @return why {@code address} is refused, null when it is allowed */
  static String refusal(InetAddress address) {
    if (address.isLoopbackAddress()) {
      return "loopback";
    }
    if (address.isLinkLocalAddress()) {
      return "link-local";
    }
    if (address.isAnyLocalAddress()) {
      return "wildcard";
    }
    if (address.isMulticastAddress()) {
      return "multicast";
    }
    if (address instanceof Inet6Address v6 && v6.isIPv4CompatibleAddress()) {
      return "IPv4-compatible IPv6";
    }
    return null;
  }
}
