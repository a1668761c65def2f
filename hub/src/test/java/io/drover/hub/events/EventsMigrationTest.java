package io.drover.hub.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.support.SseClient;
import io.drover.hub.support.TestNode;
import io.drover.hub.support.TestPostgres;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.net.URI;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A database with events stored before the table was partitioned (V22) is migrated by a node's start:
 * every row kept with its id, the ids going on after the old ones in blocks of the same size, and a
 * stream resumed from an old id.
 */
@ExtendWith(VertxExtension.class)
class EventsMigrationTest {

  private static final Duration WAIT = Duration.ofSeconds(15);

  @Test
  void eventsStoredBeforeThePartitioningAreKeptWithTheirIdsAndResumeByIdWorks(Vertx vertx) throws Exception {
    String url = TestPostgres.newDatabase();
    URI uri = URI.create(url);
    Flyway.configure().dataSource("jdbc:postgresql://" + uri.getHost() + ":" + uri.getPort() + uri.getPath(), "postgres", "")
        .locations("classpath:db/migration").target("22").load().migrate();
    try (Connection connection = TestPostgres.connect(url); Statement statement = connection.createStatement()) {
      // as the hub numbered them: ids from the identity sequence, a block of 10,000 at a time
      statement.execute("""
          INSERT INTO events (device_id, name, data, published_at, ttl, public)
          VALUES ('api', 'old/1', 'a', now() - interval '2 days', 60, false),
                 ('api', 'old/2', 'b', now() - interval '1 day', 60, false),
                 ('api', 'old/3', 'c', now() - interval '1 minute', 60, false),
                 ('api', 'old/past', 'd', '1999-12-31 23:59:59.999+00', 60, false),
                 ('api', 'old/future', 'e', '2100-01-01 00:00:00+00', 60, false)""");
    }
    List<String> before = rows(url);
    assertEquals(5, before.size());

    try (TestNode node = TestNode.startMember(url, List.of("--events.retention-days=36500"))) {
      assertEquals(before, rows(url), "every row kept, with its id");
      assertEquals("events_19991231,events_default",
          node.query("SELECT string_agg(tableoid::regclass::text, ',' ORDER BY id) FROM events WHERE name IN ('old/past', 'old/future')"),
          "a day that had rows has its partition; a day ahead of those made stays in DEFAULT");
      assertEquals("10000", node.query("SELECT increment_by FROM pg_sequences WHERE sequencename = 'events_id_seq'"));

      String token = node.signUpAndLogIn("before@example.com", "before's password");
      node.execute("UPDATE events SET owner_id = (SELECT id FROM users WHERE username = 'before@example.com')");
      String firstId = node.query("SELECT id FROM events WHERE name = 'old/1'");
      // and a new one, taken after the migration, follows them in id order
      assertEquals(200, node.post("/v1/devices/events", new JsonObject().put("name", "new").put("data", "x").encode(), token).statusCode());
      try (SseClient resumed = SseClient.open(vertx, node.httpPort(), "/v1/devices/events", token, firstId)) {
        resumed.awaitEvent(e -> "new".equals(e.name()), WAIT);
        assertEquals(List.of("old/2", "old/3", "old/past", "old/future", "new"), resumed.events().stream().map(SseClient.Event::name).toList(),
            "what followed the old id, in id order, then the new event");
      }
      long newId = Long.parseLong(node.query("SELECT id FROM events WHERE name = 'new'"));
      long oldMax = Long.parseLong(node.query("SELECT max(id) FROM events WHERE name LIKE 'old/%'"));
      assertTrue(newId > oldMax, "new ids go on after the old ones: " + newId + " > " + oldMax);
      assertEquals(6, Long.parseLong(node.query("SELECT count(DISTINCT id) FROM events")));
    }
  }

  /** Each row as id and fields, in id order. */
  private static List<String> rows(String url) throws Exception {
    List<String> rows = new ArrayList<>();
    try (Connection connection = TestPostgres.connect(url); Statement statement = connection.createStatement();
         ResultSet result = statement.executeQuery("""
             SELECT concat_ws('|', id, device_id, name, data, published_at, ttl, public) FROM events ORDER BY id""")) {
      while (result.next()) {
        rows.add(result.getString(1));
      }
    }
    return rows;
  }
}
