package io.drover.gateway.session;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How many device connections this gateway process may hold: one file descriptor each (MQTT's TCP
 * connections; CoAP's DTLS sessions share one UDP socket and are bounded by {@code coap.max-connections}
 * instead). Past the budget a connection is refused with "server busy" at once, rather than letting the
 * process run out of file descriptors, which would fail its database and HTTP connections too.
 */
public final class ConnectionBudget {

  /** Descriptors kept for the database pool, HTTP clients, logs and the JVM itself. */
  static final int RESERVED_DESCRIPTORS = 1000;

  private final int limit;
  private final AtomicInteger held = new AtomicInteger();

  public ConnectionBudget(int limit) {
    this.limit = limit;
  }

  /** A budget from the process's open-files limit, less {@link #RESERVED_DESCRIPTORS}. */
  public static ConnectionBudget fromFileLimit() {
    OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    long files = os instanceof com.sun.management.UnixOperatingSystemMXBean unix ? unix.getMaxFileDescriptorCount() : 65_536;
    return new ConnectionBudget((int) Math.max(100, Math.min(Integer.MAX_VALUE, files - RESERVED_DESCRIPTORS)));
  }

  /** @return false when the budget is spent: refuse the connection */
  public boolean tryAcquire() {
    while (true) {
      int current = held.get();
      if (current >= limit) {
        return false;
      }
      if (held.compareAndSet(current, current + 1)) {
        return true;
      }
    }
  }

  public void release() {
    held.decrementAndGet();
  }

  /** Connections held now, handshakes and connections yet to send their CONNECT included. */
  public int held() {
    return held.get();
  }

  public int limit() {
    return limit;
  }
}
