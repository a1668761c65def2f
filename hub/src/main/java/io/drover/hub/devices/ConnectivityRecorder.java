package io.drover.hub.devices;

import io.drover.gateway.contract.SessionNotice;
import io.drover.hub.devices.DeviceRepository.Connectivity;
import io.vertx.core.Future;
import java.time.LocalDateTime;
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
 *
 * <p>In a cluster, the notices of one device may come from two gateway nodes and reach two hub nodes,
 * in any order. Gateways send "closed" only for the session that still held the device (see the
 * gateway's SessionOwnership); the row keeps the session that last opened, and a "closed" applies only
 * to that session, so a late "closed" of an older session cannot mark a reconnected device offline.
 */
final class ConnectivityRecorder {

  private static final Logger LOG = LoggerFactory.getLogger(ConnectivityRecorder.class);

  private final DeviceRepository repository;
  private Map<String, Connectivity> pending = new LinkedHashMap<>();
  private Future<Void> inFlight = Future.succeededFuture();

  ConnectivityRecorder(DeviceRepository repository) {
    this.repository = repository;
  }

  void record(SessionNotice notice) {
    OffsetDateTime at = utc(notice.atMillis());
    Connectivity update = notice.state() == SessionNotice.State.OPENED
        ? new Connectivity(notice.deviceId(), true, notice.sessionId(), notice.nodeId(), true, notice.remoteAddress(), at, at)
        : new Connectivity(notice.deviceId(), false, notice.sessionId(), notice.nodeId(), false, null, null, at);
    pending.merge(notice.deviceId(), update, Connectivity::then);
  }

  /**
   * The time in UTC, without OffsetDateTime.ofInstant, which asks the offset for its rules and builds
   * a new ZoneRules each time: twice per connect here (the event writer does the same for its rows).
   */
  private static OffsetDateTime utc(long millis) {
    return OffsetDateTime.of(LocalDateTime.ofEpochSecond(Math.floorDiv(millis, 1000), (int) Math.floorMod(millis, 1000) * 1_000_000, ZoneOffset.UTC),
        ZoneOffset.UTC);
  }

  /** Writes what has accumulated; a flush already under way is not doubled (the timer calls again). */
  Future<Void> flush() {
    if (!inFlight.isComplete() || pending.isEmpty()) {
      return inFlight;
    }
    Map<String, Connectivity> batch = pending;
    // sized for a batch like this one: a connect wave fills thousands of devices per flush, and a map
    // grown from the default size rehashes its way there (seen in a connect-storm profile)
    pending = new LinkedHashMap<>(Math.max(16, (int) (batch.size() / 0.75f) + 1));
    inFlight = repository.updateConnectivity(new ArrayList<>(batch.values()))
        .onFailure(cause -> {
          LOG.warn("connectivity not written, will retry [devices: {}, cause: {}]", batch.size(), cause.getMessage());
          batch.forEach((id, failed) -> pending.merge(id, failed, (newer, older) -> older.then(newer)));
        });
    return inFlight;
  }

  /** Writes what is pending once the write under way, if any, is done. */
  Future<Void> flushAfterInFlight() {
    return inFlight.transform(ignored -> flush());
  }
}
