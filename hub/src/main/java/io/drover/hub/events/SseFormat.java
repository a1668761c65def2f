package io.drover.hub.events;

import io.drover.gateway.contract.DeviceEvent;
import io.drover.hub.devices.DeviceDirectory;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** Particle's Server-Sent Events wire format for events (see cloud-api.md, "Events"). */
final class SseFormat {

  /** The first thing a stream sends: a comment, which clients take as "the stream is open". */
  static final String OPENING = ":ok\n\n";
  /** A bare newline: keeps proxies and particle-api-js (which drops a stream silent for 15 s) content. */
  static final String KEEP_ALIVE = "\n";

  /** Always three fractional digits, as Particle writes them: 2015-07-18T00:12:18.174Z. */
  private static final DateTimeFormatter PUBLISHED_AT =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  private SseFormat() {
  }

  /**
   * {@code id: ID\nevent: NAME\ndata: {...}\n\n}: the id is what a reconnecting client sends back as
   * Last-Event-ID. Event names never hold control characters: the gateway refuses them.
   */
  static String frame(long id, DeviceEvent event) {
    return frame(id, event, fields(event));
  }

  /**
   * A product stream's frame: the device's owner ({@code userid}, null when unclaimed), the product
   * firmware version it last reported ({@code version}, null when none is known, or when the device
   * is no longer in the product), {@code public} and {@code productID} follow the fields every stream has.
   *
   * @param place the device's product now, from the directory (null: in none)
   */
  static String productFrame(long id, DeviceEvent event, Long ownerId, int productId, DeviceDirectory.ProductPlace place) {
    return frame(id, event, fields(event)
        .put("userid", ownerId == null ? null : ownerId.toString())
        .put("version", place != null && place.productId() == productId ? place.firmwareVersion() : null)
        .put("public", event.isPublic())
        .put("productID", productId));
  }

  private static JsonObject fields(DeviceEvent event) {
    return new JsonObject()
        .put("data", event.data())
        .put("ttl", event.ttl())
        .put("published_at", PUBLISHED_AT.format(Instant.ofEpochMilli(event.publishedAtMillis())))
        .put("coreid", event.deviceId());
  }

  private static String frame(long id, DeviceEvent event, JsonObject data) {
    return "id: " + id + "\nevent: " + event.name() + "\ndata: " + data.encode() + "\n\n";
  }
}
