package io.drover.hub.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.drover.hub.support.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Stored events: paged history for the caller, filtered, and pruned past the retention. */
class EventHistoryTest {

  private static TestNode node;
  private static String owner;
  private static String stranger;

  @BeforeAll
  static void startNode() throws Exception {
    node = TestNode.start("--events.retention-days=1", "--events.retention-check-seconds=1");
    owner = node.signUpAndLogIn("owner@example.com", "owner's password");
    stranger = node.signUpAndLogIn("stranger@example.com", "stranger's password");
    for (String name : List.of("h1", "h2", "h3", "h4", "h5")) {
      HttpResponse<String> published = node.post("/v1/devices/events",
          new JsonObject().put("name", name).put("data", name.equals("h3") ? "{\"level\":3}" : "x").encode(), owner);
      assertEquals(200, published.statusCode());
    }
  }

  @AfterAll
  static void stopNode() {
    node.close();
  }

  @Test
  void historyIsTheCallersNewestFirstAndPagedById() throws Exception {
    JsonObject first = history("?limit=2", owner);
    assertEquals(List.of("h5", "h4"), names(first.getJsonArray("events")));
    JsonObject second = history("?limit=2&before=" + first.getLong("next_before"), owner);
    assertEquals(List.of("h3", "h2"), names(second.getJsonArray("events")));
    JsonObject last = history("?limit=2&before=" + second.getLong("next_before"), owner);
    assertEquals(List.of("h1"), names(last.getJsonArray("events")));
    assertNull(last.getValue("next_before"));
    assertEquals("api", last.getJsonArray("events").getJsonObject(0).getString("coreid"));

    assertEquals(List.of(), names(history("", stranger).getJsonArray("events")), "another account sees none of it");
  }

  @Test
  void historyTakesTheFilterLanguageAndRefusesAMalformedFilter() throws Exception {
    assertEquals(List.of("h3"), names(history("?filter=" + URLEncoder.encode("data:level event:h", StandardCharsets.UTF_8), owner)
        .getJsonArray("events")));
    HttpResponse<String> refused = node.get("/v1/history/events?filter=event:", owner);
    assertEquals(400, refused.statusCode());
    assertEquals("invalid_filter", new JsonObject(refused.body()).getString("error"));
  }

  @Test
  void eventsPastTheRetentionArePruned() throws Exception {
    node.execute("""
        INSERT INTO events (device_id, name, data, published_at, ttl, public, owner_id)
        VALUES ('api', 'ancient', 'x', now() - interval '3 days', 60, false, NULL),
               ('api', 'recent', 'x', now() - interval '23 hours', 60, false, NULL)""");

    TestNode.eventually(Duration.ofSeconds(10), () -> count("ancient") == 0, "the old event deleted");
    assertEquals(1, count("recent"));
  }

  @Test
  void eventCountsPerTenantAreKeptNinetyDaysWhateverTheRetention() throws Exception {
    node.execute("""
        INSERT INTO event_tenant_days (scope, tenant_id, day, accepted)
        VALUES ('account', 900, (now() AT TIME ZONE 'UTC')::date - 91, 1),
               ('account', 900, (now() AT TIME ZONE 'UTC')::date - 89, 1)""");

    TestNode.eventually(Duration.ofSeconds(10), () -> countDays() == 1, "the counts older than 90 days deleted");
    assertEquals("89", node.query("SELECT (now() AT TIME ZONE 'UTC')::date - day FROM event_tenant_days WHERE tenant_id = 900"));
  }

  private static long countDays() {
    try {
      return Long.parseLong(node.query("SELECT count(*) FROM event_tenant_days WHERE tenant_id = 900"));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static long count(String name) {
    try {
      return node.countEvents("api", name);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static JsonObject history(String query, String token) throws Exception {
    HttpResponse<String> response = node.get("/v1/history/events" + query, token);
    assertEquals(200, response.statusCode(), response.body());
    return new JsonObject(response.body());
  }

  private static List<String> names(JsonArray events) {
    return events.stream().map(e -> ((JsonObject) e).getString("name")).toList();
  }
}
