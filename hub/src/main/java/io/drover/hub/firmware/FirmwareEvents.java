package io.drover.hub.firmware;

import io.drover.gateway.contract.BusAddresses;
import io.drover.gateway.contract.DeviceEvent;
import io.drover.gateway.contract.DeviceEventCodec;
import io.drover.hub.auth.Principal;
import io.drover.hub.events.EventsVerticle;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;

/**
 * The cloud's own events about firmware, {@code particle/firmware/create} and
 * {@code particle/firmware/release} (cloud-api.md "System events"): published as the caller, with
 * {@code coreid "api"}, like an event the caller publishes through the API, and stamped with the
 * product, so the product's stream and history carry them too. Fire and forget: the upload or release
 * is done whether or not the event is written.
 */
final class FirmwareEvents {

  private FirmwareEvents() {
  }

  static void created(EventBus bus, Principal caller, int productId, JsonObject firmware) {
    publish(bus, caller, "particle/firmware/create", new JsonObject().put("product_id", productId)
        .put("version", firmware.getInteger("version")).put("title", firmware.getString("title")));
  }

  static void released(EventBus bus, Principal caller, int productId, JsonObject firmware, Long rolloutId) {
    publish(bus, caller, "particle/firmware/release", new JsonObject().put("product_id", productId)
        .put("version", firmware.getInteger("version")).put("product_default", firmware.getBoolean("product_default"))
        .put("groups", firmware.getJsonArray("groups")).put("rollout_id", rolloutId));
  }

  private static void publish(EventBus bus, Principal caller, String name, JsonObject data) {
    // the cloud's own event: it counts for no tenant's quota
    DeliveryOptions delivery = new DeliveryOptions().setCodecName(DeviceEventCodec.NAME).addHeader(EventsVerticle.CLOUD_MADE_HEADER, "true")
        .addHeader(EventsVerticle.PRODUCT_HEADER, data.getInteger("product_id").toString());
    if (caller != null && caller.userId() != null) {
      delivery.addHeader(EventsVerticle.OWNER_HEADER, caller.userId().toString());
    }
    bus.send(BusAddresses.PUBLISH_EVENT,
        new DeviceEvent(DeviceEvent.CLOUD_PUBLISHER, name, data.encode(), System.currentTimeMillis(), DeviceEvent.DEFAULT_TTL, false), delivery);
  }
}
