package io.drover.gateway.firmware;

import io.drover.gateway.contract.DeviceFailure;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One session's firmware where the device pulls the binary (CoAP: {@code GET /fw/{version}} in
 * Block2 blocks, docs/device-protocol.md section 8.4). The handshake answer carries the offer; the
 * device fetches the blocks it needs, in any order, so resuming is its choice of block. Not
 * thread-safe: every method runs on the session's context.
 */
public final class PulledFirmware {

  private static final Logger LOG = LoggerFactory.getLogger(PulledFirmware.class);

  private final FirmwareClient hub;
  private final String deviceId;
  private final FirmwareLink link;
  private Handshake handshake;
  /** The offered version and its binary, once the hub sent it; 0 and null when nothing is offered. */
  private int offered;
  private byte[] binary;

  public PulledFirmware(FirmwareClient hub, String deviceId, FirmwareLink link) {
    this.hub = hub;
    this.deviceId = deviceId;
    this.link = link;
  }

  /**
   * The handshake: the answer is {@code {"firmware_update", "target_version", "rule"}} plus, when an
   * update follows, {@code "size"} and {@code "sha256"} of the binary to fetch.
   */
  public Future<JsonObject> onHandshake(Handshake reported) {
    handshake = reported;
    return hub.target(deviceId, reported).compose(answer -> {
      Integer target = answer.getInteger("target_version");
      boolean update = target != null && target != reported.firmwareVersion();
      JsonObject reply = new JsonObject().put("firmware_update", update).put("target_version", target).put("rule", answer.getString("rule"));
      if (!update) {
        offered = 0;
        binary = null;
        return Future.succeededFuture(reply);
      }
      return hub.binary(reported.productId(), target).map(loaded -> {
        boolean fresh = offered != target;
        offered = target;
        binary = loaded.getBytes();
        if (fresh) {
          link.publishEvent("spark/status", "auto-update");
          link.publishEvent("spark/flash/status", "started");
          LOG.info("firmware update offered [device-id: {}, version: {}, size: {}]", deviceId, target, loaded.length());
        }
        return reply.put("size", loaded.length()).put("sha256", answer.getString("sha256"));
      });
    });
  }

  /** @return the binary of the offered version, or null when that version is not offered to this device */
  public byte[] binary(int version) {
    return version == offered ? binary : null;
  }

  /** {@code {"version", "status": "verified" | "failed", "error"}}. */
  public void onResult(byte[] payload) {
    JsonObject result;
    try {
      result = new JsonObject(Buffer.buffer(payload));
    } catch (DecodeException | ClassCastException e) {
      throw new DeviceFailure(DeviceFailure.Kind.MALFORMED_PAYLOAD, "the result must be a JSON object");
    }
    if (offered == 0) {
      return;
    }
    boolean verified = "verified".equals(result.getValue("status"));
    link.publishEvent("spark/flash/status", verified ? "success" : "failed");
    hub.reportOutcome(deviceId, handshake.productId(), offered, verified);
    LOG.info("firmware update {} [device-id: {}, version: {}, error: {}]", verified ? "verified by the device" : "failed on the device",
        deviceId, offered, result.getValue("error"));
  }

  /** "Flash now": the last handshake again; the caller tells the device when an update follows. */
  public Future<JsonObject> check() {
    if (handshake == null) {
      return Future.succeededFuture(null);
    }
    return onHandshake(handshake);
  }
}
