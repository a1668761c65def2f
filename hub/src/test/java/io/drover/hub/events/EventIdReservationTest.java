package io.drover.hub.events;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.drover.gateway.contract.BusAddresses;
import io.drover.gateway.contract.DeviceEvent;
import io.drover.gateway.contract.DeviceEventCodec;
import io.drover.hub.storage.Database;
import io.drover.hub.storage.DatabaseSettings;
import io.drover.hub.storage.Durability;
import io.drover.hub.support.SseClient;
import io.drover.hub.support.TestNode;
import io.drover.hub.support.TestPostgres;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Event ids are reserved ahead, over a connection of their own: when the write path is stuck, ids keep
 * coming and events keep being accepted. Here the events table is locked by another connection and
 * the node's pool has one connection, which the writer's INSERT holds while it waits for the lock:
 * anything queued on that pool waits too. The sequence hands out blocks of 100 ids (the node reads
 * the block size from the sequence), so a thousand events need block after block while the writer
 * waits. Before the reservations had their own connection, the next block's {@code nextval} queued
 * behind the stuck INSERT and every event past the reserved ids was refused ("no event id free").
 */
@ExtendWith(VertxExtension.class)
class EventIdReservationTest {

  private static final int EVENTS = 1_000;
  private static final String DEVICE = "0123456789abcdef01234567";

  @Test
  void idsKeepComingAndEventsAreAcceptedWhileTheWritePathIsBlocked(Vertx vertx) throws Exception {
    String url = TestPostgres.newDatabase();
    try (Database migrated = Database.open(new DatabaseSettings(url, Files.createTempDirectory("drover-ids"), 0, 1, Durability.DURABLE, true));
         Connection connection = migrated.jdbcConnection()) {
      connection.createStatement().execute("ALTER SEQUENCE events_id_seq INCREMENT BY 100");
    }
    try (TestNode node = TestNode.startMember(url, List.of("--database.pool-size=1", "--events.batch-size=10"));
         SseClient stream = SseClient.open(vertx, node.httpPort(), "/v1/devices/events/blocked", node.adminToken());
         Connection lock = node.node().database().jdbcConnection()) {
      lock.setAutoCommit(false);
      lock.createStatement().execute("LOCK TABLE events IN ACCESS EXCLUSIVE MODE");

      DeliveryOptions options = new DeliveryOptions().setCodecName(DeviceEventCodec.NAME);
      List<Future<Object>> answers = new ArrayList<>();
      for (int i = 0; i < EVENTS; i++) {
        answers.add(node.eventBus().request(BusAddresses.PUBLISH_EVENT,
            new DeviceEvent(DEVICE, "blocked", Integer.toString(i), System.currentTimeMillis(), 60, false), options).map(reply -> null));
      }

      // streamed means accepted, with an id: all of them, while nothing can be written
      TestNode.eventually(Duration.ofSeconds(20), () -> stream.events().size() == EVENTS, "every event accepted while the writer is stuck");
      assertEquals(0, answers.stream().filter(Future::failed).count(), "no event refused");
      assertEquals(0, node.metric("drover_events_dropped_total{reason=\"no_event_id\"}"));
      assertEquals(EVENTS, stream.events().stream().map(SseClient.Event::id).distinct().count(), "every event its own id");

      lock.rollback();
      for (Future<Object> answer : answers) {
        answer.await(30, TimeUnit.SECONDS);
      }
      assertEquals(EVENTS, node.countEvents(DEVICE, "blocked"));
      // the gauge is sampled every second
      TestNode.eventually(Duration.ofSeconds(10), () -> reservedAhead(node) > 0, "ids reserved ahead again");
    }
  }

  private static double reservedAhead(TestNode node) {
    try {
      return node.metric("drover_events_ids_reserved");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
