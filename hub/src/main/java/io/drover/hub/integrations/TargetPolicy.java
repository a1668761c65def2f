package io.drover.hub.integrations;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InterfaceAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.Collections;
import java.util.HashSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which addresses an integration may send to (server-side request forgery). The API checks a target
 * when an integration is saved (its literal address, or every address its name resolves to); the
 * delivery engine checks again, at send time, the address it is about to connect to, since a name
 * may resolve elsewhere later.
 *
 * <p>Never a target: the unspecified address (0.0.0.0, ::, 0.0.0.0/8) and multicast or broadcast
 * addresses. Refused unless {@code integrations.allow-private-targets}: loopback (127.0.0.0/8, ::1),
 * link-local (169.254.0.0/16, which holds the clouds' metadata endpoint 169.254.169.254, and
 * fe80::/10), and every address of this machine's own interfaces (the node's own ports, the embedded
 * database). Private LAN ranges (RFC 1918, fc00::/7, 100.64.0.0/10) are allowed: a self-hosted
 * node's receivers often live there. An IPv6 address that embeds an IPv4 one (IPv4-mapped,
 * IPv4-compatible, NAT64 64:ff9b::/96) is judged as that IPv4 address.
 *
 * <p>Immutable and thread-safe; {@link #refusal} does no I/O and may be called on an event loop.
 */
public final class TargetPolicy {

  private static final Logger LOG = LoggerFactory.getLogger(TargetPolicy.class);

  private final boolean allowPrivateTargets;
  private final Set<InetAddress> ownAddresses;

  /**
   * @param allowPrivateTargets {@code integrations.allow-private-targets}: loopback, link-local and
   *     this machine's addresses become targets like any other
   * @param ownAddresses this machine's interface addresses; {@link #ownInterfaceAddresses()} reads them
   */
  public TargetPolicy(boolean allowPrivateTargets, Set<InetAddress> ownAddresses) {
    this.allowPrivateTargets = allowPrivateTargets;
    this.ownAddresses = Set.copyOf(ownAddresses);
  }

  /** A policy with this machine's interface addresses as they are now. Reads the interfaces: call it at start-up. */
  public static TargetPolicy loadAtStart(boolean allowPrivateTargets) {
    return new TargetPolicy(allowPrivateTargets, ownInterfaceAddresses());
  }

  public boolean allowsPrivateTargets() {
    return allowPrivateTargets;
  }

  /** RFC 6761 section 6.3: {@code localhost} and names under it are loopback, whatever a resolver says. */
  public static boolean isLocalhostName(String host) {
    return host.equalsIgnoreCase("localhost") || host.regionMatches(true, host.length() - 10, ".localhost", 0, 10);
  }

  /** Whether a request may be sent to {@code address}. */
  public boolean allows(InetAddress address) {
    return refusal(address) == null;
  }

  /**
   * @return null when {@code address} may be a target; otherwise why not, as words to put after
   *     "the address is" in an error or a log line ("a loopback address")
   */
  public String refusal(InetAddress address) {
    InetAddress judged = embeddedIpv4(address);
    byte[] bytes = judged.getAddress();
    if (judged.isAnyLocalAddress() || (judged instanceof Inet4Address && bytes[0] == 0)) {
      return "the unspecified address";
    }
    if (judged.isMulticastAddress() || isBroadcast(judged)) {
      return "a multicast or broadcast address";
    }
    if (allowPrivateTargets) {
      return null;
    }
    if (judged.isLoopbackAddress()) {
      return "a loopback address";
    }
    if (judged.isLinkLocalAddress()) {
      return judged instanceof Inet4Address ? "a link-local address (169.254.0.0/16, cloud metadata endpoints)" : "a link-local address";
    }
    if (ownAddresses.contains(judged) || ownAddresses.contains(address)) {
      return "an address of this node's own machine";
    }
    return null;
  }

  private static boolean isBroadcast(InetAddress address) {
    byte[] bytes = address.getAddress();
    return address instanceof Inet4Address && (bytes[0] & bytes[1] & bytes[2] & bytes[3]) == (byte) 0xff;
  }

  /** The IPv4 address inside an IPv4-mapped, IPv4-compatible or NAT64 (RFC 6052) IPv6 address; else {@code address}. */
  static InetAddress embeddedIpv4(InetAddress address) {
    if (!(address instanceof Inet6Address)) {
      return address;
    }
    byte[] bytes = address.getAddress();
    boolean zeroHead = true;
    for (int i = 0; i < 10; i++) {
      zeroHead &= bytes[i] == 0;
    }
    boolean mapped = zeroHead && bytes[10] == (byte) 0xff && bytes[11] == (byte) 0xff;
    boolean compatible = zeroHead && bytes[10] == 0 && bytes[11] == 0
        && !(bytes[12] == 0 && bytes[13] == 0 && bytes[14] == 0 && (bytes[15] == 0 || bytes[15] == 1));
    boolean nat64 = bytes[0] == 0x00 && bytes[1] == 0x64 && bytes[2] == (byte) 0xff && bytes[3] == (byte) 0x9b;
    for (int i = 4; nat64 && i < 12; i++) {
      nat64 = bytes[i] == 0;
    }
    if (!mapped && !compatible && !nat64) {
      return address;
    }
    try {
      return InetAddress.getByAddress(new byte[] {bytes[12], bytes[13], bytes[14], bytes[15]});
    } catch (UnknownHostException impossible) {
      throw new IllegalStateException("four bytes are an IPv4 address", impossible);
    }
  }

  /** Every address of this machine's network interfaces, up or not. Blocking (it asks the kernel): call it at start-up. */
  public static Set<InetAddress> ownInterfaceAddresses() {
    Set<InetAddress> addresses = new HashSet<>();
    try {
      for (NetworkInterface network : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        for (InterfaceAddress bound : network.getInterfaceAddresses()) {
          InetAddress address = bound.getAddress();
          if (address instanceof Inet6Address scoped && scoped.getScopeId() != 0) {
            // fe80::1%eth0 and fe80::1 are the same target: compare without the zone
            try {
              address = InetAddress.getByAddress(scoped.getAddress());
            } catch (UnknownHostException impossible) {
              throw new IllegalStateException(impossible);
            }
          }
          addresses.add(address);
        }
      }
    } catch (SocketException e) {
      LOG.warn("cannot list this machine's network interfaces; integrations to its own addresses are judged by their kind only [cause: {}]",
          e.getMessage());
    }
    return addresses;
  }
}
