package io.drover.hub.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.drover.hub.support.TestNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A body refused from its Content-Length (413) while the client is still writing it: the client must
 * read the answer. Closed at once with the client's bytes unread, the connection is reset, and the JDK's
 * client, failing on its write, reports "HTTP/1.1 header parser received no bytes" instead of the 413
 * (OperationsAndErrorsTest, once in a while on a loaded machine; here many times over).
 */
class RefusedBodyLingerTest {

  @Test
  void aClientStillWritingItsBodyReadsThe413() throws Exception {
    try (TestNode node = TestNode.start()) {
      HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
      String body = "{\"big\": \"" + "x".repeat(200 * 1024) + "\"}";
      for (int attempt = 0; attempt < 200; attempt++) {
        HttpResponse<String> answer = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.httpPort() + "/v1/admin/devices"))
            .header("Authorization", "Bearer " + node.adminToken()).header("Content-Type", "application/json")
            .timeout(Duration.ofSeconds(20)).POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(413, answer.statusCode(), "attempt " + attempt + ": " + answer.body());
      }
    }
  }
}
