package io.drover.hub.integrations.delivery;

import io.drover.gateway.contract.BusAddresses;
import io.drover.gateway.contract.DeviceEvent;
import io.drover.gateway.contract.DeviceEventCodec;
import io.drover.hub.events.EventsVerticle;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import java.nio.charset.StandardCharsets;

/**
 * An integration's answers as cloud events, into the normal event path (stored, streamed to the
 * account's and the product's event streams): {@code hook-sent/<event>} when a request is sent,
 * {@code <responseTopic>/<i>} with the answer in pieces of 512 bytes (all but the last full, UTF-8
 * characters never split) when it succeeded with a body, {@code <errorResponseTopic>/0} with e.g.
 * {@code error status 404 from <host>} when an attempt failed (docs {@code webhooks.md}, "Sequence of
 * events"; at most {@value #MAX_PIECES} pieces, Particle's advice for devices). Published as the cloud
 * ({@code coreid} {@value #PUBLISHER}), stamped with the triggering event's account and product, and
 * never triggering an integration again.
 */
final class HookEvents {

  static final String PUBLISHER = "particle-internal";
  static final int PIECE_BYTES = 512;
  static final int MAX_PIECES = 10;

  private final EventBus bus;

  HookEvents(EventBus bus) {
    this.bus = bus;
  }

  void sent(OutboxEvent event) {
    publish(event, "hook-sent/" + event.name(), "");
  }

  /** @return the pieces published */
  int response(OutboxEvent event, String topic, String body) {
    if (body == null || body.isEmpty()) {
      return 0;
    }
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    int piece = 0;
    int start = 0;
    while (start < bytes.length && piece < MAX_PIECES) {
      int end = Math.min(bytes.length, start + PIECE_BYTES);
      // never in the middle of a UTF-8 character: back up to the start of the one cut
      while (end < bytes.length && end > start && (bytes[end] & 0xC0) == 0x80) {
        end--;
      }
      publish(event, topic + "/" + piece, new String(bytes, start, end - start, StandardCharsets.UTF_8));
      piece++;
      start = end;
    }
    return piece;
  }

  void error(OutboxEvent event, String topic, String error) {
    publish(event, topic + "/0", error);
  }

  private void publish(OutboxEvent event, String name, String data) {
    DeliveryOptions options = new DeliveryOptions().setCodecName(DeviceEventCodec.NAME).addHeader(EventsVerticle.CLOUD_MADE_HEADER, "true");
    if (event.ownerId() != null) {
      options.addHeader(EventsVerticle.OWNER_HEADER, event.ownerId().toString());
    }
    if (event.productId() != null) {
      options.addHeader(EventsVerticle.PRODUCT_HEADER, event.productId().toString());
    }
    // names past Particle's 64 characters are kept whole: the event path stores them, a device's topic carries them
    bus.send(BusAddresses.PUBLISH_EVENT, new DeviceEvent(PUBLISHER, name, data, System.currentTimeMillis(), DeviceEvent.DEFAULT_TTL, false), options);
  }
}
