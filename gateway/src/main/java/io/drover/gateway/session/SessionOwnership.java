package io.drover.gateway.session;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.AsyncMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which gateway node holds each device's session, for the whole cluster: a Vert.x {@link AsyncMap}
 * (a Hazelcast IMap when the node is clustered, a local map otherwise) from device ID to
 * {@link Holder}. It is written twice per session (when it opens and when it ends), never per message.
 *
 * <p>Per-key operations on the map are atomic across the cluster, and that settles the races of a
 * device that reconnects through another node: the new session replaces the holder and learns the old
 * one (to close it); the old session's end removes the holder only if it is still its own, so a session
 * that was taken over never reports its device offline.
 *
 * <p>A node that is not clustered is the only one there is: every holder is one of its own sessions,
 * which its {@link DeviceSessions} knows already, and settles among themselves (a session replaces the
 * device's previous one there, and only the device's live session reports it offline). Such a node keeps
 * no map: a claim and a release are answered at once, and {@link #holderOf} reads the live sessions. That
 * spares every session a map entry (about 170 bytes of an idle session's heap) and every connect three
 * map operations.
 */
public final class SessionOwnership {

  public static final String MAP_NAME = "drover.device-sessions";
  private static final Logger LOG = LoggerFactory.getLogger(SessionOwnership.class);
  private static final int MAX_CLAIM_ATTEMPTS = 8;

  /** Null when this node is alone (not clustered): see {@link #sessionOf}. */
  private final AsyncMap<String, String> holders;
  private final String nodeId;
  /** Alone: the live session of a device on this node, by device ID (set by {@link DeviceSessions}); null while there is none. */
  private volatile Function<String, String> sessionOf = deviceId -> null;

  SessionOwnership(AsyncMap<String, String> holders, String nodeId) {
    this.holders = holders;
    this.nodeId = nodeId;
  }

  /** @param nodeId this node's cluster-wide ID (the cluster manager's, or a random one when alone) */
  public static Future<SessionOwnership> open(Vertx vertx, String nodeId) {
    if (!vertx.isClustered()) {
      return Future.succeededFuture(alone(nodeId));
    }
    return vertx.sharedData().<String, String>getAsyncMap(MAP_NAME).map(map -> new SessionOwnership(map, nodeId));
  }

  /** The ownership of a node that is not clustered: no map, its own live sessions are the holders. */
  static SessionOwnership alone(String nodeId) {
    return new SessionOwnership(null, nodeId);
  }

  public String nodeId() {
    return nodeId;
  }

  /** Whether this node is alone, and so the holders are its own live sessions. */
  boolean isAlone() {
    return holders == null;
  }

  /** Alone: where {@link #holderOf} finds a device's live session (its ID, null when the device has none). */
  void readHoldersFrom(Function<String, String> liveSessionOf) {
    this.sessionOf = liveSessionOf;
  }

  /**
   * Records this node's session as the device's.
   *
   * @return the holder it replaced, or null when the device had none
   */
  public Future<Holder> claim(String deviceId, String sessionId) {
    if (holders == null) {
      // the device's previous session, if any, is one of this node's: DeviceSessions has replaced it
      return Future.succeededFuture();
    }
    return claim(deviceId, new Holder(nodeId, sessionId).encode(), 0);
  }

  /**
   * Replace, else put if absent: each atomic, but another session may come or go between them (the
   * device's previous connection ending while this one starts is the everyday case), so a step that
   * finds the map changed starts again, a few times.
   */
  private Future<Holder> claim(String deviceId, String mine, int attempt) {
    return holders.replace(deviceId, mine).compose(previous -> {
      if (previous != null) {
        return Future.succeededFuture(Holder.decode(previous));
      }
      return holders.putIfAbsent(deviceId, mine).compose(raced -> {
        if (raced == null) {
          return Future.succeededFuture((Holder) null);
        }
        if (attempt >= MAX_CLAIM_ATTEMPTS) {
          return Future.failedFuture(new IllegalStateException("the device's holder kept changing while this session claimed it"));
        }
        // another session came in between (and may be gone already): take over from it all the same
        return claim(deviceId, mine, attempt + 1);
      });
    });
  }

  /**
   * Forgets the session if it still holds the device.
   *
   * @return false when another session (on any node) holds the device now, so this one's end must not
   *     mark it offline; true also when the map cannot be reached, since a device wrongly shown online
   *     is worse than one briefly shown offline
   */
  public Future<Boolean> release(String deviceId, String sessionId) {
    if (holders == null) {
      // DeviceSessions releases only the device's live session, and alone that is the holder
      return Future.succeededFuture(true);
    }
    return holders.removeIfPresent(deviceId, new Holder(nodeId, sessionId).encode())
        .recover(cause -> {
          LOG.warn("session holder not released [device-id: {}, cause: {}]", deviceId, cause.getMessage());
          return Future.succeededFuture(true);
        });
  }

  /** @return the device's holder, or null when no session holds it */
  public Future<Holder> holderOf(String deviceId) {
    if (holders == null) {
      String sessionId = sessionOf.apply(deviceId);
      return Future.succeededFuture(sessionId == null ? null : new Holder(nodeId, sessionId));
    }
    return holders.get(deviceId).map(value -> value == null ? null : Holder.decode(value));
  }

  /** The node and session that hold a device. */
  public record Holder(String nodeId, String sessionId) {

    String encode() {
      return nodeId + ' ' + sessionId;
    }

    static Holder decode(String encoded) {
      int space = encoded.indexOf(' ');
      return new Holder(encoded.substring(0, space), encoded.substring(space + 1));
    }
  }
}
