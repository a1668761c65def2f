package io.drover.gateway.session;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The live device sessions of this gateway node, one per device ID. Shared by every listener instance
 * (they run on different event loops), hence the concurrent map.
 */
public final class DeviceSessions {

  private final ConcurrentMap<String, DeviceSession> byDeviceId = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, AtomicLong> countByProtocol = new ConcurrentHashMap<>();
  private final AtomicLong sessionCounter = new AtomicLong();
  private final String nodePrefix = Long.toString(System.nanoTime() & 0xffffffL, 36) + "-";

  /** A session ID unique on this node, cheaper than a random UUID at thousands of connects a second. */
  public String newSessionId() {
    return nodePrefix + Long.toString(sessionCounter.incrementAndGet(), 36);
  }

  /**
   * Makes {@code session} the device's live session. A session the device already had is closed, as
   * users of MQTT brokers expect of a second connection with the same client identifier (MQTT 3.1.1
   * section 3.1.4).
   */
  public void register(DeviceSession session) {
    DeviceSession previous = byDeviceId.put(session.deviceId(), session);
    counter(session.protocol()).incrementAndGet();
    if (previous != null) {
      counter(previous.protocol()).decrementAndGet();
      previous.closeForTakeover();
    }
  }

  /**
   * Forgets {@code session} if it is still the device's live one.
   *
   * @return false when another session has taken over, so the caller must not report the device offline
   */
  public boolean unregister(DeviceSession session) {
    if (byDeviceId.remove(session.deviceId(), session)) {
      counter(session.protocol()).decrementAndGet();
      return true;
    }
    return false;
  }

  public DeviceSession find(String deviceId) {
    return byDeviceId.get(deviceId);
  }

  /** Live sessions of one protocol: the {@code drover_devices_connected} gauge reads it. */
  public long count(String protocol) {
    return counter(protocol).get();
  }

  private AtomicLong counter(String protocol) {
    return countByProtocol.computeIfAbsent(protocol, p -> new AtomicLong());
  }
}
