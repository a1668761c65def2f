package io.drover.hub.events;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.drover.gateway.contract.BusAddresses;
import io.drover.gateway.contract.DeviceEvent;
import io.drover.gateway.contract.DeviceEventCodec;
import io.drover.hub.support.TestNode;
import io.vertx.core.eventbus.DeliveryOptions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A new batch is written without ON CONFLICT; once a write fails, its events are written again with
 * it. The row of a commit whose answer was lost is stood in for by a row put there by hand with the id
 * the node hands out next: the first write of that event fails on the key, the second finds the row
 * and leaves it, and the event is answered as written, neither dropped nor stored twice.
 */
class EventRewriteTest {

  private static final String DEVICE = "0123456789abcdef01234567";
  private static final DeliveryOptions EVENT = new DeliveryOptions().setCodecName(DeviceEventCodec.NAME);

  @Test
  void anEventWhoseRowIsAlreadyThereIsAnsweredAsWrittenAndStoredOnce() throws Exception {
    try (TestNode node = TestNode.start()) {
      long now = System.currentTimeMillis();
      node.eventBus().request(BusAddresses.PUBLISH_EVENT, new DeviceEvent(DEVICE, "before", "one", now, 60, false), EVENT)
          .await(20, TimeUnit.SECONDS);
      long next = Long.parseLong(node.query("SELECT max(id) FROM events WHERE name = 'before'")) + 1;
      // given: the next event's row, committed as if by a write whose answer never came
      node.execute("INSERT INTO events (id, device_id, name, data, published_at, ttl, public) OVERRIDING SYSTEM VALUE "
          + "VALUES (" + next + ", '" + DEVICE + "', 'again', 'two', 'epoch'::timestamptz + interval '1 millisecond' * " + now + ", 60, false)");

      // when: that event comes, with a fine one behind it
      node.eventBus().request(BusAddresses.PUBLISH_EVENT, new DeviceEvent(DEVICE, "again", "two", now, 60, false), EVENT)
          .await(20, TimeUnit.SECONDS);
      node.eventBus().request(BusAddresses.PUBLISH_EVENT, new DeviceEvent(DEVICE, "after", "three", now, 60, false), EVENT)
          .await(20, TimeUnit.SECONDS);

      // then: answered as written (await throws otherwise), stored once, nothing dropped
      assertEquals("1", node.query("SELECT count(*) FROM events WHERE id = " + next));
      assertEquals(1, node.countEvents(DEVICE, "after"));
      assertEquals(0, node.metric("drover_events_dropped_total{reason=\"refused_by_database\"}"));
      assertEquals("0", node.query("SELECT count(*) - count(DISTINCT id) FROM events"), "no event stored twice");
    }
  }
}
