package io.drover.hub.support;

import io.drover.gateway.contract.BusAddresses;
import io.drover.gateway.contract.DeviceEvent;
import io.drover.gateway.contract.DeviceEventCodec;
import io.drover.hub.events.EventsVerticle;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Hands a node's events verticle a run of events that it takes in one turn of its loop, whatever the
 * machine's speed: they are sent from its own context (a bus interceptor run there as it receives a
 * trigger event), so they are all queued there before it has run the trigger's follow-up tasks.
 */
public final class OneTurnEvents {

  private OneTurnEvents() {
  }

  /**
   * Sends {@code events}, in order, as {@code ownerId}'s (published through the API), once the events
   * verticle of the node of {@code bus} receives a trigger, which this sends too: a cloud event that only
   * administrators' streams see ({@code trigger}).
   *
   * @return the context they were sent from, to check that it was an event loop's
   */
  public static Context send(EventBus bus, long ownerId, List<DeviceEvent> events) throws InterruptedException {
    AtomicBoolean fired = new AtomicBoolean();
    AtomicReference<Context> from = new AtomicReference<>();
    // this node's events verticle, not another hub node's of the cluster
    DeliveryOptions asOwner = new DeliveryOptions().setCodecName(DeviceEventCodec.NAME).setLocalOnly(true)
        .addHeader(EventsVerticle.OWNER_HEADER, Long.toString(ownerId));
    bus.addInboundInterceptor(delivery -> {
      if (BusAddresses.PUBLISH_EVENT.equals(delivery.message().address())
          && delivery.message().body() instanceof DeviceEvent event && "trigger".equals(event.name()) && fired.compareAndSet(false, true)) {
        from.set(Vertx.currentContext());
        for (DeviceEvent each : events) {
          bus.send(BusAddresses.PUBLISH_EVENT, each, asOwner);
        }
      }
      delivery.next();
    });
    bus.send(BusAddresses.PUBLISH_EVENT, new DeviceEvent(DeviceEvent.CLOUD_PUBLISHER, "trigger", null, System.currentTimeMillis(), 60, false),
        new DeliveryOptions().setCodecName(DeviceEventCodec.NAME).setLocalOnly(true).addHeader(EventsVerticle.CLOUD_MADE_HEADER, "true"));
    TestNode.eventually(java.time.Duration.ofSeconds(10), () -> from.get() != null, "the events verticle received the trigger");
    return from.get();
  }
}
