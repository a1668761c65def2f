package io.drover.hub.events;

import io.drover.gateway.contract.DeviceEvent;
import io.drover.gateway.contract.DeviceEventCodec;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;

/** Passes {@link LiveEvent}s between a node's verticles without a copy; over the wire, the id, the owner, the product and the event. */
public final class LiveEventCodec implements MessageCodec<LiveEvent, LiveEvent> {

  public static final String NAME = "drover.live-event";
  private final DeviceEventCodec events = new DeviceEventCodec();

  @Override
  public void encodeToWire(Buffer buffer, LiveEvent live) {
    buffer.appendLong(live.id());
    buffer.appendLong(live.ownerId() == null ? -1 : live.ownerId());
    buffer.appendInt(live.productId() == null ? -1 : live.productId());
    events.encodeToWire(buffer, live.event());
  }

  @Override
  public LiveEvent decodeFromWire(int pos, Buffer buffer) {
    long id = buffer.getLong(pos);
    long owner = buffer.getLong(pos + 8);
    int product = buffer.getInt(pos + 16);
    DeviceEvent event = events.decodeFromWire(pos + 20, buffer);
    return new LiveEvent(id, event, owner < 0 ? null : owner, product < 0 ? null : product);
  }

  @Override
  public LiveEvent transform(LiveEvent live) {
    return live;
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
