package io.drover.gateway.handshake;

import io.drover.gateway.contract.DeviceEvent;
import io.drover.gateway.contract.DeviceFailure;
import io.drover.gateway.contract.DeviceFailure.Kind;
import io.drover.gateway.log.LogText;
import io.drover.gateway.log.SampledLog;
import io.drover.gateway.pipeline.DeviceLink;
import io.drover.gateway.pipeline.DeviceLink.FirmwareDelivery;
import io.drover.gateway.pipeline.HubClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

/**
 * One session's handshake and what follows it (docs/device-protocol.md sections 8 and 9): the device
 * says what it runs; the hub is asked for its firmware target (answered from memory) and, for an
 * Asset Tracker, whether its settings checksum is current. When the target differs from what runs, the
 * binary is offered: pushed in chunks or kept for the device to pull, as its transport delivers
 * ({@link FirmwareDelivery}). Made at the session's first handshake. Not thread-safe: every method
 * runs on the session's context.
 */
public final class SessionHandshake {

  private final Vertx vertx;
  private final HubClient hub;
  private final String deviceId;
  private final DeviceLink link;
  /** The transport's, shared by its sessions: what happens to thousands of devices at once is logged a line a second. */
  private final SampledLog log;
  private final TrackerConfigSync trackerConfig;
  private Handshake last;
  /** The version on offer and its binary; 0 and null when nothing is offered. */
  private int offeredVersion;
  private Buffer offeredBinary;
  /**
   * The offer is a one-device flash from the API ({@link #flash}), not a product target: a later
   * target check with nothing to offer leaves it alone, and its end is no rollout's outcome.
   */
  private boolean offeredByFlash;
  /** The pushed transfer under way, when the transport pushes. */
  private PushedFirmware transfer;
  /** Whether the transport's own transfer ({@link FirmwareDelivery#TRANSFER}) is under way. */
  private boolean transferring;
  private boolean stopped;

  /** @param log the transport's log of handshake steps, at most a line a second per reason (a release reaches thousands of devices at once) */
  public SessionHandshake(Vertx vertx, HubClient hub, String deviceId, DeviceLink link, SampledLog log) {
    this.vertx = vertx;
    this.hub = hub;
    this.deviceId = deviceId;
    this.link = link;
    this.log = log;
    this.trackerConfig = new TrackerConfigSync(hub, deviceId, link, log);
  }

  /**
   * The device's handshake: looks up its firmware target, then compares its tracker settings. With
   * {@link FirmwareDelivery#PUSH} the answer is also sent as a message of its own, then the offer.
   *
   * @return the answer; fails with the hub's failure when the target cannot be looked up
   */
  public Future<HandshakeAnswer> onHandshake(Handshake handshake) {
    last = handshake;
    // the settings follow the firmware answer, as docs/device-protocol.md section 9 promises
    return offer(handshake, link.firmwareDelivery() == FirmwareDelivery.PUSH)
        .andThen(answered -> trackerConfig.onHandshake(handshake))
        .map(Offered::answer);
  }

  /**
   * Asks the hub again ("flash now", a release reaching online devices) and sends the answer to the
   * device: completes with "started", "in_progress", "current" (nothing to do) or "no_handshake" (the
   * device has not said what it runs in this session).
   */
  public Future<String> checkFirmware() {
    if (last == null) {
      return Future.succeededFuture("no_handshake");
    }
    return offer(last, true).map(Offered::status);
  }

  /** The rule a flash's answer names (docs/device-protocol.md section 8.2). */
  static final String FLASH_RULE = "flash";

  /**
   * A developer's cloud flash: offers {@code binary} (header included, section 8.1) whatever the
   * device runs and whatever targets it, as a handshake's update goes: the answer ({@code c/h}, CoAP
   * {@code PUT /h}) with rule {@code flash}, then pushed chunks or blocks to pull. Replaces an offer
   * under way. Works before the device's first handshake of the session too.
   *
   * @return "started"
   * @throws DeviceFailure MALFORMED_PAYLOAD when the binary has no firmware header, NOT_ALLOWED for a
   *     Particle device ({@link FirmwareDelivery#TRANSFER})
   */
  public String flash(Buffer binary) {
    if (link.firmwareDelivery() == FirmwareDelivery.TRANSFER) {
      // the API wraps a flashed file as a Drover binary, which Device OS would refuse to apply
      throw new DeviceFailure(Kind.NOT_ALLOWED, "a cloud flash is not sent to a Particle device yet; release a module to its product");
    }
    if (binary.length() < 64 || !binary.getString(0, 4, "US-ASCII").equals("DRFW")) {
      throw new DeviceFailure(Kind.MALFORMED_PAYLOAD, "the binary to flash has no DRFW header");
    }
    int version = binary.getInt(12);
    String sha256 = java.util.HexFormat.of().formatHex(binary.getBytes(24, 56));
    if (transfer != null) {
      transfer.stop();
      transfer = null;
    }
    offeredVersion = 0;
    offeredBinary = null;
    offeredByFlash = true;
    return answered(new HandshakeAnswer(true, version, FLASH_RULE, binary.length(), sha256), true, binary, last).status();
  }

  /** See {@link TrackerConfigSync#check(String)}. */
  public Future<String> checkTrackerConfig(String expectedChecksum) {
    return trackerConfig.check(expectedChecksum);
  }

  /** {@code cfg/ack}. @throws DeviceFailure MALFORMED_PAYLOAD */
  public void onTrackerConfigAck(JsonObject ack) {
    trackerConfig.onAck(ack);
  }

  /**
   * A firmware step from the device: {@code result} on any transport; {@code ready}, {@code ack} and
   * {@code nak} of a pushed transfer. A step with no transfer under way is ignored.
   *
   * @throws DeviceFailure BAD_TOPIC for an unknown step, MALFORMED_PAYLOAD for a bad offset
   */
  public void onFirmwareStep(String step, JsonObject message) {
    switch (step) {
      case "result" -> onResult("verified".equals(message.getValue("status")),
          message.getValue("error") == null ? null : String.valueOf(message.getValue("error")));
      case "ready", "ack", "nak" -> {
        int offset = offset(message, step);
        if (transfer == null || transfer.isDone()) {
          log.debug("firmware-step-unexpected", "firmware step with no transfer [device-id: {}, step: {}]", deviceId, step);
        } else if (step.equals("ready")) {
          transfer.resumeFrom(offset);
        } else if (step.equals("ack")) {
          transfer.acknowledged(offset);
        } else {
          transfer.resendFrom(offset);
        }
      }
      default -> throw new DeviceFailure(Kind.BAD_TOPIC, "unknown firmware step fw/" + step);
    }
  }

  /** @return the binary of the offered version, or null when that version is not offered to this device */
  public Buffer binary(int version) {
    return version == offeredVersion ? offeredBinary : null;
  }

  /** The session ended: a pushed transfer stops, and resumes by offset when the device is back. */
  public void stop() {
    stopped = true;
    if (transfer != null) {
      transfer.stop();
    }
  }

  /** The answer to a handshake and what it started. */
  private record Offered(HandshakeAnswer answer, String status) {
  }

  /** Target, then offer: the one place where a handshake decides whether an update follows. */
  private Future<Offered> offer(Handshake handshake, boolean sendAnswer) {
    return hub.firmwareTarget(handshake.toTargetRequest(deviceId)).compose(target -> {
      Integer version = target.getInteger("target_version");
      String rule = target.getString("rule");
      if (version == null || version == handshake.firmwareVersion()) {
        return Future.succeededFuture(answered(new HandshakeAnswer(false, version, rule, null, null), sendAnswer, null, null));
      }
      Future<Buffer> binary = version == offeredVersion && !offeredByFlash
          ? Future.succeededFuture(offeredBinary)
          : hub.firmwareBinary(handshake.productId(), version);
      return binary.map(loaded -> answered(new HandshakeAnswer(true, version, rule, loaded.length(), target.getString("sha256")),
          sendAnswer, loaded, handshake));
    });
  }

  private Offered answered(HandshakeAnswer answer, boolean sendAnswer, Buffer binary, Handshake handshake) {
    if (stopped) {
      return new Offered(answer, "current");
    }
    if (sendAnswer) {
      link.sendHandshakeAnswer(answer);
    }
    boolean push = link.firmwareDelivery() == FirmwareDelivery.PUSH;
    boolean flash = FLASH_RULE.equals(answer.rule());
    if (!answer.firmwareUpdate()) {
      // a flash under way is the developer's: nothing to offer does not take it back
      if (!offeredByFlash || (push && (transfer == null || transfer.isDone()))) {
        offeredVersion = 0;
        offeredBinary = null;
        offeredByFlash = false;
      }
      return new Offered(answer, "current");
    }
    int version = answer.targetVersion();
    boolean transfers = link.firmwareDelivery() == FirmwareDelivery.TRANSFER;
    boolean underWay = !flash && version == offeredVersion
        && (push ? transfer != null && !transfer.isDone() : !transfers || transferring);
    offeredVersion = version;
    offeredBinary = binary;
    offeredByFlash = flash;
    if (underWay) {
      return new Offered(answer, "in_progress");
    }
    if (!flash) {
      publishEvent(DeviceEvent.STATUS, "auto-update");
    }
    publishEvent(DeviceEvent.FLASH_STATUS, "started");
    log.info("firmware-offered", "firmware update offered [device-id: {}, version: {}, size: {}]", deviceId, version, binary.length());
    if (push) {
      if (transfer != null) {
        transfer.stop();
      }
      Handshake reportedAs = flash ? null : handshake;
      transfer = new PushedFirmware(vertx, link, deviceId, log, version, binary, (finished, verified, reason) -> ended(reportedAs, finished, verified, reason));
      transfer.offer(answer.sha256());
    } else if (transfers) {
      // the transport sends the whole binary its own way (a Particle device's OTA); the device restarts
      // with it, and its next handshake reports the version
      transferring = true;
      Handshake reportedAs = flash ? null : handshake;
      link.transferFirmware(binary).onComplete(sent -> {
        transferring = false;
        ended(reportedAs, version, sent.succeeded(), sent.failed() ? sent.cause().getMessage() : null);
      });
    }
    return new Offered(answer, "started");
  }

  /** {@code fw/result}: a pushed transfer may send once more; a pulled binary's verdict is final. */
  private void onResult(boolean verified, String error) {
    if (offeredVersion == 0) {
      return;
    }
    if (link.firmwareDelivery() == FirmwareDelivery.PUSH) {
      if (transfer != null && !transfer.isDone()) {
        transfer.finished(verified, error);
      }
      return;
    }
    ended(offeredByFlash ? null : last, offeredVersion, verified, error);
  }

  /** @param handshake the handshake whose target was delivered; null for a flash, which no rollout counts */
  private void ended(Handshake handshake, int version, boolean verified, String reason) {
    publishEvent(DeviceEvent.FLASH_STATUS, verified ? "success" : "failed");
    if (handshake != null) {
      hub.reportFirmwareOutcome(deviceId, handshake.productId(), version, verified);
    }
    if (verified) {
      log.info("firmware-verified", "firmware update verified by the device [device-id: {}, version: {}]", deviceId, version);
    } else {
      log.info("firmware-failed", "firmware update failed [device-id: {}, version: {}, reason: {}]", deviceId, version, LogText.untrusted(reason));
    }
  }

  private void publishEvent(String name, String data) {
    hub.publish(new DeviceEvent(deviceId, name, data, System.currentTimeMillis(), DeviceEvent.DEFAULT_TTL, false));
  }

  private static int offset(JsonObject message, String step) {
    if (!(message.getValue("offset") instanceof Number offset) || offset.longValue() < 0 || offset.longValue() > Integer.MAX_VALUE) {
      throw new DeviceFailure(Kind.MALFORMED_PAYLOAD, "fw/" + step + " needs a non-negative integer offset");
    }
    return offset.intValue();
  }
}
