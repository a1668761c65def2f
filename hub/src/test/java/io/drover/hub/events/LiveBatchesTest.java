package io.drover.hub.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.gateway.contract.DeviceEvent;
import io.drover.hub.HubAddresses;
import io.drover.hub.support.OneTurnEvents;
import io.drover.hub.support.SseClient;
import io.drover.hub.support.TestNode;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The events a node accepts in one turn of its events verticle's loop go to the live streams as one
 * bus message, at most {@link EventsVerticle#MAX_LIVE_BATCH} events a message, and each stream, on
 * whichever API instance, still gets every one of them once and in order.
 */
class LiveBatchesTest {

  private static final Duration WITHIN = Duration.ofSeconds(15);

  @Test
  void eventsAcceptedInOneTurnGoOutInCappedBatchesAndReachEveryStreamOnEveryInstanceInOrder() throws Exception {
    Vertx client = Vertx.vertx();
    List<SseClient> streams = new ArrayList<>();
    try (TestNode node = TestNode.start("--http.instances=3")) {
      String token = node.signUpAndLogIn("batches@example.com", "batches' password 1");
      long owner = Long.parseLong(node.query("SELECT id FROM users WHERE username = 'batches@example.com'"));
      List<Integer> batchSizes = new CopyOnWriteArrayList<>();
      node.eventBus().addOutboundInterceptor(delivery -> {
        if (HubAddresses.LIVE_EVENTS.equals(delivery.message().address()) && delivery.message().body() instanceof LiveEvents batch
            && batch.events().stream().anyMatch(live -> live.event().name().equals("batched"))) {
          batchSizes.add(batch.events().size());
        }
        delivery.next();
      });
      // four streams over three instances: one instance holds two, each instance at least one
      for (int i = 0; i < 4; i++) {
        SseClient stream = SseClient.open(client, node.httpPort(), i % 2 == 0 ? "/v1/devices/events" : "/v1/events", token);
        assertEquals(200, stream.status());
        streams.add(stream);
      }

      // given 300 events (and the trigger) that reach the events verticle in one turn of its loop
      int count = 300;
      List<DeviceEvent> events = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        events.add(new DeviceEvent(DeviceEvent.CLOUD_PUBLISHER, "batched", Integer.toString(i), System.currentTimeMillis(), 60, false));
      }
      Context sentFrom = OneTurnEvents.send(node.eventBus(), owner, events);
      assertTrue(sentFrom != null && sentFrom.isEventLoopContext(), "sent from the events verticle's event loop");
      // and one event after them, in a turn of its own
      assertEquals(200, node.post("/v1/devices/events", "{\"name\":\"batched-end\",\"private\":true}", token).statusCode());

      for (SseClient stream : streams) {
        stream.awaitEvent(event -> event.name().equals("batched-end"), WITHIN);
      }
      // then: one message of the cap, one of the rest (the trigger rides in the first)
      assertEquals(List.of(EventsVerticle.MAX_LIVE_BATCH, count + 1 - EventsVerticle.MAX_LIVE_BATCH), batchSizes,
          "events a message on " + HubAddresses.LIVE_EVENTS);
      List<String> expected = IntStream.range(0, count).mapToObj(Integer::toString).toList();
      for (SseClient stream : streams) {
        List<String> data = stream.events().stream().filter(event -> event.name().equals("batched"))
            .map(event -> event.data().getString("data")).toList();
        assertEquals(expected, data, "each event once, in order, on every stream");
        assertEquals("batched-end", stream.events().get(stream.events().size() - 1).name(), "nothing after the last event");
      }
    } finally {
      streams.forEach(SseClient::close);
      client.close();
    }
  }
}
