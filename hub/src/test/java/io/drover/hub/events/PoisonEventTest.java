package io.drover.hub.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.gateway.contract.BusAddresses;
import io.drover.gateway.contract.DeviceEvent;
import io.drover.gateway.contract.DeviceEventCodec;
import io.drover.hub.support.TestNode;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * An event the database refuses (here: data with U+0000, sent on the bus past the edges that refuse
 * it) must not hold up the events queued with it: it is dropped and counted, they are written.
 */
class PoisonEventTest {

  @Test
  void anEventTheDatabaseRefusesIsDroppedAndTheRestOfItsBatchIsWritten() throws Exception {
    try (TestNode node = TestNode.start("--events.flush-interval-ms=200")) {
      DeliveryOptions options = new DeliveryOptions().setCodecName(DeviceEventCodec.NAME);
      List<Future<Object>> answers = new ArrayList<>();
      long now = System.currentTimeMillis();
      for (int i = 0; i < 10; i++) {
        String data = i == 4 ? "poi\u0000son" : "fine-" + i;
        answers.add(node.eventBus().request(BusAddresses.PUBLISH_EVENT,
            new DeviceEvent("0123456789abcdef01234567", "batch", data, now, 60, false), options).map(reply -> null));
      }

      int refused = 0;
      for (Future<Object> answer : answers) {
        try {
          answer.await(20, TimeUnit.SECONDS);
        } catch (Exception e) {
          refused++;
        }
      }

      assertEquals(1, refused, "only the poisoned event is refused to its publisher");
      assertEquals(9, node.countEvents("0123456789abcdef01234567", "batch"));
      assertEquals(1, node.metric("drover_events_dropped_total{reason=\"refused_by_database\"}"));
      assertTrue(node.metric("drover_events_write_failures_total") == 0, "no blind retries of a batch that cannot succeed");
    }
  }
}
