package io.drover.gateway.handshake;

import io.drover.gateway.contract.DeviceFailure;
import io.drover.gateway.log.SampledLog;
import io.drover.gateway.pipeline.DeviceLink;
import io.drover.gateway.pipeline.HubClient;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * One session's Asset Tracker settings (docs/device-protocol.md section 9): the handshake's
 * {@code config_checksum} is compared with the device's effective settings by the hub, and when they
 * differ the settings go to the device:
 *
 * <pre>
 * device h       {..., "config_checksum": "1a2b3c4d"}     "" when it holds no settings
 * cloud  c/cfg   {"checksum": "9f8e7d6c", "configuration": {...}}      (CoAP: PUT /cfg)
 * device cfg/ack {"checksum": "9f8e7d6c"}                               (CoAP: POST /cfg/ack)
 * </pre>
 *
 * A device that reports no {@code config_checksum} takes no part. Not thread-safe: every method runs
 * on the session's context.
 */
final class TrackerConfigSync {

  /** A handshake's comparison the hub could not answer (busy, restarting) is tried again this many times, after 1, 2, 4 s. */
  private static final int UNAVAILABLE_RETRIES = 3;
  private static final long UNAVAILABLE_FIRST_DELAY_MILLIS = 1_000;

  private final HubClient hub;
  private final String deviceId;
  private final DeviceLink link;
  private final SampledLog log;
  /** What the device last said it runs; null until a handshake reports a checksum. */
  private String running;

  /** @param log the transport's log of handshake steps: a hub that does not answer fails the comparisons of thousands of devices */
  TrackerConfigSync(HubClient hub, String deviceId, DeviceLink link, SampledLog log) {
    this.hub = hub;
    this.deviceId = deviceId;
    this.link = link;
    this.log = log;
  }

  void onHandshake(Handshake handshake) {
    if (handshake.configChecksum() == null) {
      return;
    }
    running = handshake.configChecksum();
    checkAfterHandshake(running, 0);
  }

  /**
   * A device only reports its checksum at the handshake, so a comparison lost to a hub that did not
   * answer would leave it stale until it reconnects: that one is asked again, unless the device has
   * moved on (a newer handshake or an acknowledgement changed what it runs).
   */
  private void checkAfterHandshake(String reported, int attempt) {
    check(null).onFailure(cause -> {
      boolean mayRetry = DeviceFailure.from(cause).kind() == DeviceFailure.Kind.UNAVAILABLE && attempt < UNAVAILABLE_RETRIES;
      log.info("configuration-not-checked", "configuration not checked [device-id: {}, cause: {}, {}]", deviceId, cause.getMessage(),
          mayRetry ? "asking again" : "until the next handshake");
      if (mayRetry) {
        hub.after(UNAVAILABLE_FIRST_DELAY_MILLIS << attempt).onSuccess(waited -> {
          if (reported.equals(running)) {
            checkAfterHandshake(reported, attempt + 1);
          }
        });
      }
    });
  }

  /**
   * Compares again (a settings change reaching an online device): completes with "sent", "current",
   * "not_tracker" or "no_handshake" (the device has not reported a checksum in this session).
   * {@code expected} is the checksum the pushing hub node computed after the change, passed on: another
   * hub node may answer, and one whose index has not reloaded yet reads the device's settings first
   * ({@link io.drover.gateway.contract.BusAddresses#TRACKER_CONFIG_CHECK}).
   */
  Future<String> check(String expected) {
    if (running == null) {
      return Future.succeededFuture("no_handshake");
    }
    return hub.checkTrackerConfig(deviceId, running, expected).compose(answer -> {
      if (!answer.getBoolean("tracker", false)) {
        return Future.succeededFuture("not_tracker");
      }
      if (answer.getBoolean("in_sync", false)) {
        return Future.succeededFuture("current");
      }
      TrackerConfigPush push = new TrackerConfigPush(answer.getString("checksum"), answer.getJsonObject("settings"));
      if (!link.sendTrackerConfig(push)) {
        return Future.failedFuture(new DeviceFailure(DeviceFailure.Kind.NOT_ALLOWED, "the device does not listen for tracker settings"));
      }
      log.debug("configuration-sent", "configuration sent [device-id: {}, checksum: {}]", deviceId, push.checksum());
      return Future.succeededFuture("sent");
    });
  }

  /** {@code cfg/ack}: the device applied settings and runs this checksum now. */
  void onAck(JsonObject ack) {
    if (!(ack.getValue("checksum") instanceof String acked) || acked.isEmpty() || acked.length() > 64) {
      throw new DeviceFailure(DeviceFailure.Kind.MALFORMED_PAYLOAD, "cfg/ack needs the checksum as a string");
    }
    running = acked;
    hub.trackerConfigApplied(deviceId, acked);
  }
}
