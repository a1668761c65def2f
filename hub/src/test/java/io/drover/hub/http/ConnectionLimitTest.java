package io.drover.hub.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.support.RawHttp;
import io.drover.hub.support.TestNode;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Past http.max-connections (6 here) a new connection is closed at once, counted; once some go, new ones
 * are served again. The node runs four API instances, which take the connections in turn: the limit is
 * the node's, not each instance's.
 */
class ConnectionLimitTest {

  private static final int LIMIT = 6;
  private static TestNode node;

  @BeforeAll
  static void startNode() throws Exception {
    node = TestNode.start("--http.max-connections=" + LIMIT, "--http.instances=4");
  }

  @AfterAll
  static void stopNode() {
    node.close();
  }

  @Test
  void connectionsPastTheLimitAreClosedAtOnceAndTheRestAreServed() throws Exception {
    List<RawHttp> held = new ArrayList<>();
    int served = 0;
    int refused = 0;
    try {
      for (int i = 0; i < LIMIT + 4; i++) {
        RawHttp client = RawHttp.connect(node.httpPort());
        held.add(client);
        if (answers(client)) {
          served++;
        } else {
          refused++;
        }
      }
    } finally {
      for (RawHttp client : held) {
        client.close();
      }
    }

    assertEquals(LIMIT, served, "as many connections as the limit are served, and kept");
    assertEquals(4, refused, "the rest are closed without an answer");
    // the held connections' closes reach the node soon: then it serves again
    TestNode.eventually(Duration.ofSeconds(15), () -> {
      try {
        return node.get("/health/live", null).statusCode() == 200;
      } catch (IOException e) {
        return false;
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    }, "a new connection served once the others have gone");
    assertTrue(node.metric("drover_http_connections_refused_total") >= 4, "the refusals are counted");
  }

  /** A keep-alive request on the connection: true when it is answered (and the connection stays open), false when the node closes it. */
  private static boolean answers(RawHttp client) throws IOException {
    try {
      client.send("GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
      return client.readResponse().status() == 200;
    } catch (IOException closed) {
      return false;
    }
  }
}
