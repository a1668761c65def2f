package io.drover.hub.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.support.RawHttp;
import io.drover.hub.support.SseClient;
import io.drover.hub.support.TestNode;
import io.drover.hub.support.TlsClients;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Clients that hold a connection without finishing a request: they are closed within the request
 * timeout (2 s here), while everyone else is served, and a silent event stream outlives the idle
 * timeout (4 s here) on its keep-alives (1 s here).
 */
@ExtendWith(VertxExtension.class)
class SlowClientsTest {

  /** Generous against a loaded machine: the timeouts under test are 2 and 4 seconds. */
  private static final Duration WITHIN = Duration.ofSeconds(15);
  private static TestNode node;
  private static String token;

  @BeforeAll
  static void startNode() throws Exception {
    node = TestNode.start("--http.request-timeout-seconds=2", "--http.idle-timeout-seconds=4", "--events.stream-keepalive-seconds=1");
    token = node.signUpAndLogIn("patient@example.com", "a patient password");
  }

  @AfterAll
  static void stopNode() {
    node.close();
  }

  @Test
  void aConnectionThatSendsNothingIsClosed() throws Exception {
    double before = node.metric("drover_http_timeouts_total{phase=\"headers\"}");
    try (RawHttp silent = RawHttp.connect(node.httpPort())) {
      assertTrue(silent.closedWithin(WITHIN), "the node still holds a connection that sent nothing");
      assertEquals("", silent.received());
    }
    assertTrue(node.metric("drover_http_timeouts_total{phase=\"headers\"}") >= before + 1, "counted");
  }

  @Test
  void aTlsConnectionThatSendsNothingAfterItsHandshakeIsClosed() throws Exception {
    try (RawHttp silent = RawHttp.connectTls(node.httpsPort(), node.caFile())) {
      assertTrue(silent.closedWithin(WITHIN), "the node still holds a TLS connection that sent nothing");
    }
  }

  @Test
  void headersDrippedAByteAtATimeAreCutOffWhileOthersAreServed() throws Exception {
    try (RawHttp slow = RawHttp.connect(node.httpPort())) {
      slow.send("GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n");
      AtomicBoolean stop = new AtomicBoolean();
      Thread drip = new Thread(() -> {
        try {
          // a header line that never ends, a byte every 100 ms: the idle timeout alone never fires
          slow.send("X-Slow: ");
          while (!stop.get()) {
            slow.send("a");
            Thread.sleep(100);
          }
        } catch (IOException | InterruptedException closed) {
          // the node closed it: what this test waits for
        }
      });
      drip.start();
      try {
        assertEquals(200, node.get("/health/live", null).statusCode(), "another client is served meanwhile");
        assertTrue(slow.closedWithin(WITHIN), "the node still holds a connection dripping its headers");
        assertEquals("", slow.received(), "no answer to headers that never completed");
      } finally {
        stop.set(true);
        drip.join(10_000);
      }
    }
  }

  @Test
  void aBodyThatStallsIsAnswered408AndItsConnectionClosed() throws Exception {
    double before = node.metric("drover_http_timeouts_total{phase=\"body\"}");
    try (RawHttp stalled = RawHttp.connect(node.httpPort())) {
      stalled.send("POST /v1/devices/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token
          + "\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"name\":");

      RawHttp.Response response = stalled.readResponse();

      assertEquals(408, response.status(), response.body());
      assertEquals("request_timeout", response.json().getString("error"));
      assertTrue(response.json().getString("error_description").contains("2 s"), response.body());
      assertTrue(stalled.closedWithin(WITHIN), "the connection of a timed-out body is closed");
    }
    assertTrue(node.metric("drover_http_timeouts_total{phase=\"body\"}") >= before + 1, "counted");
  }

  @Test
  void aKeepAliveConnectionServesOneRequestAfterAnother() throws Exception {
    try (RawHttp client = RawHttp.connect(node.httpPort())) {
      for (int i = 0; i < 3; i++) {
        client.send("GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        assertEquals(200, client.readResponse().status());
      }
    }
  }

  @Test
  void anEventStreamOverHttp2OutlivesTheTimeoutsOfItsConnection() throws Exception {
    // curl ends it at --max-time (exit code 28); the node must not have ended it before
    TlsClients.Result stream = TlsClients.run(List.of("curl", "-sS", "-N", "--http2", "--noproxy", "*", "--max-time", "8",
        "--cacert", node.caFile().toString(), "-H", "Authorization: Bearer " + token,
        "https://127.0.0.1:" + node.httpsPort() + "/v1/devices/events"));

    assertEquals(28, stream.exitCode(), "the stream ended before curl's 8 s: " + stream.output());
    assertTrue(stream.output().startsWith(":ok"), stream.output());
  }

  @Test
  void aSilentEventStreamOutlivesTheIdleTimeout(Vertx vertx) throws Exception {
    try (SseClient stream = SseClient.open(vertx, node.httpPort(), "/v1/devices/events", token)) {
      // each keep-alive is an empty line: six of them, a second apart, are longer than the 4 s idle timeout
      TestNode.eventually(WITHIN, () -> stream.lines().stream().filter(String::isEmpty).count() >= 7, "keep-alives past the idle timeout");

      assertEquals(200, node.post("/v1/devices/events", new JsonObject().put("name", "still-there").put("data", "x").encode(), token)
          .statusCode());
      stream.awaitEvent(e -> "still-there".equals(e.name()), WITHIN);
    }
  }
}
