package io.drover.hub.mqtt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.storage.DeviceBatchLock;
import io.drover.hub.support.SseClient;
import io.drover.hub.support.TestDevice;
import io.drover.hub.support.TestNode;
import io.drover.hub.support.TestNode.DeviceIdentity;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.mqtt.MqttConnectionException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Devices over MQTT against a real node: connect, refuse, publish, take over, stream. */
@ExtendWith(VertxExtension.class)
class MqttDevicesTest {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private static TestNode node;

  @BeforeAll
  static void startNode() throws Exception {
    node = TestNode.start();
  }

  @AfterAll
  static void stopNode() {
    node.close();
  }

  @Test
  void publishedEventReachesTheStreamInParticlesWireFormatAndIsWrittenBeforeItsAck(Vertx vertx) throws Exception {
    DeviceIdentity identity = node.provisionDevice();
    try (SseClient stream = SseClient.open(vertx, node.httpPort(), "/v1/devices/events", node.adminToken());
         TestDevice device = TestDevice.connect(vertx, node.mqttPort(), identity.id(), identity.secret()).await(10, TimeUnit.SECONDS)) {

      device.publishAcknowledged("e/temperature", Buffer.buffer("25.34"));

      // the PUBACK comes only once the event is committed
      assertEquals(1, node.countEvents(identity.id(), "temperature"));
      SseClient.Event event = stream.awaitEvent(e -> e.name().equals("temperature") && identity.id().equals(e.data().getString("coreid")), WAIT);
      assertEquals(Set.of("data", "ttl", "published_at", "coreid"), event.data().fieldNames());
      assertEquals("25.34", event.data().getString("data"));
      assertEquals(60, event.data().getInteger("ttl"));
      assertTrue(event.data().getString("published_at").matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"),
          event.data().getString("published_at"));
      assertEquals(":ok", stream.lines().get(0), "a stream opens with the :ok comment");
    }
  }

  @Test
  void connectAndDisconnectAreRecordedAndStreamedAsSparkStatus(Vertx vertx) throws Exception {
    DeviceIdentity identity = node.provisionDevice();
    try (SseClient stream = SseClient.open(vertx, node.httpPort(), "/v1/devices/events/spark/status", node.adminToken())) {
      TestDevice device = TestDevice.connect(vertx, node.mqttPort(), identity.id(), identity.secret()).await(10, TimeUnit.SECONDS);

      stream.awaitEvent(e -> isStatus(e, identity, "online"), WAIT);
      TestNode.eventually(WAIT, () -> Boolean.TRUE.equals(row(identity).get("online")), "device online in the database");
      Map<String, Object> online = row(identity);
      assertNotNull(online.get("last_handshake_at"));
      assertNotNull(online.get("last_heard"));
      assertEquals("127.0.0.1", online.get("last_ip_address"));

      device.disconnect();

      stream.awaitEvent(e -> isStatus(e, identity, "offline"), WAIT);
      TestNode.eventually(WAIT, () -> Boolean.FALSE.equals(row(identity).get("online")), "device offline in the database");
    }
  }

  /**
   * The connectivity batch updates its rows in no particular order, so it must not run while another
   * batch of device rows does (they could deadlock): it waits for the advisory lock they share, and is
   * written as soon as that lock is free.
   */
  @Test
  void connectivityWaitsForTheDeviceBatchLockAndIsWrittenOnceItIsFree(Vertx vertx) throws Exception {
    DeviceIdentity identity = node.provisionDevice();
    try (java.sql.Connection other = node.node().database().jdbcConnection()) {
      other.setAutoCommit(false);
      other.createStatement().execute(DeviceBatchLock.LOCK);
      TestDevice device;
      try {
        device = TestDevice.connect(vertx, node.mqttPort(), identity.id(), identity.secret()).await(10, TimeUnit.SECONDS);
        // ten flush intervals (devices.connectivity-flush-ms, 100 ms): unlocked, the row would be online by now
        Thread.sleep(1_000);
        assertEquals(Boolean.FALSE, row(identity).get("online"), "not written while another batch holds the lock");
      } finally {
        other.rollback();
      }
      TestNode.eventually(WAIT, () -> Boolean.TRUE.equals(row(identity).get("online")), "online once the lock is free");
      assertEquals("127.0.0.1", row(identity).get("last_ip_address"));
      device.disconnect();
      TestNode.eventually(WAIT, () -> Boolean.FALSE.equals(row(identity).get("online")), "offline after the disconnect");
    }
  }

  @Test
  void wrongSecretIsRefusedWithBadUserNameOrPasswordAndCounted(Vertx vertx) throws Exception {
    DeviceIdentity identity = node.provisionDevice();
    double before = node.metric("drover_connects_rejected_total{protocol=\"mqtt\",reason=\"bad_credentials\"}");

    Throwable refusal = assertThrows(Throwable.class,
        () -> TestDevice.connect(vertx, node.mqttPort(), identity.id(), "0123456789abcdef0123456789abcdef").await(10, TimeUnit.SECONDS));

    assertConnackCode(MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD, refusal);
    assertEquals(before + 1, node.metric("drover_connects_rejected_total{protocol=\"mqtt\",reason=\"bad_credentials\"}"));
    assertEquals(Boolean.FALSE, row(identity).get("online"));
  }

  @Test
  void unknownDeviceGetsTheSameAnswerAsAWrongSecretButIsCountedApart(Vertx vertx) throws Exception {
    double before = node.metric("drover_connects_rejected_total{protocol=\"mqtt\",reason=\"unknown_device\"}");

    Throwable refusal = assertThrows(Throwable.class,
        () -> TestDevice.connect(vertx, node.mqttPort(), "ffffffffffffffffffffffff", "secret").await(10, TimeUnit.SECONDS));

    assertConnackCode(MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD, refusal);
    assertEquals(before + 1, node.metric("drover_connects_rejected_total{protocol=\"mqtt\",reason=\"unknown_device\"}"));
  }

  @Test
  void clientIdentifierThatIsNotADeviceIdIsRejected(Vertx vertx) {
    Throwable refusal = assertThrows(Throwable.class,
        () -> TestDevice.connect(vertx, node.mqttPort(), "not-a-device", "secret").await(10, TimeUnit.SECONDS));

    assertConnackCode(MqttConnectReturnCode.CONNECTION_REFUSED_IDENTIFIER_REJECTED, refusal);
  }

  @Test
  void mqtt5ClientWithWrongSecretGetsReasonCode0x86() throws Exception {
    DeviceIdentity identity = node.provisionDevice();
    MqttClient paho = new MqttClient("tcp://127.0.0.1:" + node.mqttPort(), identity.id(), new MemoryPersistence());
    MqttConnectionOptions options = new MqttConnectionOptions();
    options.setUserName(identity.id());
    options.setPassword("wrong".getBytes());
    options.setConnectionTimeout(10);

    MqttException refusal = assertThrows(MqttException.class, () -> paho.connect(options));

    assertEquals(0x86, refusal.getReasonCode());
    paho.close(true);
  }

  @Test
  void oversizedEventIsRefusedCountedAndExplainedAndTheSessionSurvives(Vertx vertx) throws Exception {
    DeviceIdentity identity = node.provisionDevice();
    double before = node.metric("drover_events_rejected_total{protocol=\"mqtt\",reason=\"payload_too_large\"}");
    try (SseClient stream = SseClient.open(vertx, node.httpPort(), "/v1/devices/events", node.adminToken());
         TestDevice device = TestDevice.connect(vertx, node.mqttPort(), identity.id(), identity.secret()).await(10, TimeUnit.SECONDS)) {
      device.subscribe("c/#");

      device.publishAcknowledged("e/big", Buffer.buffer("x".repeat(1025)));

      TestNode.eventually(WAIT, () -> !device.received().isEmpty(), "an error notice on c/err");
      assertEquals("c/err", device.received().get(0).topicName());
      JsonObject notice = device.received().get(0).payload().toJsonObject();
      assertEquals("payload_too_large", notice.getString("error"));
      assertEquals("e/big", notice.getString("topic"));
      assertEquals(before + 1, node.metric("drover_events_rejected_total{protocol=\"mqtt\",reason=\"payload_too_large\"}"));

      // the same session goes on, and exactly 1,024 bytes is still allowed
      device.publishAcknowledged("e/after", Buffer.buffer("y".repeat(1024)));
      assertTrue(device.isConnected());
      stream.awaitEvent(e -> e.name().equals("after") && identity.id().equals(e.data().getString("coreid")), WAIT);
      assertFalse(stream.events().stream().anyMatch(e -> e.name().equals("big")));
      assertEquals(0, node.countEvents(identity.id(), "big"));
    }
  }

  @Test
  void eventWithABadTopicNameOrDataIsRefusedCountedAndTheSessionSurvives(Vertx vertx) throws Exception {
    DeviceIdentity identity = node.provisionDevice();
    double before = node.metric("drover_events_rejected_total{protocol=\"mqtt\",reason=\"bad_topic\"}");
    double malformedBefore = node.metric("drover_events_rejected_total{protocol=\"mqtt\",reason=\"malformed_payload\"}");
    try (TestDevice device = TestDevice.connect(vertx, node.mqttPort(), identity.id(), identity.secret()).await(10, TimeUnit.SECONDS)) {
      device.publishAcknowledged("telemetry/temperature", Buffer.buffer("1"));
      device.publishAcknowledged("e/", Buffer.buffer("no name"));
      device.publishAcknowledged("e/" + "n".repeat(65), Buffer.buffer("name too long"));
      device.publishAcknowledged("e/two\nlines", Buffer.buffer("a newline would break SSE framing"));

      assertEquals(before + 4, node.metric("drover_events_rejected_total{protocol=\"mqtt\",reason=\"bad_topic\"}"));
      double notAllowedBefore = node.metric("drover_events_rejected_total{protocol=\"mqtt\",reason=\"not_allowed\"}");
      device.publishAcknowledged("e/spark/status", Buffer.buffer("offline"));
      assertEquals(notAllowedBefore + 1, node.metric("drover_events_rejected_total{protocol=\"mqtt\",reason=\"not_allowed\"}"),
          "a device cannot fake the cloud's own status event");

      device.publishAcknowledged("e/nul", Buffer.buffer(new byte[] {'a', 0, 'b'}));
      assertEquals(malformedBefore + 1, node.metric("drover_events_rejected_total{protocol=\"mqtt\",reason=\"malformed_payload\"}"),
          "U+0000 is valid UTF-8 but no text store holds it");
      malformedBefore += 1;

      device.publishAcknowledged("e/latin1", Buffer.buffer(new byte[] {(byte) 0xe9, (byte) 0x74, (byte) 0xe9}));
      assertEquals(malformedBefore + 1, node.metric("drover_events_rejected_total{protocol=\"mqtt\",reason=\"malformed_payload\"}"));

      device.publishAcknowledged("e/ok", Buffer.buffer("1"));
      assertEquals(1, node.countEvents(identity.id(), "ok"));
      assertEquals(0, node.countEvents(identity.id(), "latin1"));
    }
  }

  @Test
  void secondConnectionWithTheSameDeviceIdTakesOverTheSession(Vertx vertx) throws Exception {
    DeviceIdentity identity = node.provisionDevice();
    try (SseClient stream = SseClient.open(vertx, node.httpPort(), "/v1/devices/events/spark/status", node.adminToken())) {
      TestDevice first = TestDevice.connect(vertx, node.mqttPort(), identity.id(), identity.secret()).await(10, TimeUnit.SECONDS);
      stream.awaitEvent(e -> isStatus(e, identity, "online"), WAIT);

      TestDevice second = TestDevice.connect(vertx, node.mqttPort(), identity.id(), identity.secret()).await(10, TimeUnit.SECONDS);

      first.closed().await(10, TimeUnit.SECONDS);
      assertTrue(second.isConnected());
      second.publishAcknowledged("e/from-second", Buffer.buffer("1"));
      assertEquals(1, node.countEvents(identity.id(), "from-second"));
      // the old session's end must not mark the device offline
      TestNode.eventually(WAIT, () -> stream.events().stream().filter(e -> isStatus(e, identity, "online")).count() == 2, "two online events");
      Thread.sleep(200);
      assertFalse(stream.events().stream().anyMatch(e -> isStatus(e, identity, "offline")), "no offline event on takeover");
      assertEquals(Boolean.TRUE, row(identity).get("online"));
      second.disconnect();
    }
  }

  @Test
  void mqtt5SessionLearnsThePacketLimitAndIsToldWhenItIsTakenOver() throws Exception {
    DeviceIdentity identity = node.provisionDevice();
    MqttConnectionOptions options = new MqttConnectionOptions();
    options.setUserName(identity.id());
    options.setPassword(identity.secret().getBytes());
    MqttClient first = new MqttClient("tcp://127.0.0.1:" + node.mqttPort(), identity.id(), new MemoryPersistence());
    java.util.concurrent.CompletableFuture<Integer> disconnectReason = new java.util.concurrent.CompletableFuture<>();
    first.setCallback(new org.eclipse.paho.mqttv5.client.MqttCallback() {
      @Override
      public void disconnected(org.eclipse.paho.mqttv5.client.MqttDisconnectResponse response) {
        disconnectReason.complete(response.getReturnCode());
      }

      @Override
      public void mqttErrorOccurred(MqttException exception) {
      }

      @Override
      public void messageArrived(String topic, org.eclipse.paho.mqttv5.common.MqttMessage message) {
      }

      @Override
      public void deliveryComplete(org.eclipse.paho.mqttv5.client.IMqttToken token) {
      }

      @Override
      public void connectComplete(boolean reconnect, String serverURI) {
      }

      @Override
      public void authPacketArrived(int reasonCode, org.eclipse.paho.mqttv5.common.packet.MqttProperties properties) {
      }
    });

    var connack = first.connectWithResult(options);
    assertEquals(16384L, connack.getResponseProperties().getMaximumPacketSize());

    MqttClient second = new MqttClient("tcp://127.0.0.1:" + node.mqttPort(), identity.id(), new MemoryPersistence());
    second.connect(options);

    assertEquals(0x8E, disconnectReason.get(10, TimeUnit.SECONDS), "DISCONNECT with reason Session taken over");
    assertTrue(second.isConnected());
    second.disconnect();
    second.close();
    first.close(true);
  }

  @Test
  void connectionsPastTheBudgetAreRefusedAsBusyAndRefusedOnesGiveTheirPlaceBack(Vertx vertx) throws Exception {
    try (TestNode small = TestNode.start("--gateway.max-connections=2")) {
      DeviceIdentity a = small.provisionDevice();
      DeviceIdentity b = small.provisionDevice();
      DeviceIdentity c = small.provisionDevice();
      // refused connections must not keep their place in the budget
      for (int i = 0; i < 3; i++) {
        assertThrows(Throwable.class, () -> TestDevice.connect(vertx, small.mqttPort(), a.id(), "wrong").await(10, TimeUnit.SECONDS));
      }
      TestDevice first = TestDevice.connect(vertx, small.mqttPort(), a.id(), a.secret()).await(10, TimeUnit.SECONDS);
      TestDevice second = TestDevice.connect(vertx, small.mqttPort(), b.id(), b.secret()).await(10, TimeUnit.SECONDS);

      Throwable refusal = assertThrows(Throwable.class,
          () -> TestDevice.connect(vertx, small.mqttPort(), c.id(), c.secret()).await(10, TimeUnit.SECONDS));

      assertConnackCode(MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE, refusal);
      assertEquals(1, small.metric("drover_connects_rejected_total{protocol=\"mqtt\",reason=\"overloaded\"}"));
      first.disconnect();
      TestNode.eventually(WAIT, () -> {
        try {
          TestDevice.connect(vertx, small.mqttPort(), c.id(), c.secret()).await(10, TimeUnit.SECONDS);
          return true;
        } catch (Throwable stillFull) {
          return false;
        }
      }, "a freed place is taken");
      second.disconnect();
    }
  }

  @Test
  void streamRefusesAMissingOrInvalidToken(Vertx vertx) throws Exception {
    var missing = node.get("/v1/devices/events", null);
    assertEquals(401, missing.statusCode());
    assertEquals("invalid_request", new JsonObject(missing.body()).getString("error"));

    var invalid = node.get("/v1/devices/events", "not-a-token");
    assertEquals(401, invalid.statusCode());
    JsonObject error = new JsonObject(invalid.body());
    assertEquals(false, error.getBoolean("ok"));
    assertEquals("invalid_token", error.getString("error"));
  }

  @Test
  void streamWithAPrefixCarriesOnlyEventsWhoseNameStartsWithIt(Vertx vertx) throws Exception {
    DeviceIdentity identity = node.provisionDevice();
    try (SseClient stream = SseClient.open(vertx, node.httpPort(), "/v1/devices/events/temp", node.adminToken());
         TestDevice device = TestDevice.connect(vertx, node.mqttPort(), identity.id(), identity.secret()).await(10, TimeUnit.SECONDS)) {
      device.publishAcknowledged("e/humidity", Buffer.buffer("40"));
      device.publishAcknowledged("e/temperature", Buffer.buffer("21"));

      stream.awaitEvent(e -> e.name().equals("temperature") && identity.id().equals(e.data().getString("coreid")), WAIT);
      assertFalse(stream.events().stream().anyMatch(e -> e.name().equals("humidity")));
    }
  }

  private static boolean isStatus(SseClient.Event event, DeviceIdentity identity, String status) {
    return event.name().equals("spark/status") && identity.id().equals(event.data().getString("coreid"))
        && status.equals(event.data().getString("data"));
  }

  private static Map<String, Object> row(DeviceIdentity identity) {
    try {
      return node.deviceRow(identity.id());
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void assertConnackCode(MqttConnectReturnCode expected, Throwable refusal) {
    Throwable cause = refusal;
    while (cause != null && !(cause instanceof MqttConnectionException)) {
      cause = cause.getCause();
    }
    assertInstanceOf(MqttConnectionException.class, cause, "refused with a CONNACK code: " + refusal);
    assertEquals(expected, ((MqttConnectionException) cause).code());
  }
}
