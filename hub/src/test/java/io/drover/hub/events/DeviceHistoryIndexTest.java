package io.drover.hub.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.support.TestNode;
import io.drover.hub.support.TestNode.DeviceIdentity;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A device's history is read from events_by_device (device_id, id), its rows in id order, however
 * PostgreSQL plans the statement: here every plan is generic (the pool prepares each statement once per
 * connection, and PostgreSQL may plan it so after five runs). A condition the plan cannot see through
 * made it walk the primary key backwards past every newer event of the store; the device's history must
 * read about as many rows as the device has, and answer, order and page as it did. A device's stream's
 * replay, which reads an id range, is planned on the same index.
 */
class DeviceHistoryIndexTest {

  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final int OTHER_EVENTS = 20_000;

  @Test
  void aDevicesHistoryReadsItsOwnRowsByTheDeviceIndexUnderGenericPlans() throws Exception {
    try (TestNode node = TestNode.start()) {
      // given a device of an account and a product with 10 events, older than 20,000 of other devices
      String owner = node.signUpAndLogIn("owner@example.com", "owner's password");
      long ownerId = Long.parseLong(node.query("SELECT id FROM users WHERE username = 'owner@example.com'"));
      int product = Integer.parseInt(node.query("INSERT INTO products (slug, name, platform_id, owner_id) VALUES ('fleet', 'fleet', 12, "
          + ownerId + ") RETURNING id"));
      node.execute("INSERT INTO product_members (product_id, user_id, role, is_owner) VALUES (" + product + ", " + ownerId + ", 'administrator', true)");
      DeviceIdentity device = node.provisionDevice();
      node.claim(device.id(), owner);
      node.execute("""
          INSERT INTO events (device_id, name, data, published_at, ttl, public, owner_id, product_id)
          SELECT '%s', 'few', i::text, now() - interval '1 hour' + i * interval '1 second', 60, false, %d, %d
          FROM generate_series(1, 10) AS i""".formatted(device.id(), ownerId, product));
      node.execute("""
          INSERT INTO events (device_id, name, data, published_at, ttl, public, owner_id, product_id)
          SELECT lpad(to_hex(1 + n %% 100), 24, '0'), 'other', n::text, now() - interval '50 minutes' + n * interval '100 milliseconds', 60,
                 false, %d, %d
          FROM generate_series(1, %d) AS n""".formatted(ownerId, product, OTHER_EVENTS));
      node.execute("ANALYZE events");
      // and every statement planned generically, on the node's open connections too (a reload reaches them)
      node.execute("ALTER SYSTEM SET plan_cache_mode = force_generic_plan");
      node.query("SELECT pg_reload_conf()");

      List<String> histories = List.of("/v1/history/events?device=" + device.id(),
          "/v1/products/fleet/history/events?device=" + device.id());
      for (String history : histories) {
        long scansBefore = deviceIndexScans(node);
        long primaryKeyReadBefore = primaryKeyTuplesRead(node);

        // when the device's history is read in pages of 4
        List<String> data = new ArrayList<>();
        JsonObject page = page(node, history + "&limit=4", owner);
        List<Object> nextBefores = new ArrayList<>();
        while (true) {
          JsonArray events = page.getJsonArray("events");
          for (int i = 0; i < events.size(); i++) {
            data.add(events.getJsonObject(i).getString("data"));
          }
          nextBefores.add(page.getValue("next_before"));
          if (page.getValue("next_before") == null) {
            break;
          }
          page = page(node, history + "&limit=4&before=" + page.getLong("next_before"), owner);
        }

        // then the pages hold its 10 events, newest first, 4, 4 and 2
        assertEquals(List.of("10", "9", "8", "7", "6", "5", "4", "3", "2", "1"), data, history);
        assertEquals(3, nextBefores.size(), history + " " + nextBefores);
        // and they were read by the device index, not by walking the primary key past the other events
        TestNode.eventually(WAIT, () -> deviceIndexScans(node) > scansBefore, history + " scans events_by_device");
        long primaryKeyRead = primaryKeyTuplesRead(node) - primaryKeyReadBefore;
        assertTrue(primaryKeyRead < 1000, history + " read " + primaryKeyRead + " index entries of the primary key");
      }

      // and the administrator's bootstrap token, which reads every account's events, gets the same answer
      JsonObject all = page(node, "/v1/history/events?device=" + device.id(), node.adminToken());
      assertEquals(10, all.getJsonArray("events").size(), all.encode());
      assertEquals("10", all.getJsonArray("events").getJsonObject(0).getString("data"));

      // and a device's stream's replay, over the whole id range, is planned on the device index too
      try (Connection connection = node.node().database().jdbcConnection(); Statement statement = connection.createStatement()) {
        statement.execute("SET plan_cache_mode = force_generic_plan");
        statement.execute("PREPARE replay AS " + EventStreamApi.REPLAY_DEVICE);
        statement.execute("PREPARE product_replay AS " + EventStreamApi.REPLAY_PRODUCT_DEVICE);
        for (String execute : List.of("replay(0, 9223372036854775807, " + ownerId + ", NULL, 250, false, '" + device.id() + "')",
            "product_replay(0, 9223372036854775807, " + product + ", NULL, 250, '" + device.id() + "')")) {
          StringBuilder plan = new StringBuilder();
          try (ResultSet lines = statement.executeQuery("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) EXECUTE " + execute)) {
            while (lines.next()) {
              plan.append(lines.getString(1)).append('\n');
            }
          }
          assertTrue(plan.toString().contains("device_id_id_idx") && !plan.toString().contains("pkey"), execute + ":\n" + plan);
          assertTrue(plan.toString().contains("Limit (actual rows=10 "), execute + ":\n" + plan);
        }
      }
    }
  }

  private static JsonObject page(TestNode node, String path, String token) throws Exception {
    HttpResponse<String> response = node.get(path, token);
    assertEquals(200, response.statusCode(), path + ": " + response.body());
    return new JsonObject(response.body());
  }

  /** Scans of events_by_device's partitions, as the node's backends have reported them. */
  private static long deviceIndexScans(TestNode node) {
    return stat(node, "sum(s.idx_scan)", "events_by_device");
  }

  /** Index entries read from the primary key's partitions, as the node's backends have reported them. */
  private static long primaryKeyTuplesRead(TestNode node) {
    return stat(node, "sum(s.idx_tup_read)", "events_pkey");
  }

  private static long stat(TestNode node, String sum, String parentIndex) {
    try {
      return Long.parseLong(node.query("SELECT coalesce(" + sum + ", 0) FROM pg_inherits i JOIN pg_stat_user_indexes s ON s.indexrelid = i.inhrelid"
          + " WHERE i.inhparent = '" + parentIndex + "'::regclass"));
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
