package io.drover.hub.integrations.delivery;

import io.drover.gateway.commands.DeviceCommands;
import io.drover.gateway.contract.BusAddresses;
import io.drover.gateway.contract.DeviceCommand;
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
 * never triggering an integration again. The triggering device also gets the response and error
 * pieces over its session.
 */
final class HookEvents {

  static final String PUBLISHER = "particle-internal";
  static final int PIECE_BYTES = 512;
  static final int MAX_PIECES = 10;

  /** How long a piece for the device may take to reach its session. */
  private static final long DEVICE_TIMEOUT_MILLIS = 5000;

  private final EventBus bus;
  private final DeviceCommands devices;

  HookEvents(EventBus bus, DeviceCommands devices) {
    this.bus = bus;
    this.devices = devices;
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
      String name = topic + "/" + piece;
      String data = new String(bytes, start, end - start, StandardCharsets.UTF_8);
      publish(event, name, data);
      toDevice(event, name, data);
      piece++;
      start = end;
    }
    return piece;
  }

  void error(OutboxEvent event, String topic, String error) {
    publish(event, topic + "/0", error);
    toDevice(event, topic + "/0", error);
  }

  /**
   * The device that triggered the hook gets its answer too, on {@code c/e/<name>} (MQTT) or
   * {@code POST /e/<name>} (CoAP), if it is online and listens: best effort, not retried (the events
   * are stored and streamed all the same). None for events published through the API.
   */
  private void toDevice(OutboxEvent event, String name, String data) {
    if (event.deviceId() == null || event.deviceId().length() != 24) {
      return;
    }
    // offline, or not listening: the device misses this piece, as it would miss any event published while it is away
    devices.request(new DeviceCommand(event.deviceId(), DeviceCommand.Kind.EVENT, name, data, DEVICE_TIMEOUT_MILLIS)).onFailure(ignored -> { });
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
