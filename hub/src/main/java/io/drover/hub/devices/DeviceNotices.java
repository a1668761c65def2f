package io.drover.hub.devices;

import io.drover.gateway.contract.BusAddresses;
import io.drover.gateway.contract.DeviceEvent;
import io.drover.gateway.contract.DeviceEventCodec;
import io.drover.hub.events.EventsVerticle;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;

/**
 * The cloud's notice that one of an account's devices was claimed, renamed or unclaimed: a private
 * event with {@code coreid "api"} on that account's own stream ({@code GET /v1/devices/events}) and
 * history, its data {@code {"device_id", "name"}}. Particle's stream has no such event; the Console's
 * device list follows these to stay current with changes made elsewhere (the CLI, another tab, a
 * device reporting a claim code, the demo fleet). Only the account concerned sees one: an unclaim is
 * told to the former owner, never to the next. The cloud's own event: it counts for no tenant's quota.
 * Fire and forget: the change is made whether or not the notice is written.
 */
public final class DeviceNotices {

  public static final String CLAIMED = "drover/device/claimed";
  public static final String RENAMED = "drover/device/renamed";
  public static final String UNCLAIMED = "drover/device/unclaimed";

  private DeviceNotices() {
  }

  static void publish(EventBus bus, long ownerId, String name, String deviceId, String deviceName) {
    DeliveryOptions delivery = new DeliveryOptions().setCodecName(DeviceEventCodec.NAME)
        .addHeader(EventsVerticle.CLOUD_MADE_HEADER, "true")
        .addHeader(EventsVerticle.OWNER_HEADER, Long.toString(ownerId));
    JsonObject data = new JsonObject().put("device_id", deviceId).put("name", deviceName);
    bus.send(BusAddresses.PUBLISH_EVENT,
        new DeviceEvent(DeviceEvent.CLOUD_PUBLISHER, name, data.encode(), System.currentTimeMillis(), DeviceEvent.DEFAULT_TTL, false), delivery);
  }
}
