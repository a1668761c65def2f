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
 *
 * <p>A product's team is told likewise on the product's stream, with no account's: devices added to
 * the fleet ({@code drover/device/added}, {@code {"device_ids", "count"}}, at most
 * {@value #MAX_IDS} IDs however many joined), one removed ({@code drover/device/removed}) and one
 * renamed through the product ({@code drover/device/renamed}).
 */
public final class DeviceNotices {

  public static final String CLAIMED = "drover/device/claimed";
  public static final String RENAMED = "drover/device/renamed";
  public static final String UNCLAIMED = "drover/device/unclaimed";
  public static final String ADDED = "drover/device/added";
  public static final String REMOVED = "drover/device/removed";
  /** One import of 10,000 devices is one notice: the IDs past these are only counted. */
  static final int MAX_IDS = 100;

  private DeviceNotices() {
  }

  static void publish(EventBus bus, long ownerId, String name, String deviceId, String deviceName) {
    send(bus, new DeliveryOptions().addHeader(EventsVerticle.OWNER_HEADER, Long.toString(ownerId)), name,
        new JsonObject().put("device_id", deviceId).put("name", deviceName));
  }

  /** {@link #REMOVED} or {@link #RENAMED} on the product's stream only. */
  public static void toProduct(EventBus bus, int productId, String name, String deviceId, String deviceName) {
    send(bus, new DeliveryOptions().addHeader(EventsVerticle.PRODUCT_HEADER, Integer.toString(productId)), name,
        new JsonObject().put("device_id", deviceId).put("name", deviceName));
  }

  /** {@link #ADDED}: the devices an import (or an automatic approval) brought into the product. */
  public static void addedToProduct(EventBus bus, int productId, java.util.List<String> deviceIds) {
    if (deviceIds.isEmpty()) {
      return;
    }
    send(bus, new DeliveryOptions().addHeader(EventsVerticle.PRODUCT_HEADER, Integer.toString(productId)), ADDED, new JsonObject()
        .put("device_ids", new io.vertx.core.json.JsonArray(deviceIds.subList(0, Math.min(MAX_IDS, deviceIds.size()))))
        .put("count", deviceIds.size()));
  }

  private static void send(EventBus bus, DeliveryOptions delivery, String name, JsonObject data) {
    delivery.setCodecName(DeviceEventCodec.NAME).addHeader(EventsVerticle.CLOUD_MADE_HEADER, "true");
    bus.send(BusAddresses.PUBLISH_EVENT,
        new DeviceEvent(DeviceEvent.CLOUD_PUBLISHER, name, data.encode(), System.currentTimeMillis(), DeviceEvent.DEFAULT_TTL, false), delivery);
  }
}
