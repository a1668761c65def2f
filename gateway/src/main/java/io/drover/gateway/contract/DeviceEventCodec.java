package io.drover.gateway.contract;

import io.vertx.core.json.JsonObject;

/**
 * Carries {@link DeviceEvent}s on the bus. Local delivery passes the immutable record itself (no copy
 * per consumer on the hot path); across a cluster it travels as JSON with named fields.
 */
public final class DeviceEventCodec extends JsonRecordCodec<DeviceEvent> {

  public static final String NAME = "drover.device-event";

  public DeviceEventCodec() {
    super(NAME, DeviceEventCodec::toJson, DeviceEventCodec::fromJson);
  }

  private static JsonObject toJson(DeviceEvent event) {
    return new JsonObject()
        .put("device_id", event.deviceId())
        .put("name", event.name())
        .put("data", event.data())
        .put("published_at", event.publishedAtMillis())
        .put("ttl", event.ttl())
        .put("public", event.isPublic());
  }

  private static DeviceEvent fromJson(JsonObject json) {
    return new DeviceEvent(
        json.getString("device_id"),
        json.getString("name"),
        json.getString("data"),
        json.getLong("published_at"),
        json.getInteger("ttl"),
        json.getBoolean("public"));
  }
}
