package io.drover.gateway.contract;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;
import io.vertx.core.json.JsonObject;

/**
 * Carries {@link DeviceEvent}s on the bus. Local delivery passes the immutable record itself (no copy
 * per consumer on the hot path); across a cluster it travels as JSON with named fields.
 */
public final class DeviceEventCodec implements MessageCodec<DeviceEvent, DeviceEvent> {

  public static final String NAME = "drover.device-event";

  @Override
  public void encodeToWire(Buffer buffer, DeviceEvent event) {
    Buffer json = new JsonObject()
        .put("device_id", event.deviceId())
        .put("name", event.name())
        .put("data", event.data())
        .put("published_at", event.publishedAtMillis())
        .put("ttl", event.ttl())
        .put("public", event.isPublic())
        .toBuffer();
    buffer.appendInt(json.length()).appendBuffer(json);
  }

  @Override
  public DeviceEvent decodeFromWire(int pos, Buffer buffer) {
    int length = buffer.getInt(pos);
    JsonObject json = new JsonObject(buffer.slice(pos + 4, pos + 4 + length));
    return new DeviceEvent(
        json.getString("device_id"),
        json.getString("name"),
        json.getString("data"),
        json.getLong("published_at"),
        json.getInteger("ttl"),
        json.getBoolean("public"));
  }

  @Override
  public DeviceEvent transform(DeviceEvent event) {
    return event;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }
}
