package io.drover.hub.events;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.drover.hub.support.SseClient;
import io.drover.hub.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Concurrent streams per account and stream opens per minute are bounded, with 429 in the API's error
 * shape: per node, over its three API instances, which take the streams' connections in turn.
 */
@ExtendWith(VertxExtension.class)
class StreamLimitsTest {

  private static TestNode node;

  @BeforeAll
  static void startNode() throws Exception {
    node = TestNode.start("--events.max-streams-per-user=2", "--events.stream-opens-per-minute=3", "--http.instances=3");
  }

  @AfterAll
  static void stopNode() {
    node.close();
  }

  @Test
  void aThirdConcurrentStreamAndAFourthOpenInAMinuteAreRefused(Vertx vertx) throws Exception {
    String token = node.signUpAndLogIn("busy@example.com", "busy's password");
    String other = node.signUpAndLogIn("calm@example.com", "calm's password");
    SseClient first = SseClient.open(vertx, node.httpPort(), "/v1/devices/events", token);
    try (SseClient second = SseClient.open(vertx, node.httpPort(), "/v1/events", token)) {
      assertRefused(node.get("/v1/devices/events", token), "Too many event streams open: at most 2 at once");
      try (SseClient someoneElse = SseClient.open(vertx, node.httpPort(), "/v1/devices/events", other)) {
        assertEquals(200, someoneElse.status(), "another account has its own budget");
      }

      first.close();
      TestNode.eventually(Duration.ofSeconds(10), () -> openStreams() == 1, "the closed stream forgotten");
      try (SseClient third = SseClient.open(vertx, node.httpPort(), "/v1/devices/events", token)) {
        assertEquals(200, third.status());
      }
      TestNode.eventually(Duration.ofSeconds(10), () -> openStreams() == 1, "the third stream forgotten");

      assertRefused(node.get("/v1/devices/events", token), "Too many event streams opened: at most 3 a minute");
    }
  }

  private static void assertRefused(HttpResponse<String> response, String description) {
    assertEquals(429, response.statusCode());
    JsonObject error = new JsonObject(response.body());
    assertEquals(false, error.getBoolean("ok"));
    assertEquals("rate_limited", error.getString("error"));
    assertEquals(description, error.getString("error_description"));
  }

  private static double openStreams() {
    try {
      return node.metric("drover_streams_open");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
