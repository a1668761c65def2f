package io.drover.hub.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.gateway.contract.BusAddresses;
import io.drover.gateway.contract.DeviceEvent;
import io.drover.gateway.contract.DeviceEventCodec;
import io.drover.hub.support.RawHttp;
import io.drover.hub.support.SseClient;
import io.drover.hub.support.TestNode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A stream resumed from {@code Last-Event-ID: 0} over thousands of stored events: a reader that does
 * not read makes the node hold about its write queue (1 MiB), not the whole replay (about 9 MB here),
 * and is cut once it has not read for a keep-alive interval (1 s here); a reader that reads gets every
 * event, in order, then the live ones.
 */
@ExtendWith(VertxExtension.class)
class ResumeBackPressureTest {

  private static final int EVENTS = 8_000;
  private static final String DATA = "d".repeat(1000);
  private static final Duration WITHIN = Duration.ofSeconds(60);
  private static TestNode node;
  private static String owner;
  private static String ownerId;

  @BeforeAll
  static void startNode() throws Exception {
    node = TestNode.start("--events.stream-keepalive-seconds=1");
    owner = node.signUpAndLogIn("backlog@example.com", "a long backlog");
    ownerId = node.query("SELECT id FROM users WHERE username = 'backlog@example.com'");
    // as the API publishes them, a thousand at a time (the event ids come in blocks)
    DeliveryOptions asOwner = new DeliveryOptions().setCodecName(DeviceEventCodec.NAME).addHeader(EventsVerticle.OWNER_HEADER, ownerId);
    for (int sent = 0; sent < EVENTS; sent += 1000) {
      List<Future<?>> accepted = new ArrayList<>();
      for (int i = 0; i < 1000; i++) {
        accepted.add(node.eventBus().request(BusAddresses.PUBLISH_EVENT,
            new DeviceEvent(DeviceEvent.CLOUD_PUBLISHER, "bulk", DATA, System.currentTimeMillis(), DeviceEvent.DEFAULT_TTL, false), asOwner));
      }
      Future.all(accepted).await(60, TimeUnit.SECONDS);
    }
  }

  @AfterAll
  static void stopNode() {
    node.close();
  }

  @Test
  void aReaderThatDoesNotReadIsHeldToItsWriteQueueThenCut() throws Exception {
    double cutBefore = node.metric("drover_streams_cut_total");
    double most = 0;
    // a small receive window, so that the kernel's buffers do not take the replay in the reader's stead
    try (RawHttp stalled = RawHttp.connect(node.httpPort(), 4096)) {
      stalled.send("GET /v1/devices/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + owner + "\r\nLast-Event-ID: 0\r\n\r\n");
      long deadline = System.nanoTime() + WITHIN.toNanos();
      while (node.metric("drover_streams_cut_total") <= cutBefore) {
        assertTrue(System.nanoTime() < deadline, "the stream of a reader that does not read was not cut within " + WITHIN);
        most = Math.max(most, node.metric("drover_streams_queued_bytes"));
        Thread.sleep(50);
      }
    }

    assertTrue(most >= 256 * 1024, "the stalled stream's queue filled (the gauge measures it): at most " + most + " bytes were seen");
    assertTrue(most <= 2 * 1024 * 1024, "the node held " + most + " bytes for a reader that does not read");
    TestNode.eventually(Duration.ofSeconds(15), () -> metric("drover_streams_queued_bytes") == 0, "the cut stream's bytes let go");
  }

  /**
   * Live events to a reader that does not read: the frames that queue up while the node fans a burst
   * out go to the stream in writes of several frames, and those writes are bounded by the same write
   * queue: the stream is cut when it is full, and the node holds about that much, not the burst.
   */
  @Test
  void aLiveReaderThatDoesNotReadIsCutWhenItsQueueIsFull() throws Exception {
    double cutBefore = node.metric("drover_streams_cut_total");
    double most = 0;
    DeliveryOptions asOwner = new DeliveryOptions().setCodecName(DeviceEventCodec.NAME).addHeader(EventsVerticle.OWNER_HEADER, ownerId);
    try (RawHttp stalled = RawHttp.connect(node.httpPort(), 4096)) {
      stalled.send("GET /v1/devices/events/flood HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + owner + "\r\n\r\n");
      TestNode.eventually(WITHIN, () -> metric("drover_streams_open") >= 1, "the stream is open");
      long deadline = System.nanoTime() + WITHIN.toNanos();
      while (node.metric("drover_streams_cut_total") <= cutBefore) {
        assertTrue(System.nanoTime() < deadline, "the live stream of a reader that does not read was not cut within " + WITHIN);
        List<Future<?>> accepted = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
          accepted.add(node.eventBus().request(BusAddresses.PUBLISH_EVENT,
              new DeviceEvent(DeviceEvent.CLOUD_PUBLISHER, "flood", DATA, System.currentTimeMillis(), DeviceEvent.DEFAULT_TTL, false), asOwner));
        }
        Future.all(accepted).await(60, TimeUnit.SECONDS);
        most = Math.max(most, node.metric("drover_streams_queued_bytes"));
      }
    }

    assertTrue(most <= 2 * 1024 * 1024, "the node held " + most + " bytes for a live reader that does not read");
    TestNode.eventually(Duration.ofSeconds(15), () -> metric("drover_streams_queued_bytes") == 0, "the cut stream's bytes let go");
  }

  @Test
  void aReaderThatReadsGetsEveryEventInOrderThenLiveOnes(Vertx vertx) throws Exception {
    try (SseClient stream = SseClient.open(vertx, node.httpPort(), "/v1/devices/events/bulk", owner, "0")) {
      TestNode.eventually(WITHIN, () -> stream.events().size() >= EVENTS, "the replay of " + EVENTS + " events");
      assertEquals(200, node.post("/v1/devices/events", new JsonObject().put("name", "bulk-live").put("data", "now").encode(), owner)
          .statusCode());
      stream.awaitEvent(e -> "bulk-live".equals(e.name()), WITHIN);

      List<SseClient.Event> events = stream.events();
      assertEquals(EVENTS + 1, events.size(), "each event once");
      for (int i = 0; i < EVENTS; i++) {
        assertEquals("bulk", events.get(i).name());
        if (i > 0) {
          assertTrue(Long.parseLong(events.get(i).id()) > Long.parseLong(events.get(i - 1).id()), "in order at " + i);
        }
      }
    }
  }

  private static double metric(String series) {
    try {
      return node.metric(series);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
