package io.drover.hub.events;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;
import java.util.ArrayList;
import java.util.List;

/**
 * Passes {@link LiveEvents} between a node's verticles without a copy; over the wire, the count of
 * events, then each as {@link LiveEventCodec} writes it, prefixed by its length.
 */
public final class LiveEventsCodec implements MessageCodec<LiveEvents, LiveEvents> {

  public static final String NAME = "drover.live-events";
  private final LiveEventCodec event = new LiveEventCodec();

  @Override
  public void encodeToWire(Buffer buffer, LiveEvents batch) {
    List<LiveEvent> events = batch.events();
    buffer.appendInt(events.size());
    for (LiveEvent live : events) {
      int start = buffer.length();
      buffer.appendInt(0);
      event.encodeToWire(buffer, live);
      buffer.setInt(start, buffer.length() - start - 4);
    }
  }

  @Override
  public LiveEvents decodeFromWire(int pos, Buffer buffer) {
    int count = buffer.getInt(pos);
    List<LiveEvent> events = new ArrayList<>(count);
    int at = pos + 4;
    for (int i = 0; i < count; i++) {
      int length = buffer.getInt(at);
      events.add(event.decodeFromWire(at + 4, buffer));
      at += 4 + length;
    }
    return new LiveEvents(events);
  }

  @Override
  public LiveEvents transform(LiveEvents batch) {
    return batch;
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
