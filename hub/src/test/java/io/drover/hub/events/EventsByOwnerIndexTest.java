package io.drover.hub.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.support.TestDevice;
import io.drover.hub.support.TestNode;
import io.drover.hub.support.TestNode.DeviceIdentity;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * events_by_owner holds the events that have an owner, and nothing for those of a device without one
 * (the spark/status of every connect and disconnect of an unclaimed device): one B-tree insert less per
 * such row. An account's history, which reads it, is unchanged.
 */
@ExtendWith(VertxExtension.class)
class EventsByOwnerIndexTest {

  private static final Duration WAIT = Duration.ofSeconds(10);

  @Test
  void theOwnerIndexHoldsOwnedEventsOnlyAndTheOwnersHistoryIsUnchanged(Vertx vertx) throws Exception {
    try (TestNode node = TestNode.start()) {
      // given an account's own event and an unclaimed device's connect and disconnect
      String owner = node.signUpAndLogIn("owner@example.com", "owner's password");
      assertEquals(200, node.post("/v1/devices/events", new JsonObject().put("name", "owned").put("data", "x").encode(), owner).statusCode());
      DeviceIdentity unclaimed = node.provisionDevice();
      TestDevice device = TestDevice.connect(vertx, node.mqttPort(), unclaimed.id(), unclaimed.secret()).await(10, TimeUnit.SECONDS);
      TestNode.eventually(WAIT, () -> count(node, unclaimed.id(), "online") == 1, "the online status stored");
      device.disconnect();
      TestNode.eventually(WAIT, () -> count(node, unclaimed.id(), "offline") == 1, "the offline status stored");
      TestNode.eventually(WAIT, () -> count(node, "api", null) == 1, "the account's event stored");

      // then the index has an entry for each owned event and none for the device's
      long owned = Long.parseLong(node.query("SELECT count(*) FROM events WHERE owner_id IS NOT NULL"));
      long unowned = Long.parseLong(node.query("SELECT count(*) FROM events WHERE owner_id IS NULL"));
      assertTrue(owned >= 1 && unowned >= 2, "owned " + owned + ", unowned " + unowned);
      assertEquals(owned, ownerIndexEntries(node), "entries in events_by_owner's partitions");

      // and the account's history reads as before
      JsonObject history = new JsonObject(node.get("/v1/history/events", owner).body());
      assertEquals(1, history.getJsonArray("events").size(), history.encode());
      assertEquals("owned", history.getJsonArray("events").getJsonObject(0).getString("name"));
    }
  }

  private static long count(TestNode node, String deviceId, String data) {
    try {
      return Long.parseLong(node.query("SELECT count(*) FROM events WHERE device_id = '" + deviceId + "'"
          + (data == null ? "" : " AND name = 'spark/status' AND data = '" + data + "'")));
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The live items of the leaf pages of every partition's events_by_owner, read with pageinspect. */
  private static long ownerIndexEntries(TestNode node) throws Exception {
    try (Connection connection = node.node().database().jdbcConnection(); Statement statement = connection.createStatement()) {
      statement.execute("CREATE EXTENSION IF NOT EXISTS pageinspect");
      try (ResultSet row = statement.executeQuery("""
          SELECT coalesce(sum(s.live_items), 0)
          FROM pg_inherits i,
               LATERAL generate_series(1, pg_relation_size(i.inhrelid) / current_setting('block_size')::int - 1) AS b,
               LATERAL bt_page_stats(i.inhrelid::regclass::text, b) AS s
          WHERE i.inhparent = 'events_by_owner'::regclass AND s.type = 'l'""")) {
        row.next();
        return row.getLong(1);
      }
    }
  }
}
