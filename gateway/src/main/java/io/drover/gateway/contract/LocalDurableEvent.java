package io.drover.gateway.contract;

import io.vertx.core.Completable;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;

/**
 * A durable event handed to the hub of this node ({@link BusAddresses#PUBLISH_EVENT}, local only, with
 * {@link Codec}), answered through {@code written} instead of a bus reply: the hub completes it once the event is committed, or fails it with the
 * {@code ReplyException} a bus request would have got (a {@code RECIPIENT_FAILURE} with the refusal's
 * {@link DeviceFailure.Kind#busCode()}). A bus request registers a reply handler under an address of its
 * own and a timer per event; this costs neither (the sender keeps the deadline, see {@code HubClient}).
 * It never crosses the cluster: a gateway whose hub is elsewhere asks by bus request.
 *
 * @param written completed on the hub's context, at most once
 */
public record LocalDurableEvent(DeviceEvent event, Completable<Void> written) {

  /** Passes the record itself to the consumer on this node; it has no wire form. */
  public static final class Codec implements MessageCodec<LocalDurableEvent, LocalDurableEvent> {

    public static final String NAME = "drover.local-durable-event";

    @Override
    public void encodeToWire(Buffer buffer, LocalDurableEvent event) {
      throw new UnsupportedOperationException("a local durable event is never sent across the cluster");
    }

    @Override
    public LocalDurableEvent decodeFromWire(int pos, Buffer buffer) {
      throw new UnsupportedOperationException("a local durable event is never sent across the cluster");
    }

    @Override
    public LocalDurableEvent transform(LocalDurableEvent event) {
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
}
