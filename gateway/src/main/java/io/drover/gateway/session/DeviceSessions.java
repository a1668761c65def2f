package io.drover.gateway.session;

import io.drover.gateway.contract.BusAddresses;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live device sessions of this gateway node, one per device ID, and their place in the cluster's
 * {@link SessionOwnership}. Shared by every listener instance (they run on different event loops),
 * hence the concurrent maps.
 */
public final class DeviceSessions {

  private static final Logger LOG = LoggerFactory.getLogger(DeviceSessions.class);

  private final SessionOwnership ownership;
  private final EventBus bus;
  private final ConcurrentMap<String, DeviceSession> byDeviceId = new ConcurrentHashMap<>();
  /**
   * The claims on the cluster map still under way, by session, so that a session's release never
   * overtakes its claim; a claim leaves once it has completed (a session's release then goes ahead at
   * once), so an idle session holds no entry here.
   */
  private final ConcurrentMap<String, Future<?>> claimBySession = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, AtomicLong> countByProtocol = new ConcurrentHashMap<>();
  private final AtomicLong sessionCounter = new AtomicLong();
  private final String sessionPrefix;

  public DeviceSessions(SessionOwnership ownership, EventBus bus) {
    this.ownership = ownership;
    this.bus = bus;
    // the node ID is a UUID; its first group keeps session IDs short and, with the counter, unique enough to tell sessions apart
    String node = ownership.nodeId();
    this.sessionPrefix = node.substring(0, Math.min(8, node.length())) + "-";
    if (ownership.isAlone()) {
      ownership.readHoldersFrom(deviceId -> {
        DeviceSession live = byDeviceId.get(deviceId);
        return live == null ? null : live.sessionId();
      });
    }
  }

  /** The node these sessions live on, as the cluster knows it. */
  public String nodeId() {
    return ownership.nodeId();
  }

  /** A session ID unique in the cluster, cheaper than a random UUID at thousands of connects a second. */
  public String newSessionId() {
    return sessionId(newSessionNumber());
  }

  /**
   * A session's number on this node; {@link #sessionId(long)} makes its ID. A session that keeps the
   * number (8 bytes) and not the ID it names (56) spares an idle session's heap the difference.
   */
  public long newSessionNumber() {
    return sessionCounter.incrementAndGet();
  }

  /** The cluster-wide ID of this node's session {@code number}: the same string every time. */
  public String sessionId(long number) {
    return sessionPrefix + Long.toString(number, 36);
  }

  /**
   * Makes {@code session} the device's live session. A session the device already had is closed, as
   * users of MQTT brokers expect of a second connection with the same client identifier (MQTT 3.1.1
   * section 3.1.4): here at once, or on the other node that held it, by a takeover message.
   */
  public void register(DeviceSession session) {
    DeviceSession previous = byDeviceId.put(session.deviceId(), session);
    counter(session.protocol()).incrementAndGet();
    if (previous != null) {
      counter(previous.protocol()).decrementAndGet();
      previous.closeForTakeover();
    }
    String sessionId = session.sessionId();
    Future<SessionOwnership.Holder> claim = ownership.claim(session.deviceId(), sessionId)
        .onSuccess(replaced -> {
          if (replaced != null && !replaced.nodeId().equals(ownership.nodeId())) {
            bus.send(BusAddresses.sessionTakeover(replaced.nodeId()),
                new JsonObject().put("device_id", session.deviceId()).put("session_id", replaced.sessionId()));
          }
        })
        .onFailure(cause -> LOG.warn("session not recorded in the cluster; commands will not reach it [device-id: {}, cause: {}]",
            session.deviceId(), cause.getMessage()));
    if (!claim.isComplete()) {
      claimBySession.put(sessionId, claim);
      // registered after the put: a claim that completes in between still leaves after it went in
      claim.onComplete(done -> claimBySession.remove(sessionId, claim));
    }
  }

  /**
   * Forgets {@code session} if it is still the device's live one, here and in the cluster.
   *
   * @return false when another session, on this node or another, has taken over, so the caller must not
   *     report the device offline
   */
  public Future<Boolean> unregister(DeviceSession session) {
    String sessionId = session.sessionId();
    Future<?> claim = claimBySession.remove(sessionId);
    if (!byDeviceId.remove(session.deviceId(), session)) {
      return Future.succeededFuture(false);
    }
    counter(session.protocol()).decrementAndGet();
    Future<?> claimed = claim == null ? Future.succeededFuture() : claim;
    return claimed.transform(ignored -> ownership.release(session.deviceId(), sessionId));
  }

  /**
   * A session of this node was taken over by one on another node: closes it, if it is still the one
   * the message names (the device may have come back here since).
   */
  public void takenOver(String deviceId, String sessionId) {
    DeviceSession session = byDeviceId.get(deviceId);
    if (session != null && session.sessionId().equals(sessionId)) {
      session.closeForTakeover();
    }
  }

  public DeviceSession find(String deviceId) {
    return byDeviceId.get(deviceId);
  }

  /**
   * Calls {@code action} with the device ID of every live session of this node; weakly consistent
   * (sessions opened or closed meanwhile may be seen or not). Walks every session: for periodic
   * counts, never per message.
   */
  public void forEachDevice(java.util.function.Consumer<String> action) {
    byDeviceId.keySet().forEach(action);
  }

  /** Live sessions of one protocol: the {@code drover_devices_connected} gauge reads it. */
  public long count(String protocol) {
    return counter(protocol).get();
  }

  private AtomicLong counter(String protocol) {
    return countByProtocol.computeIfAbsent(protocol, p -> new AtomicLong());
  }
}
