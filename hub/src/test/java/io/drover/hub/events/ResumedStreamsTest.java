package io.drover.hub.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.support.SseClient;
import io.drover.hub.support.TestDevice;
import io.drover.hub.support.TestNode;
import io.drover.hub.support.TestNode.DeviceIdentity;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** SSE ids are the events' row ids, and a stream reopened with Last-Event-ID misses nothing. */
@ExtendWith(VertxExtension.class)
class ResumedStreamsTest {

  private static final Duration WAIT = Duration.ofSeconds(15);
  private static TestNode node;
  private static String owner;

  @BeforeAll
  static void startNode() throws Exception {
    // a device here is only a fast source of events: past its quota of events it would be refused
    node = TestNode.start("--devices.events-per-second=100000", "--devices.events-burst=100000");
    owner = node.signUpAndLogIn("owner@example.com", "owner's password");
  }

  @AfterAll
  static void stopNode() {
    node.close();
  }

  @Test
  void aStreamReopenedWithLastEventIdGetsWhatItMissedThenLiveEvents(Vertx vertx) throws Exception {
    List<String> ids = new ArrayList<>();
    try (SseClient first = SseClient.open(vertx, node.httpPort(), "/v1/devices/events", owner)) {
      publish("one");
      publish("two");
      first.awaitEvent(e -> "two".equals(e.name()), WAIT);
      first.events().forEach(e -> ids.add(e.id()));
    }
    assertEquals(2, ids.size());
    assertTrue(Long.parseLong(ids.get(1)) > Long.parseLong(ids.get(0)), "ids grow: " + ids);
    assertEquals(ids.get(0), node.query("SELECT id FROM events WHERE name = 'one'"), "the SSE id is the row id");
    publish("three");
    publish("four");

    try (SseClient resumed = SseClient.open(vertx, node.httpPort(), "/v1/devices/events", owner, ids.get(0))) {
      resumed.awaitEvent(e -> "four".equals(e.name()), WAIT);
      publish("five");
      resumed.awaitEvent(e -> "five".equals(e.name()), WAIT);
      assertEquals(List.of("two", "three", "four", "five"), resumed.events().stream().map(SseClient.Event::name).toList());
    }
  }

  @Test
  void aClientThatDropsWhileADevicePublishesFastResumesWithoutAGap(Vertx vertx) throws Exception {
    DeviceIdentity identity = node.provisionDevice();
    node.claim(identity.id(), owner);
    int total = 400;
    try (TestDevice device = TestDevice.connect(vertx, node.mqttPort(), identity.id(), identity.secret()).await(10, TimeUnit.SECONDS)) {
      String path = "/v1/devices/" + identity.id() + "/events/count";
      Set<Integer> seen = new TreeSet<>();
      SseClient first = SseClient.open(vertx, node.httpPort(), path, owner);
      Thread publisher = new Thread(() -> {
        try {
          for (int i = 0; i < total; i++) {
            device.publish("count", String.valueOf(i));
            if (i % 20 == 0) {
              Thread.sleep(5);
            }
          }
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      publisher.start();
      TestNode.eventually(WAIT, () -> first.events().size() >= 50, "some events before the drop");
      first.close();
      List<SseClient.Event> before = List.copyOf(first.events());
      before.forEach(e -> seen.add(Integer.parseInt(e.data().getString("data"))));

      try (SseClient resumed = SseClient.open(vertx, node.httpPort(), path, owner, before.get(before.size() - 1).id())) {
        resumed.awaitEvent(e -> String.valueOf(total - 1).equals(e.data().getString("data")), WAIT);
        publisher.join();
        resumed.events().forEach(e -> seen.add(Integer.parseInt(e.data().getString("data"))));
      }
      assertEquals(total, seen.size(), "every count arrived on one stream or the other");
    }
  }

  private static void publish(String name) throws Exception {
    assertEquals(200, node.post("/v1/devices/events", new JsonObject().put("name", name).put("data", "x").encode(), owner).statusCode());
  }
}
