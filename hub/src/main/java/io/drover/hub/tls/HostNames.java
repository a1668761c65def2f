package io.drover.hub.tls;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** The names a generated server certificate is made for. */
final class HostNames {

  private HostNames() {
  }

  /**
   * {@code localhost}, the loopback addresses, the machine's host name, then {@code configured} (the
   * operator's {@code tls.host-names} and the hosts the listeners bind), without the wildcard
   * addresses and without repeats.
   */
  static List<String> forNode(List<String> configured) {
    Set<String> names = new LinkedHashSet<>(List.of("localhost", "127.0.0.1", "::1"));
    String machine = machineHostName();
    if (machine != null) {
      names.add(machine);
    }
    for (String name : configured) {
      String trimmed = name.trim().toLowerCase(Locale.ROOT);
      if (trimmed.startsWith("[") && trimmed.endsWith("]")) {
        trimmed = trimmed.substring(1, trimmed.length() - 1);
      }
      if (!trimmed.isEmpty() && !trimmed.equals("0.0.0.0") && !trimmed.equals("::")) {
        names.add(trimmed);
      }
    }
    List<String> normalised = new ArrayList<>();
    for (String host : names) {
      String written = isIpLiteral(host) ? canonicalAddress(host) : host;
      if (!normalised.contains(written)) {
        normalised.add(written);
      }
    }
    return normalised;
  }

  /** An IPv4 dotted quad or an IPv6 literal (which alone holds a colon): no name lookup needed. */
  static boolean isIpLiteral(String host) {
    if (host.indexOf(':') >= 0) {
      return true;
    }
    String[] parts = host.split("\\.", -1);
    if (parts.length != 4) {
      return false;
    }
    for (String part : parts) {
      if (part.isEmpty() || part.length() > 3 || !part.chars().allMatch(Character::isDigit) || Integer.parseInt(part) > 255) {
        return false;
      }
    }
    return true;
  }

  /**
   * An IP literal as the JDK prints the addresses of a certificate's subjectAltName: IPv6 in full
   * ({@code 0:0:0:0:0:0:0:1}), so that a name read back compares equal to the one asked for.
   */
  private static String canonicalAddress(String literal) {
    try {
      // a literal: no lookup happens
      return InetAddress.getByName(literal).getHostAddress();
    } catch (java.net.UnknownHostException e) {
      throw new IllegalArgumentException("not an IP address: " + literal, e);
    }
  }

  /** Blocks on a name lookup when the host name is not in /etc/hosts: called on the launcher thread only. */
  private static String machineHostName() {
    try {
      String name = InetAddress.getLocalHost().getHostName().toLowerCase(Locale.ROOT);
      return name.isEmpty() || isIpLiteral(name) ? null : name;
    } catch (java.io.IOException e) {
      return null;
    }
  }
}
