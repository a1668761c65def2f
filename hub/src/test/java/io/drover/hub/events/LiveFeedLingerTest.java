package io.drover.hub.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.drover.gateway.contract.DeviceEvent;
import io.drover.hub.HubAddresses;
import io.drover.hub.support.SseClient;
import io.drover.hub.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The last event stream of a node closes while events pour in: the live feed's consumer must not be
 * unregistered under the events already on their way to it, which Vert.x would discard with a WARN
 * line each (thousands in the ingest benchmark, when its listener closed).
 */
class LiveFeedLingerTest {

  @Test
  void closingTheLastStreamUnderAFloodLogsNoDiscardedEvents() throws Exception {
    ListAppender<ILoggingEvent> vertxConsumers = new ListAppender<>();
    vertxConsumers.start();
    Logger logger = (Logger) LoggerFactory.getLogger("io.vertx.core.eventbus.impl.MessageConsumerImpl");
    logger.addAppender(vertxConsumers);
    Vertx client = Vertx.vertx();
    try (TestNode node = TestNode.start()) {
      String token = node.signUpAndLogIn("linger@example.com", "a long enough password 1");
      long owner = Long.parseLong(node.query("SELECT id FROM users WHERE username = 'linger@example.com'"));
      SseClient stream = SseClient.open(client, node.httpPort(), "/v1/devices/events", token);
      assertEquals(200, stream.status());

      // several threads publish for 3 s, faster than one event loop writes the frames; the stream closes after 1 s
      DeliveryOptions live = new DeliveryOptions().setCodecName(LiveEventCodec.NAME);
      AtomicLong ids = new AtomicLong(1_000_000);
      long until = System.nanoTime() + 3_000_000_000L;
      String data = "x".repeat(100_000);
      List<Thread> flood = new ArrayList<>();
      for (int t = 0; t < 3; t++) {
        Thread publisher = new Thread(() -> {
          while (System.nanoTime() - until < 0) {
            DeviceEvent event = new DeviceEvent("0123456789abcdef01234567", "flood", data, System.currentTimeMillis(), 60, false);
            node.eventBus().publish(HubAddresses.LIVE_EVENTS, new LiveEvent(ids.incrementAndGet(), event, owner, null), live);
          }
        });
        publisher.start();
        flood.add(publisher);
      }
      Thread.sleep(1_000);
      assertTrue(stream.lines().size() > 10, "the stream took events before it closed");
      stream.close();
      for (Thread publisher : flood) {
        publisher.join();
      }
      Thread.sleep(2_000);
      long discarded = vertxConsumers.list.stream().filter(e -> e.getFormattedMessage().startsWith("Discarding message")).count();
      assertEquals(0, discarded, "events discarded by an unregistered consumer, each logged");
    } finally {
      logger.detachAppender(vertxConsumers);
      client.close();
    }
  }
}
