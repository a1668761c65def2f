package io.drover.hub.events;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.drover.hub.support.SseClient;
import io.drover.hub.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stream resumed with Last-Event-ID on a node that has just restarted, before the node took any
 * event, gets what was stored before the restart: a client reconnecting after an upgrade misses nothing.
 */
@ExtendWith(VertxExtension.class)
class RestartedNodeStreamsTest {

  private static final Duration WAIT = Duration.ofSeconds(15);

  @Test
  void aStreamResumedRightAfterARestartReplaysTheEventsStoredBeforeIt(Vertx vertx, @TempDir Path dataDir) throws Exception {
    String owner;
    String firstId;
    try (TestNode node = TestNode.startEmbedded(dataDir)) {
      owner = node.signUpAndLogIn("owner@example.com", "owner's password");
      for (String name : List.of("one", "two", "three")) {
        assertEquals(200, node.post("/v1/devices/events", new JsonObject().put("name", name).put("data", "x").encode(), owner).statusCode());
      }
      TestNode.eventually(WAIT, () -> "3".equals(stored(node)), "the three events stored");
      firstId = node.query("SELECT id FROM events WHERE name = 'one'");
    }

    try (TestNode node = TestNode.startEmbedded(dataDir);
         SseClient resumed = SseClient.open(vertx, node.httpPort(), "/v1/devices/events", owner, firstId)) {
      resumed.awaitEvent(e -> "three".equals(e.name()), WAIT);
      assertEquals(List.of("two", "three"), resumed.events().stream().map(SseClient.Event::name).toList());
    }
  }

  private static String stored(TestNode node) {
    try {
      return node.query("SELECT count(*) FROM events WHERE name IN ('one', 'two', 'three')");
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
