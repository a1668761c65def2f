package io.drover.hub.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.drover.gateway.contract.BusAddresses;
import io.drover.gateway.contract.DeviceEvent;
import io.drover.gateway.contract.DeviceEventCodec;
import io.drover.hub.support.TestNode;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code events.write-form=copy}: batches written by binary COPY store what the INSERT stores, an event
 * the database refuses is still isolated and dropped, and a COPY that fails (here: its connection
 * killed behind the node's back) is written again by INSERT with nothing lost or stored twice.
 */
class EventCopyTest {

  private static final String DEVICE = "0123456789abcdef01234567";
  private static final DeliveryOptions EVENT = new DeliveryOptions().setCodecName(DeviceEventCodec.NAME);

  @Test
  void copiedRowsHoldWhatTheInsertWrites() throws Exception {
    try (TestNode copying = TestNode.start("--events.write-form=copy"); TestNode inserting = TestNode.start()) {
      List<DeviceEvent> events = List.of(
          new DeviceEvent(DEVICE, "same/one", "plain", 1_700_000_000_123L, 60, false),
          new DeviceEvent(DEVICE, "same/two", null, 946_684_799_999L, 3600, true),
          new DeviceEvent(DEVICE, "same/three", "accents é, emoji \uD83C\uDF21, quote \" and \\ and \t", 4_102_444_800_001L, 0, false));
      for (TestNode node : List.of(copying, inserting)) {
        for (DeviceEvent event : events) {
          node.eventBus().request(BusAddresses.PUBLISH_EVENT, event, EVENT).await(20, TimeUnit.SECONDS);
        }
      }
      String row = "SELECT string_agg(concat_ws('|', device_id, name, coalesce(data, '<null>'), "
          + "to_char(published_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'), ttl, public, coalesce(owner_id::text, '-'), "
          + "coalesce(product_id::text, '-')), E'\\n' ORDER BY id) FROM events WHERE name LIKE 'same/%'";
      String copied = copying.query(row);
      assertEquals(inserting.query(row), copied);
      assertEquals(3, copied.lines().count(), copied);
      assertNotEquals("0", copying.query("SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'COPY events%'"),
          "the rows came through the COPY connection");
    }
  }

  @Test
  void anEventTheDatabaseRefusesIsStillDroppedAlone() throws Exception {
    try (TestNode node = TestNode.start("--events.write-form=copy", "--events.flush-interval-ms=200")) {
      List<Future<Object>> answers = publish(node, "batch", 10, 4);
      int refused = 0;
      for (Future<Object> answer : answers) {
        try {
          answer.await(20, TimeUnit.SECONDS);
        } catch (Exception e) {
          refused++;
        }
      }
      assertEquals(1, refused, "only the poisoned event is refused to its publisher");
      assertEquals(9, node.countEvents(DEVICE, "batch"));
      assertEquals(1, node.metric("drover_events_dropped_total{reason=\"refused_by_database\"}"));
    }
  }

  @Test
  void aFailedCopyIsWrittenAgainByInsertAndTheNextGoesByCopyAgain() throws Exception {
    try (TestNode node = TestNode.start("--events.write-form=copy")) {
      for (Future<Object> answer : publish(node, "first", 20, -1)) {
        answer.await(20, TimeUnit.SECONDS);
      }
      String copyBackend = "SELECT string_agg(pid::text, ',') FROM pg_stat_activity WHERE query LIKE 'COPY events%'";
      String before = node.query(copyBackend);
      assertEquals("1", node.query("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE query LIKE 'COPY events%'"));
      TestNode.eventually(Duration.ofSeconds(10), () -> query(node, copyBackend) == null, "the COPY connection is gone");

      for (Future<Object> answer : publish(node, "second", 20, -1)) {
        answer.await(20, TimeUnit.SECONDS);
      }
      assertEquals(20, node.countEvents(DEVICE, "second"));
      assertEquals(1, node.metric("drover_events_write_failures_total"), "the one failed COPY");

      for (Future<Object> answer : publish(node, "third", 20, -1)) {
        answer.await(20, TimeUnit.SECONDS);
      }
      assertEquals(20, node.countEvents(DEVICE, "third"));
      String after = node.query(copyBackend);
      assertNotEquals(null, after, "the next batches went by COPY again, on a new connection");
      assertNotEquals(before, after);
      assertEquals("0", node.query("SELECT count(*) - count(DISTINCT id) FROM events"), "no event stored twice");
    }
  }

  /** {@code count} events named {@code name}; the one at {@code poisoned} (if any) holds U+0000, which no text column takes. */
  private static List<Future<Object>> publish(TestNode node, String name, int count, int poisoned) {
    List<Future<Object>> answers = new ArrayList<>();
    long now = System.currentTimeMillis();
    for (int i = 0; i < count; i++) {
      String data = i == poisoned ? "poi\u0000son" : "fine-" + i;
      answers.add(node.eventBus().request(BusAddresses.PUBLISH_EVENT, new DeviceEvent(DEVICE, name, data, now, 60, false), EVENT)
          .map(reply -> null));
    }
    return answers;
  }

  private static String query(TestNode node, String sql) {
    try {
      return node.query(sql);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
