package io.drover.hub.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.gateway.contract.BusAddresses;
import io.drover.gateway.contract.DeviceEvent;
import io.drover.gateway.contract.DeviceFailure;
import io.drover.gateway.contract.LocalDurableEvent;
import io.drover.hub.support.TestNode;
import io.drover.hub.support.TestNode.DeviceIdentity;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A gateway on the hub's node hands a durable event over as a {@link LocalDurableEvent}: the hub answers
 * through its completion what it answers a bus request, once the event is committed, and a refusal as the
 * same {@code RECIPIENT_FAILURE} with the refusal's bus code.
 */
class LocalDurableEventTest {

  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true).setCodecName(LocalDurableEvent.Codec.NAME);

  private static CompletableFuture<Void> handOver(TestNode node, DeviceIdentity device, String name) {
    CompletableFuture<Void> written = new CompletableFuture<>();
    DeviceEvent event = new DeviceEvent(device.id(), name, "data", System.currentTimeMillis(), DeviceEvent.DEFAULT_TTL, false);
    node.eventBus().send(BusAddresses.PUBLISH_EVENT, new LocalDurableEvent(event, (ignored, failure) -> {
      if (failure == null) {
        written.complete(null);
      } else {
        written.completeExceptionally(failure);
      }
    }), LOCAL);
    return written;
  }

  @Test
  void aHandedOverEventIsAnsweredOnceCommitted() throws Exception {
    try (TestNode node = TestNode.start()) {
      DeviceIdentity device = node.provisionDevice();
      CompletableFuture<Void> written;
      try (Connection lock = node.node().database().jdbcConnection()) {
        // the writer's INSERT waits behind this lock: no answer before the commit
        lock.setAutoCommit(false);
        lock.createStatement().execute("LOCK TABLE events IN SHARE ROW EXCLUSIVE MODE");
        written = handOver(node, device, "handed-over");
        Thread.sleep(500);
        assertTrue(!written.isDone(), "answered before the event was written");
        lock.rollback();
      }
      written.get(10, TimeUnit.SECONDS);
      assertEquals(1, node.countEvents(device.id(), "handed-over"), "answered once stored");
    }
  }

  @Test
  void aRefusalFailsTheHandOverAsItFailsABusRequest() throws Exception {
    try (TestNode node = TestNode.start("--events.queue-capacity=10", "--events.batch-size=1")) {
      DeviceIdentity device = node.provisionDevice();
      try (Connection lock = node.node().database().jdbcConnection()) {
        lock.setAutoCommit(false);
        lock.createStatement().execute("LOCK TABLE events IN SHARE ROW EXCLUSIVE MODE");
        List<CompletableFuture<Void>> events = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
          events.add(handOver(node, device, "flood"));
        }
        TestNode.eventually(Duration.ofSeconds(10), () -> events.stream().filter(CompletableFuture::isCompletedExceptionally).count() >= 15,
            "the events past the queue refused");
        CompletableFuture<Void> refused = events.stream().filter(CompletableFuture::isCompletedExceptionally).findFirst().orElseThrow();
        Throwable cause = assertInstanceOf(Throwable.class, refused.handle((done, failure) -> failure).get());
        ReplyException reply = assertInstanceOf(ReplyException.class, cause);
        assertEquals(ReplyFailure.RECIPIENT_FAILURE, reply.failureType());
        assertEquals(DeviceFailure.Kind.OVERLOADED, DeviceFailure.from(reply).kind());
        lock.rollback();
      }
    }
  }
}
