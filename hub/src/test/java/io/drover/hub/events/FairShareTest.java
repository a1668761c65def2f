package io.drover.hub.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.gateway.contract.BusAddresses;
import io.drover.gateway.contract.DeviceEvent;
import io.drover.gateway.contract.DeviceEventCodec;
import io.drover.gateway.contract.DeviceFailure;
import io.drover.hub.support.TestNode;
import io.drover.hub.support.TestNode.DeviceIdentity;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * One tenant's flood cannot starve the others of the write queue. The queue holds 100 events and
 * nothing can be written (the events table is locked); account A's device floods it, account B's
 * device then publishes a few. A is refused its share's excess (OVERLOADED, counted as
 * {@code fair_share}, QoS 0 drops too), B gets in. Before the fair share, A filled the whole queue
 * and every event of B was refused as {@code queue_full}. The operator then sees who lost events.
 */
class FairShareTest {

  private static final int CAPACITY = 100;
  private static final int FLOOD = 300;
  private static final int QUIET = 20;

  @Test
  void aTenantFloodingTheWriteQueueIsRefusedItsExcessWhileAnotherTenantStillGetsIn() throws Exception {
    try (TestNode node = TestNode.start("--events.queue-capacity=" + CAPACITY, "--events.batch-size=1", "--quotas.flush-seconds=1")) {
      String tokenA = node.signUpAndLogIn("flooder@example.com", "flooder's password");
      String tokenB = node.signUpAndLogIn("quiet@example.com", "quiet one's password");
      DeviceIdentity deviceA = node.provisionDevice();
      DeviceIdentity deviceB = node.provisionDevice();
      node.claim(deviceA.id(), tokenA);
      node.claim(deviceB.id(), tokenB);
      DeliveryOptions options = new DeliveryOptions().setCodecName(DeviceEventCodec.NAME);
      double fairShareBefore = node.metric("drover_events_dropped_total{reason=\"fair_share\"}");
      List<Future<Object>> quiet;

      try (Connection lock = node.node().database().jdbcConnection()) {
        // the writer's INSERTs wait behind this lock, so the queue only fills
        lock.setAutoCommit(false);
        lock.createStatement().execute("LOCK TABLE events IN SHARE ROW EXCLUSIVE MODE");

        // as the gateway hands over QoS 1 events (a request) and QoS 0 ones (a send)
        List<Future<Object>> flood = publish(node, options, deviceA, FLOOD);
        for (int i = 0; i < 10; i++) {
          node.eventBus().send(BusAddresses.PUBLISH_EVENT, event(deviceA, "flood-qos0", i), options);
        }
        quiet = publish(node, options, deviceB, QUIET);
        // one more of A's, refused at once: every event before it has had its answer when it has
        Future<Object> last = publish(node, options, deviceA, 1).get(0);
        TestNode.eventually(Duration.ofSeconds(10), last::failed, "A's last event refused");

        assertEquals(0, quiet.stream().filter(Future::failed).count(), "B's events are not refused");
        assertEquals(FLOOD - CAPACITY / 2, flood.stream().filter(Future::failed).count(), "A refused all but half the queue");
        for (Future<Object> refused : flood.stream().filter(Future::failed).toList()) {
          DeviceFailure failure = DeviceFailure.from(refused.cause());
          assertEquals(DeviceFailure.Kind.OVERLOADED, failure.kind(), "a refusal the device may retry later");
          assertTrue(failure.getMessage().contains("account"), failure.getMessage());
        }
        TestNode.eventually(Duration.ofSeconds(10),
            () -> metric(node, "drover_events_dropped_total{reason=\"fair_share\"}") == fairShareBefore + FLOOD - CAPACITY / 2 + 10 + 1,
            "A's refusals and QoS 0 drops counted as fair_share");
        assertEquals(0, metric(node, "drover_events_dropped_total{reason=\"queue_full\"}"));
        assertEquals(2, metric(node, "drover_events_write_queue_tenants"), "two tenants share the queue");
        lock.rollback();
      }

      for (Future<Object> answer : quiet) {
        answer.await(20, TimeUnit.SECONDS);
      }
      assertEquals(QUIET, node.countEvents(deviceB.id(), "burst"));
      assertEquals(CAPACITY / 2, node.countEvents(deviceA.id(), "burst"));

      // the operator sees which tenant lost events, and how many
      TestNode.eventually(Duration.ofSeconds(10), () -> lostBy(node, "flooder@example.com") == FLOOD - CAPACITY / 2 + 10 + 1,
          "A's refusals recorded for the day");
      JsonArray tenants = new JsonObject(node.get("/v1/admin/event_usage", node.adminToken()).body()).getJsonArray("tenants");
      JsonObject first = tenants.getJsonObject(0);
      assertEquals("flooder@example.com", first.getString("username"), "the tenant that lost the most events first");
      assertEquals(CAPACITY / 2, first.getLong("accepted"));
      JsonObject own = new JsonObject(node.get("/v1/user/event_usage", tokenB).body());
      assertEquals(0, own.getJsonArray("usage").getJsonObject(0).getLong("refused_overloaded"));
      assertEquals(QUIET, own.getJsonArray("usage").getJsonObject(0).getLong("accepted"));
    }
  }

  private static List<Future<Object>> publish(TestNode node, DeliveryOptions options, DeviceIdentity device, int count) {
    List<Future<Object>> answers = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      answers.add(node.eventBus().request(BusAddresses.PUBLISH_EVENT, event(device, "burst", i), options).map(reply -> null));
    }
    return answers;
  }

  private static DeviceEvent event(DeviceIdentity device, String name, int i) {
    return new DeviceEvent(device.id(), name, Integer.toString(i), System.currentTimeMillis(), 60, false);
  }

  private static double metric(TestNode node, String series) {
    try {
      return node.metric(series);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Events refused to the account today, as the admin route shows them. */
  private static long lostBy(TestNode node, String username) {
    try {
      HttpResponse<String> usage = node.get("/v1/admin/quotas/accounts/" + username, node.adminToken());
      JsonArray days = new JsonObject(usage.body()).getJsonArray("usage");
      return days.isEmpty() ? 0 : days.getJsonObject(0).getLong("refused_overloaded");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
