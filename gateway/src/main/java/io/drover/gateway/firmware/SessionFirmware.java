package io.drover.gateway.firmware;

import io.drover.gateway.contract.DeviceFailure;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.util.zip.CRC32;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One session's firmware: the handshake asks the hub for the target, and when it differs from what
 * runs, the update is pushed in chunks with flow control (docs/device-protocol.md section 8.3):
 *
 * <pre>
 * cloud  c/fw/offer {version, size, sha256, chunk_size, window}
 * device fw/ready {version, offset}          offset: bytes kept from an interrupted transfer, else 0
 * cloud  c/fw/chunk/{offset}/{crc32}         at most `window` chunks beyond the last acknowledged byte
 * device fw/ack {offset} | fw/nak {offset}   cumulative acknowledgement; nak: resend from offset
 * device fw/result {version, status: "verified" | "failed", error}
 * </pre>
 *
 * The device checks each chunk's CRC-32 and, at the end, the SHA-256 of the header. Not thread-safe:
 * every method runs on the session's context.
 */
public final class SessionFirmware {

  static final int CHUNK_SIZE = 1024;
  static final int WINDOW = 4;
  static final long ACK_TIMEOUT_MS = 10_000;
  static final int MAX_RESENDS = 20;
  static final int MAX_ATTEMPTS = 2;
  private static final Logger LOG = LoggerFactory.getLogger(SessionFirmware.class);

  private final Vertx vertx;
  private final FirmwareClient hub;
  private final String deviceId;
  private final FirmwareLink link;
  private Handshake handshake;
  private Transfer transfer;
  private boolean stopped;

  public SessionFirmware(Vertx vertx, FirmwareClient hub, String deviceId, FirmwareLink link) {
    this.vertx = vertx;
    this.hub = hub;
    this.deviceId = deviceId;
    this.link = link;
  }

  /** The device's handshake: answers on {@code c/h} and starts an update when the target differs. */
  public void onHandshake(Handshake reported) {
    handshake = reported;
    check().onFailure(cause -> LOG.info("no firmware target [device-id: {}, cause: {}]", deviceId, cause.getMessage()));
  }

  /**
   * Asks the hub again ("flash now", a release): completes with "started", "in_progress",
   * "current" (nothing to do) or "no_handshake" (the device has not said what it runs).
   */
  public Future<String> check() {
    if (handshake == null) {
      return Future.succeededFuture("no_handshake");
    }
    Handshake asked = handshake;
    return hub.target(deviceId, asked).compose(answer -> {
      if (stopped) {
        return Future.succeededFuture("current");
      }
      Integer target = answer.getInteger("target_version");
      boolean update = target != null && target != asked.firmwareVersion();
      link.send("c/h", new JsonObject().put("firmware_update", update).put("target_version", target)
          .put("rule", answer.getString("rule")).toBuffer());
      if (!update) {
        return Future.succeededFuture("current");
      }
      if (transfer != null && transfer.version == target) {
        return Future.succeededFuture("in_progress");
      }
      return hub.binary(asked.productId(), target).map(binary -> {
        if (!stopped) {
          start(target, binary, answer.getString("sha256"));
        }
        return "started";
      });
    });
  }

  /** A message on {@code fw/...}; {@code step} is the rest of the topic. */
  public void onDeviceMessage(String step, Buffer payload) {
    if (transfer == null) {
      LOG.debug("firmware message with no update [device-id: {}, step: {}]", deviceId, step);
      return;
    }
    JsonObject json;
    try {
      json = new JsonObject(payload);
    } catch (DecodeException | ClassCastException e) {
      throw new DeviceFailure(DeviceFailure.Kind.MALFORMED_PAYLOAD, "fw/" + step + " must carry a JSON object");
    }
    switch (step) {
      case "ready" -> transfer.resumeFrom(offset(json, step));
      case "ack" -> transfer.acknowledged(offset(json, step));
      case "nak" -> transfer.resendFrom(offset(json, step));
      case "result" -> transfer.finished("verified".equals(json.getValue("status")),
          json.getValue("error") == null ? null : String.valueOf(json.getValue("error")));
      default -> throw new DeviceFailure(DeviceFailure.Kind.BAD_TOPIC, "unknown firmware step fw/" + step);
    }
  }

  private static int offset(JsonObject json, String step) {
    if (!(json.getValue("offset") instanceof Number offset) || offset.longValue() < 0 || offset.longValue() > Integer.MAX_VALUE) {
      throw new DeviceFailure(DeviceFailure.Kind.MALFORMED_PAYLOAD, "fw/" + step + " needs a non-negative integer offset");
    }
    return offset.intValue();
  }

  /** The session ended: the transfer stops, and resumes by offset when the device is back. */
  public void stop() {
    stopped = true;
    if (transfer != null) {
      transfer.cancelTimer();
    }
  }

  private void start(int version, Buffer binary, String sha256) {
    if (transfer != null) {
      transfer.cancelTimer();
    }
    transfer = new Transfer(version, binary);
    link.publishEvent("spark/status", "auto-update");
    link.publishEvent("spark/flash/status", "started");
    link.send("c/fw/offer", new JsonObject().put("version", version).put("size", binary.length()).put("sha256", sha256)
        .put("chunk_size", CHUNK_SIZE).put("window", WINDOW).toBuffer());
    LOG.info("firmware update offered [device-id: {}, version: {}, size: {}]", deviceId, version, binary.length());
  }

  /** One binary on its way: what the device confirmed, what was sent beyond it. */
  private final class Transfer {
    final int version;
    final Buffer binary;
    int acked;
    int sent;
    int resends;
    int attempts = 1;
    long timer = -1;
    boolean done;

    Transfer(int version, Buffer binary) {
      this.version = version;
      this.binary = binary;
    }

    void resumeFrom(int offset) {
      int from = Math.max(0, Math.min(offset, binary.length()));
      from -= from % CHUNK_SIZE; // chunks start on their boundaries
      acked = from;
      sent = from;
      pump();
    }

    void acknowledged(int offset) {
      if (offset > acked && offset <= sent) {
        acked = offset;
        resends = 0;
        pump();
      }
    }

    void resendFrom(int offset) {
      if (++resends > MAX_RESENDS) {
        fail("too many resends");
        return;
      }
      LOG.debug("chunk resend asked [device-id: {}, offset: {}]", deviceId, offset);
      resumeFrom(Math.max(offset, 0));
    }

    void finished(boolean verified, String error) {
      cancelTimer();
      if (verified) {
        done = true;
        link.publishEvent("spark/flash/status", "success");
        hub.reportOutcome(deviceId, handshake.productId(), version, true);
        LOG.info("firmware update verified by the device [device-id: {}, version: {}]", deviceId, version);
        transfer = null;
      } else if (attempts < MAX_ATTEMPTS) {
        attempts++;
        LOG.info("firmware update failed on the device, sending again [device-id: {}, error: {}]", deviceId, error);
        resumeFrom(0);
      } else {
        fail(error == null ? "failed on the device" : error);
      }
    }

    /** Sends chunks until {@code WINDOW} are unacknowledged; the device's acks move the window (flow control). */
    void pump() {
      if (stopped || done) {
        return;
      }
      while (sent < binary.length() && sent - acked < WINDOW * CHUNK_SIZE) {
        int end = Math.min(sent + CHUNK_SIZE, binary.length());
        Buffer chunk = binary.getBuffer(sent, end);
        CRC32 crc = new CRC32();
        crc.update(chunk.getBytes());
        if (!link.send("c/fw/chunk/" + sent + "/" + String.format("%08x", crc.getValue()), chunk)) {
          fail("the device does not listen on c/fw");
          return;
        }
        sent = end;
      }
      armTimer();
    }

    void armTimer() {
      cancelTimer();
      timer = vertx.setTimer(ACK_TIMEOUT_MS, id -> {
        timer = -1;
        if (done || stopped) {
          return;
        }
        if (acked >= binary.length()) {
          fail("the device did not report the result");
        } else {
          resendFrom(acked); // nothing heard: send again from the last confirmed byte
        }
      });
    }

    void cancelTimer() {
      if (timer >= 0) {
        vertx.cancelTimer(timer);
        timer = -1;
      }
    }

    void fail(String reason) {
      cancelTimer();
      done = true;
      transfer = null;
      link.publishEvent("spark/flash/status", "failed");
      hub.reportOutcome(deviceId, handshake.productId(), version, false);
      LOG.info("firmware update failed [device-id: {}, version: {}, reason: {}]", deviceId, version, reason);
    }
  }
}
