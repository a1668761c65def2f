package io.drover.hub.billing;

import io.drover.gateway.contract.BusAddresses;
import io.drover.gateway.contract.DeviceEvent;
import io.drover.gateway.contract.DeviceEventCodec;
import io.drover.hub.events.EventsVerticle;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;

/** A billing notice as a private event on the owner's own stream ({@code GET /v1/devices/events}). */
public final class OwnerEvents {

  private OwnerEvents() {
  }

  public static void publish(EventBus bus, long ownerId, String name, JsonObject data) {
    // the cloud's own event (no tenant's quota), seen by the owner only
    DeliveryOptions delivery = new DeliveryOptions().setCodecName(DeviceEventCodec.NAME)
        .addHeader(EventsVerticle.CLOUD_MADE_HEADER, "true")
        .addHeader(EventsVerticle.OWNER_HEADER, Long.toString(ownerId));
    bus.send(BusAddresses.PUBLISH_EVENT,
        new DeviceEvent(DeviceEvent.CLOUD_PUBLISHER, name, data.encode(), System.currentTimeMillis(), DeviceEvent.DEFAULT_TTL, false), delivery);
  }
}
