package io.drover.gateway.handshake;

import io.drover.gateway.log.LogText;
import io.drover.gateway.log.SampledLog;
import io.drover.gateway.pipeline.DeviceLink;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.util.zip.CRC32;

/**
 * One binary pushed to a device in chunks with flow control (docs/device-protocol.md section 8.3):
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
final class PushedFirmware {

  static final int CHUNK_SIZE = 1024;
  static final int WINDOW = 4;
  static final long ACK_TIMEOUT_MS = 10_000;
  static final int MAX_RESENDS = 20;
  static final int MAX_ATTEMPTS = 2;

  /** How a transfer ends, for the session's events and the hub's rollout counts. */
  interface Outcome {
    void finished(int version, boolean verified, String reason);
  }

  private final Vertx vertx;
  private final DeviceLink link;
  private final String deviceId;
  private final SampledLog log;
  private final Outcome outcome;
  final int version;
  private final Buffer binary;
  private int acked;
  private int sent;
  private int resends;
  private int attempts = 1;
  private long timer = -1;
  private boolean done;

  /** @param log the transport's log of handshake steps, at most a line a second per reason */
  PushedFirmware(Vertx vertx, DeviceLink link, String deviceId, SampledLog log, int version, Buffer binary, Outcome outcome) {
    this.vertx = vertx;
    this.link = link;
    this.deviceId = deviceId;
    this.log = log;
    this.version = version;
    this.binary = binary;
    this.outcome = outcome;
  }

  /** Sends the offer; chunks follow the device's {@code fw/ready}. */
  void offer(String sha256) {
    link.sendFirmwareOffer(new FirmwareOffer(version, binary.length(), sha256, CHUNK_SIZE, WINDOW));
  }

  boolean isDone() {
    return done;
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
    log.debug("firmware-resend", "chunk resend asked [device-id: {}, offset: {}]", deviceId, offset);
    resumeFrom(Math.max(offset, 0));
  }

  /** {@code fw/result}: a failure is sent again once from the start, then given up. */
  void finished(boolean verified, String error) {
    cancelTimer();
    if (verified) {
      done = true;
      outcome.finished(version, true, null);
    } else if (attempts < MAX_ATTEMPTS) {
      attempts++;
      log.info("firmware-sent-again", "firmware update failed on the device, sending again [device-id: {}, error: {}]", deviceId, LogText.untrusted(error));
      resumeFrom(0);
    } else {
      fail(error == null ? "failed on the device" : error);
    }
  }

  /** The session ended: the transfer stops, and resumes by offset when the device is back. */
  void stop() {
    done = true;
    cancelTimer();
  }

  /**
   * Sends chunks until {@code WINDOW} are unacknowledged; the device's acks move the window (flow
   * control). Chunks also wait while the link is not {@link DeviceLink#writable() writable}: a device
   * that asks for chunks (fw/ready, again and again) without reading them gets no more than the
   * transport's outbound bound holds.
   */
  private void pump() {
    if (done) {
      return;
    }
    while (sent < binary.length() && sent - acked < WINDOW * CHUNK_SIZE) {
      if (!link.writable()) {
        link.whenWritable(this::pump);
        break;
      }
      int end = Math.min(sent + CHUNK_SIZE, binary.length());
      Buffer chunk = binary.getBuffer(sent, end);
      CRC32 crc = new CRC32();
      crc.update(chunk.getBytes());
      if (!link.sendFirmwareChunk(sent, crc.getValue(), chunk)) {
        fail("the device does not listen for firmware chunks");
        return;
      }
      sent = end;
    }
    armTimer();
  }

  private void armTimer() {
    cancelTimer();
    timer = vertx.setTimer(ACK_TIMEOUT_MS, id -> {
      timer = -1;
      if (done) {
        return;
      }
      if (acked >= binary.length()) {
        fail("the device did not report the result");
      } else {
        resendFrom(acked); // nothing heard: send again from the last confirmed byte
      }
    });
  }

  private void cancelTimer() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
  }

  private void fail(String reason) {
    cancelTimer();
    done = true;
    outcome.finished(version, false, reason);
  }
}
