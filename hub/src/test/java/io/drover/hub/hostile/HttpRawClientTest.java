package io.drover.hub.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.drover.hub.hostile.RawHttp.Answer;
import io.drover.hub.support.TestNode;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What the hostile-input suite found on the node's HTTP API, each pinned by an example over a raw
 * socket (the suite itself is {@link HostileHttpTest}).
 */
class HttpRawClientTest {

  private static final Duration DEADLINE = Duration.ofSeconds(10);

  private static TestNode node;

  @BeforeAll
  static void startNode() throws Exception {
    node = TestNode.start();
  }

  @AfterAll
  static void stopNode() {
    node.close();
  }

  /**
   * A request HTTP cannot parse never reaches a route; Vert.x answered it with an empty body. The API
   * answers every error with its error JSON (api.md, "Errors"), these too, and closes the connection.
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "a method with a control character | 400 | bad_request",
      "a request line of 5,000 bytes      | 414 | uri_too_long",
      "a header of 9,000 bytes            | 431 | headers_too_large"})
  void requestHttpCannotParseIsAnsweredWithTheApiErrorJson(String request, int status, String error) throws Exception {
    String head = switch (status) {
      case 400 -> "G\u0001T /v1/devices HTTP/1.1\r\nHost: 127.0.0.1\r\n";
      case 414 -> "GET /v1/devices/" + "a".repeat(5000) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
      default -> "GET /v1/devices HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Huge: " + "h".repeat(9000) + "\r\n";
    };

    Answer answer = RawHttp.exchange(node.httpPort(), (head + "\r\n").getBytes(StandardCharsets.UTF_8), false, DEADLINE);

    assertEquals(status, answer.status(), request);
    assertEquals("application/json", answer.headers().get("content-type"));
    assertEquals(error, new JsonObject(answer.text()).getString("error"));
  }
}
