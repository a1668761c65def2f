package io.drover.loadtests;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Load is only ever sent to this machine: a host that does not resolve to a loopback address
 * (127.0.0.0/8 or ::1) is refused before any connection is made.
 */
public final class LoopbackTarget {

  private LoopbackTarget() {
  }

  /** @throws IllegalArgumentException if {@code host} is not a loopback address */
  public static String require(String host, String option) {
    try {
      if (InetAddress.getByName(host).isLoopbackAddress()) {
        return host;
      }
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("--" + option + " '" + host + "' does not resolve", e);
    }
    throw new IllegalArgumentException("--" + option + " must be a loopback address (127.x.x.x or ::1), got '" + host + "'");
  }
}
