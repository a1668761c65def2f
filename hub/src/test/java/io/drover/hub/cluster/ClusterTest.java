package io.drover.hub.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.gateway.contract.DeviceEvent;
import io.drover.hub.HubAddresses;
import io.drover.hub.events.EventsVerticle;
import io.drover.hub.events.LiveEvents;
import io.drover.hub.support.OneTurnEvents;
import io.drover.hub.support.SseClient;
import io.drover.hub.support.TestCluster;
import io.drover.hub.support.TestDevice;
import io.drover.hub.support.TestNode;
import io.drover.hub.support.TestNode.DeviceIdentity;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Three nodes in one Hazelcast cluster on loopback, each a Vert.x of its own: A runs hub and gateway,
 * B only a gateway (no database), C only a hub. Devices connect to A and B; people use C.
 */
@ExtendWith(VertxExtension.class)
class ClusterTest {

  private static final Duration WAIT = Duration.ofSeconds(20);

  private static TestCluster cluster;
  private static TestNode a;
  private static TestNode b;
  private static TestNode c;
  private static String alice;
  /** Held open for the whole class: C's stream consumer stays registered (see warmUp). */
  private static SseClient keeper;
  /**
   * The devices' own Vert.x. A device registered through C is refused for a moment by A's hub (index
   * sync), and the MQTT client also reports a refused CONNACK as an unhandled exception on its context:
   * on the test's Vert.x, vertx-junit5 would fail the whole class for a refusal the test retries.
   */
  private static Vertx deviceClients;

  @BeforeAll
  static void startCluster(Vertx vertx) throws Exception {
    deviceClients = Vertx.vertx();
    cluster = TestCluster.of(3);
    a = cluster.start(0, "hub,gateway");
    b = cluster.start(1, "gateway");
    c = cluster.start(2, "hub");
    alice = c.signUpAndLogIn("alice@example.com", "correct horse battery");
    warmUp(vertx);
  }

  /**
   * C's first stream registers C's consumer of live events with the cluster, and the other nodes learn
   * of it a few milliseconds later (operations.md says so): until then an event accepted on A is not
   * sent to C. A stream held open for the whole class, and an event from A seen on it, make every test
   * start after that.
   */
  private static void warmUp(Vertx vertx) throws Exception {
    keeper = SseClient.open(vertx, c.httpPort(), "/v1/devices/events/warm-up", alice);
    DeviceIdentity device = claimedThroughC();
    // registered through C and connected through A at once (A's hub looks up a device it has not heard of)
    try (TestDevice onA = connectThrough(a, device)) {
      TestNode.eventually(WAIT, () -> {
        try {
          onA.publishAcknowledged("e/warm-up", Buffer.buffer("x"));
        } catch (Exception e) {
          return false;
        }
        return !keeper.events().isEmpty();
      }, "an event accepted on A reaches a stream on C");
    }
  }

  @AfterAll
  static void stopCluster() {
    if (keeper != null) {
      keeper.close();
    }
    if (cluster != null) {
      cluster.close();
    }
    if (deviceClients != null) {
      deviceClients.close().await();
    }
  }

  @Test
  void aStreamOnTheHubNodeSeesEventsFromDevicesOnBothGatewayNodes(Vertx vertx) throws Exception {
    // registered and claimed through C: A's hub must have learnt both to authenticate and stamp them
    List<DeviceIdentity> devices = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      devices.add(claimedThroughC());
    }
    try (SseClient stream = SseClient.open(vertx, c.httpPort(), "/v1/devices/events/spread", alice)) {
      List<TestDevice> connected = new ArrayList<>();
      try {
        for (int i = 0; i < devices.size(); i++) {
          TestNode gateway = i % 2 == 0 ? a : b;
          connected.add(connectThrough(gateway, devices.get(i)));
        }
        for (int round = 0; round < 5; round++) {
          for (TestDevice device : connected) {
            device.publishAcknowledged("e/spread", Buffer.buffer("r" + round));
          }
        }
        TestNode.eventually(WAIT, () -> stream.events().size() >= 20, "20 events on C's stream");
        Set<String> seen = new HashSet<>();
        for (SseClient.Event event : stream.events()) {
          seen.add(event.data().getString("coreid") + "/" + event.data().getString("data"));
        }
        for (DeviceIdentity device : devices) {
          for (int round = 0; round < 5; round++) {
            assertTrue(seen.contains(device.id() + "/r" + round), "missing " + device.id() + "/r" + round + " in " + seen);
          }
        }
        assertEquals(20, stream.events().size(), "each event once: " + stream.events());
      } finally {
        for (TestDevice device : connected) {
          device.close();
        }
      }
    }
  }

  @Test
  void eventsAcceptedInOneTurnOnAReachCsStreamAsBatchesWholeAndInOrder(Vertx vertx) throws Exception {
    long aliceId = Long.parseLong(c.query("SELECT id FROM users WHERE username = 'alice@example.com'"));
    List<Integer> received = new java.util.concurrent.CopyOnWriteArrayList<>();
    c.eventBus().addInboundInterceptor(delivery -> {
      if (HubAddresses.LIVE_EVENTS.equals(delivery.message().address()) && delivery.message().body() instanceof LiveEvents batch
          && batch.events().stream().anyMatch(live -> live.event().name().equals("batched"))) {
        received.add(batch.events().size());
      }
      delivery.next();
    });
    try (SseClient stream = SseClient.open(vertx, c.httpPort(), "/v1/devices/events/batched", alice)) {
      int count = 300;
      List<DeviceEvent> events = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        events.add(new DeviceEvent(DeviceEvent.CLOUD_PUBLISHER, "batched", "b" + i, System.currentTimeMillis(), 60, false));
      }
      // accepted by A's hub in one turn of its loop: two batches (the cap, then the rest with A's trigger)
      OneTurnEvents.send(a.eventBus(), aliceId, events);
      TestNode.eventually(WAIT, () -> stream.events().size() >= count, count + " events on C's stream");
      List<String> expected = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        expected.add("b" + i);
      }
      assertEquals(expected, stream.events().stream().map(event -> event.data().getString("data")).toList(), "each once, in order");
      assertEquals(List.of(EventsVerticle.MAX_LIVE_BATCH, count + 1 - EventsVerticle.MAX_LIVE_BATCH), received, "batches C received from A");
    }
  }

  @Test
  void aFunctionCallReachesTheDeviceThroughTheNodeThatHoldsItsSession(Vertx vertx) throws Exception {
    DeviceIdentity onB = claimedThroughC();
    DeviceIdentity onA = claimedThroughC();
    try (TestDevice deviceOnB = connectThrough(b, onB);
         TestDevice deviceOnA = connectThrough(a, onA)) {
      deviceOnB.behave(Map.<String, Function<String, String>>of("where", arg -> "2"), Map.of());
      deviceOnA.behave(Map.<String, Function<String, String>>of("where", arg -> "1"),
          Map.<String, Map.Entry<String, Supplier<String>>>of("label", Map.entry("string", () -> "on-a")));
      TestNode.eventually(WAIT, () -> hasFunction(onB, "where") && hasFunction(onA, "where"), "descriptions reached the hub");

      assertEquals(2, new JsonObject(c.post("/v1/devices/" + onB.id() + "/where", "{\"arg\":\"x\"}", alice).body()).getInteger("return_value"));
      assertEquals(1, new JsonObject(c.post("/v1/devices/" + onA.id() + "/where", "{\"arg\":\"x\"}", alice).body()).getInteger("return_value"));
      // asked of A's own API as well: the call leaves A for B
      String aliceOnA = a.logIn("alice@example.com", "correct horse battery");
      assertEquals(2, new JsonObject(a.post("/v1/devices/" + onB.id() + "/where", "{\"arg\":\"x\"}", aliceOnA).body()).getInteger("return_value"));
      assertEquals("on-a", new JsonObject(c.get("/v1/devices/" + onA.id() + "/label", alice).body()).getString("result"));
    }
    // gone from every node: the call says offline, from any node
    TestNode.eventually(WAIT, () -> offline(onB), "B's device recorded offline");
    HttpResponse<String> afterwards = c.post("/v1/devices/" + onB.id() + "/where", "{\"arg\":\"x\"}", alice);
    assertEquals(404, afterwards.statusCode(), afterwards.body());
    assertEquals("device_offline", new JsonObject(afterwards.body()).getString("error"));
  }

  @Test
  void aDeviceReconnectingThroughAnotherNodeTakesItsSessionOver(Vertx vertx) throws Exception {
    DeviceIdentity identity = claimedThroughC();
    try (SseClient status = SseClient.open(vertx, c.httpPort(), "/v1/devices/" + identity.id() + "/events/spark/status", alice)) {
      TestDevice first = connectThrough(a, identity);
      TestNode.eventually(WAIT, () -> online(identity), "online through A");
      try (TestDevice second = connectThrough(b, identity)) {
        first.closed().await(10, TimeUnit.SECONDS);
        assertFalse(first.isConnected(), "A closed the session B took over");
        second.behave(Map.<String, Function<String, String>>of("who", arg -> "7"), Map.of());
        // the description is stored a moment after its acknowledgement
        TestNode.eventually(WAIT, () -> hasFunction(identity, "who"), "the description reached the hub");
        HttpResponse<String> call = c.post("/v1/devices/" + identity.id() + "/who", "{}", alice);
        assertEquals(7, new JsonObject(call.body()).getInteger("return_value"), call.body());
        // the old session's end did not mark the device offline
        Thread.sleep(300);
        assertTrue(online(identity), "still online after the takeover");
        assertEquals(List.of("online", "online"), statuses(status), "no offline between the two sessions");
      }
      TestNode.eventually(WAIT, () -> offline(identity), "offline once the second session ends");
      status.awaitEvent(event -> "offline".equals(event.data().getString("data")), WAIT);
    }
  }

  @Test
  void everyNodeReportsTheClusterItsRolesAndOneLeader() throws Exception {
    int leaders = 0;
    for (TestNode node : List.of(a, b, c)) {
      JsonObject data = clusterCheck(node);
      assertEquals(3, data.getInteger("members"), "members seen by " + data);
      leaders += data.getBoolean("leader") ? 1 : 0;
    }
    assertEquals(1, leaders, "exactly one node leads the once-only work");
    assertTrue(clusterCheck(a).getBoolean("leader"), "the oldest hub node leads");
    assertEquals("gateway", clusterCheck(b).getString("roles"));
    assertEquals("hub", clusterCheck(c).getString("roles"));
    for (TestNode node : List.of(a, b, c)) {
      // each hub node holds a tenant to its part of a per-second quota: the quota over this count
      assertEquals(2, node.node().cluster().hubCount(), "hub nodes seen by " + node.node().cluster().nodeId());
    }
    String metrics = b.operations("/metrics").body();
    assertTrue(metrics.contains("drover_cluster_members 3.0"), "the gateway node's metrics");
    assertTrue(metrics.contains("roles=\"gateway\""), "the gateway node's roles label");
    // a gateway node has no database, and its health says nothing of one
    assertFalse(b.operations("/health").body().contains("database"));
    assertEquals(404, b.get("/v1/devices", alice).statusCode(), "the API lives on hub nodes only");
  }

  /**
   * Registered and claimed through C, a device connects through any gateway at once: a hub node that
   * has not yet heard of it (hub.devices.changed) looks it up before refusing (DeviceIndexMissTest).
   * No retry, so that a refusal here fails the class: two fresh-clone runs once did, before that fix.
   */
  private static TestDevice connectThrough(TestNode gateway, DeviceIdentity device) throws Exception {
    return TestDevice.connect(deviceClients, gateway.mqttPort(), device.id(), device.secret()).await(10, TimeUnit.SECONDS);
  }

  private static DeviceIdentity claimedThroughC() throws Exception {
    // the bootstrap token is made once per cluster, by the first hub node: A's is good on C
    HttpResponse<String> provisioned = c.post("/v1/admin/devices", "{}", a.adminToken());
    assertEquals(201, provisioned.statusCode(), provisioned.body());
    DeviceIdentity identity = new DeviceIdentity(new JsonObject(provisioned.body()).getString("id"), new JsonObject(provisioned.body()).getString("secret"));
    c.claim(identity.id(), alice);
    return identity;
  }

  private static JsonObject clusterCheck(TestNode node) throws Exception {
    JsonArray checks = new JsonObject(node.operations("/health").body()).getJsonArray("checks");
    for (int i = 0; i < checks.size(); i++) {
      if ("cluster".equals(checks.getJsonObject(i).getString("id"))) {
        return checks.getJsonObject(i).getJsonObject("data");
      }
    }
    throw new AssertionError("no cluster check in " + checks);
  }

  private static boolean hasFunction(DeviceIdentity device, String function) {
    JsonObject body = deviceJson(device);
    return body != null && body.getJsonArray("functions", new JsonArray()).contains(function);
  }

  private static boolean online(DeviceIdentity device) {
    JsonObject body = deviceJson(device);
    return body != null && body.getBoolean("connected", false);
  }

  private static boolean offline(DeviceIdentity device) {
    JsonObject body = deviceJson(device);
    return body != null && !body.getBoolean("connected", true);
  }

  private static JsonObject deviceJson(DeviceIdentity device) {
    try {
      HttpResponse<String> response = c.get("/v1/devices/" + device.id(), alice);
      return response.statusCode() == 200 ? new JsonObject(response.body()) : null;
    } catch (Exception e) {
      return null;
    }
  }

  private static List<String> statuses(SseClient stream) {
    List<String> statuses = new ArrayList<>();
    for (SseClient.Event event : stream.events()) {
      statuses.add(event.data().getString("data"));
    }
    assertNotNull(statuses);
    return statuses;
  }
}
