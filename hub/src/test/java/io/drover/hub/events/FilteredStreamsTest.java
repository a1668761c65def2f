package io.drover.hub.events;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.drover.hub.support.SseClient;
import io.drover.hub.support.TestDevice;
import io.drover.hub.support.TestNode;
import io.drover.hub.support.TestNode.DeviceIdentity;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code ?filter=} on the event streams: the same language as the Logs page, applied by the server. */
@ExtendWith(VertxExtension.class)
class FilteredStreamsTest {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private static TestNode node;
  private static String owner;

  @BeforeAll
  static void startNode() throws Exception {
    node = TestNode.start();
    owner = node.signUpAndLogIn("owner@example.com", "owner's password");
  }

  @AfterAll
  static void stopNode() {
    node.close();
  }

  @Test
  void aFilteredStreamCarriesOnlyMatchingEvents(Vertx vertx) throws Exception {
    try (SseClient sse = SseClient.open(vertx, node.httpPort(), "/v1/devices/events?filter=" + encode("event:temp range:20-30"), owner)) {
      publish("humidity", "25");
      publish("temperature", "35");
      publish("temperature", "25");
      publish("last", "done");

      sse.awaitEvent(e -> "temperature".equals(e.name()), WAIT);
      try (SseClient all = SseClient.open(vertx, node.httpPort(), "/v1/devices/events?filter=" + encode("event:last"), owner)) {
        publish("last", "done");
        all.awaitEvent(e -> "last".equals(e.name()), WAIT);
      }
      assertEquals(List.of("temperature:25"), sse.events().stream().map(e -> e.name() + ":" + e.data().getString("data")).toList());
    }
  }

  @Test
  void aDeviceIsFoundByItsNameOnAFilteredStream(Vertx vertx) throws Exception {
    DeviceIdentity identity = node.provisionDevice();
    node.claim(identity.id(), owner);
    assertEquals(200, node.send("PUT", "/v1/devices/" + identity.id(), new JsonObject().put("name", "boiler-room").encode(), owner).statusCode());
    try (SseClient sse = SseClient.open(vertx, node.httpPort(), "/v1/events?filter=" + encode("device:Boiler-Room"), owner);
         TestDevice device = TestDevice.connect(vertx, node.mqttPort(), identity.id(), identity.secret()).await(10, TimeUnit.SECONDS)) {
      publish("from-the-api", "1");
      device.publish("pressure", "1013");

      SseClient.Event event = sse.awaitEvent(e -> "pressure".equals(e.name()), WAIT);
      assertEquals(identity.id(), event.data().getString("coreid"));
      assertEquals(0, sse.events().stream().filter(e -> "from-the-api".equals(e.name())).count());
    }
  }

  @Test
  void aMalformedFilterIsRefusedWithTheApisErrorBeforeTheStreamOpens() throws Exception {
    HttpResponse<String> refused = node.get("/v1/devices/events?filter=" + encode("range:100-20"), owner);

    assertEquals(400, refused.statusCode());
    JsonObject error = new JsonObject(refused.body());
    assertEquals(false, error.getBoolean("ok"));
    assertEquals("invalid_filter", error.getString("error"));
    assertEquals("range:100-20 is empty: its first number must not be larger than its second", error.getString("error_description"));
  }

  private static void publish(String name, String data) throws Exception {
    HttpResponse<String> published = node.post("/v1/devices/events", new JsonObject().put("name", name).put("data", data).encode(), owner);
    assertEquals(200, published.statusCode(), published.body());
  }

  private static String encode(String filter) {
    return URLEncoder.encode(filter, StandardCharsets.UTF_8);
  }
}
