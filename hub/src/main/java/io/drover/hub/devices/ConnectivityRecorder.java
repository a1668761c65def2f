package io.drover.hub.devices;

import io.drover.gateway.contract.SessionNotice;
import io.drover.hub.devices.DeviceRepository.Connectivity;
import io.vertx.core.Future;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns session notices into each device's online state and connection times. Notices are coalesced
 * per device and written in batches, so a wave of reconnects costs a handful of statements. Used on
 * the owning verticle's event loop only.
 */
final class ConnectivityRecorder {

  private static final Logger LOG = LoggerFactory.getLogger(ConnectivityRecorder.class);

  private final DeviceRepository repository;
  /** The session each online device holds: a CLOSED for any other session is stale. */
  private final Map<String, String> liveSessionByDevice = new HashMap<>();
  private Map<String, Connectivity> pending = new LinkedHashMap<>();
  private Future<Void> inFlight = Future.succeededFuture();

  ConnectivityRecorder(DeviceRepository repository) {
    this.repository = repository;
  }

  /** @return whether the notice changed the device's state (a stale CLOSED does not) */
  boolean record(SessionNotice notice) {
    OffsetDateTime at = OffsetDateTime.ofInstant(Instant.ofEpochMilli(notice.atMillis()), ZoneOffset.UTC);
    Connectivity update;
    if (notice.state() == SessionNotice.State.OPENED) {
      liveSessionByDevice.put(notice.deviceId(), notice.sessionId());
      update = new Connectivity(notice.deviceId(), true, notice.remoteAddress(), at, at);
    } else {
      if (!liveSessionByDevice.remove(notice.deviceId(), notice.sessionId())) {
        return false;
      }
      update = new Connectivity(notice.deviceId(), false, null, null, at);
    }
    pending.merge(notice.deviceId(), update, Connectivity::then);
    return true;
  }

  /** Writes what has accumulated; a flush already under way is not doubled (the timer calls again). */
  Future<Void> flush() {
    if (!inFlight.isComplete() || pending.isEmpty()) {
      return inFlight;
    }
    Map<String, Connectivity> batch = pending;
    pending = new LinkedHashMap<>();
    inFlight = repository.updateConnectivity(new ArrayList<>(batch.values()))
        .onFailure(cause -> {
          LOG.warn("connectivity not written, will retry [devices: {}, cause: {}]", batch.size(), cause.getMessage());
          batch.forEach((id, failed) -> pending.merge(id, failed, (newer, older) -> older.then(newer)));
        });
    return inFlight;
  }

  /**
   * At shutdown: every session this hub knew of is over, whether or not its gateway's notice arrived.
   *
   * @return the devices whose sessions this ended, for their offline events
   */
  List<String> endAllSessions() {
    OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
    List<String> ended = new ArrayList<>(liveSessionByDevice.keySet());
    for (String deviceId : ended) {
      pending.merge(deviceId, new Connectivity(deviceId, false, null, null, now), Connectivity::then);
    }
    liveSessionByDevice.clear();
    return ended;
  }

  /** Writes what is pending once the write under way, if any, is done. */
  Future<Void> flushAfterInFlight() {
    return inFlight.transform(ignored -> flush());
  }
}
