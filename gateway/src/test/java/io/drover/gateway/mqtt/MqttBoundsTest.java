package io.drover.gateway.mqtt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import io.drover.gateway.contract.DeviceFailure.Kind;
import io.drover.gateway.contract.SessionNotice.State;
import io.drover.gateway.hostile.ErrorLog;
import io.drover.gateway.intake.EventQuota;
import io.drover.gateway.pipeline.ConnectionClose;
import io.drover.gateway.pipeline.SubscriptionRefusal;
import io.drover.gateway.support.CapturedLog;
import io.drover.gateway.support.FakeHub;
import io.drover.gateway.support.FakeHub.ReceivedEvent;
import io.drover.gateway.support.GatewayUnderTest;
import io.drover.gateway.support.MqttDevice;
import io.drover.gateway.support.RawMqtt;
import io.drover.gateway.support.WireAnswer;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The bounds of one MQTT connection that a device, or someone who only reaches the port, could
 * otherwise push past: subscriptions, what waits to be sent to a device that does not read, a QoS 1
 * event held while the hub is busy, connections that never finish their TLS handshake or never send a
 * CONNECT, packets that are not MQTT or come too early. Every bound answers with the protocol's code
 * or a counted close, never an exception.
 */
class MqttBoundsTest {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final int FLOOD = 50;
  private static final SecureRandom RANDOM = new SecureRandom();
  /** The first 60 bytes of a TLS 1.2 ClientHello record: a handshake that never finishes. */
  private static final byte[] HALF_A_CLIENT_HELLO = HexFormat.of().parseHex(
      "16030100c8010000c40303" + "00".repeat(49));

  private static Vertx vertx;
  private static FakeHub hub;
  private static GatewayUnderTest gateway;

  @BeforeAll
  static void startGateway() throws Exception {
    vertx = GatewayUnderTest.strictVertx();
    hub = new FakeHub();
    gateway = GatewayUnderTest.start(vertx, hub, new GatewayUnderTest.Settings()
        .connectTimeout(Duration.ofSeconds(2))
        .outboundStall(Duration.ofSeconds(2))
        .overloadRetry(Duration.ofSeconds(3))
        .eventQuota(new EventQuota(100_000, 100_000)));
  }

  @AfterAll
  static void stopGateway() throws Exception {
    try {
      gateway.stop();
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(value = MqttVersion.class, names = {"MQTT_3_1_1", "MQTT_5"})
  void subscriptionsPastTheBoundAreRefusedInTheSubackAndCounted(MqttVersion version) throws Exception {
    String device = newDevice();
    double refused = gateway.subscriptionsRefused("mqtt", SubscriptionRefusal.TOO_MANY);
    String[] filters = IntStream.rangeClosed(0, MqttConnection.MAX_SUBSCRIPTIONS).mapToObj(i -> "c/own/" + i).toArray(String[]::new);
    try (RawMqtt mqtt = RawMqtt.open(gateway.mqttPort())) {
      mqtt.send(RawMqtt.connect(version, device, hub.secretOf(device)));
      assertEquals(MqttConnectReturnCode.CONNECTION_ACCEPTED, mqtt.readConnack(WAIT));

      mqtt.send(RawMqtt.subscribe(1, filters));
      List<Integer> codes = mqtt.readSuback(WAIT);
      mqtt.send(RawMqtt.subscribe(2, "c/own/0", "c/err"));
      List<Integer> again = mqtt.readSuback(WAIT);

      int tooMany = version == MqttVersion.MQTT_5 ? 0x97 : 0x80; // Quota exceeded (MQTT 5 section 3.9.3); Failure (3.1.1 section 3.9.3)
      List<Integer> expected = new ArrayList<>();
      IntStream.range(0, MqttConnection.MAX_SUBSCRIPTIONS).forEach(i -> expected.add(1));
      expected.add(tooMany);
      assertEquals(expected, codes, "QoS 1 granted to the first " + MqttConnection.MAX_SUBSCRIPTIONS + ", the one past them refused");
      assertEquals(List.of(1, tooMany), again, "a filter held already is granted again; a new one is still past the bound");
      assertEquals(refused + 2, gateway.subscriptionsRefused("mqtt", SubscriptionRefusal.TOO_MANY));
    }
  }

  @Test
  void packetsSentRightAfterTheConnectAreAnsweredOnceTheDeviceIsAuthenticated() throws Exception {
    String device = newDevice();
    try (RawMqtt mqtt = RawMqtt.open(gateway.mqttPort()); CapturedLog log = CapturedLog.start(Level.WARN)) {
      // MQTT 3.1.1 section 3.1.4: "Clients are permitted to send further Control Packets immediately after sending a CONNECT Packet"
      mqtt.send(RawMqtt.connect(device, hub.secretOf(device)), RawMqtt.subscribe(1, "c/#"), RawMqtt.publish("e/early", "1", 1, 2));

      assertEquals(MqttConnectReturnCode.CONNECTION_ACCEPTED, mqtt.readConnack(WAIT));
      assertEquals(List.of(1), mqtt.readSuback(WAIT));
      MqttMessage puback = mqtt.readUntil(MqttMessageType.PUBACK, WAIT);
      assertNotNull(puback, "the early event was acknowledged");
      assertEquals(List.of("early"), names(hub.eventsOf(device)));
      assertEquals(List.of(), log.lines(), "nothing went wrong on the way");
    }
  }

  @Test
  void whileTheHubCannotTakeAQos1EventTheConnectionIsNotReadAndTheEventIsWrittenOnce() throws Exception {
    String device = newDevice();
    MqttDevice link = MqttDevice.connect(MqttDevice.Version.V3_1_1, vertx, gateway.mqttPort(), device, hub.secretOf(device));
    try {
      hub.failDurableEvents(device, Kind.OVERLOADED);

      link.publishWithoutWaiting("first", "1".getBytes(), 1);
      hub.events.await(all -> names(ofDevice(all, device)).size() >= 2, "the event offered again: the gateway holds it");
      link.publishWithoutWaiting("second", "2".getBytes(), 0);
      List<ReceivedEvent> meanwhile = hub.events.await(all -> names(ofDevice(all, device)).size() >= 4, "two more offers of it");

      assertFalse(names(ofDevice(meanwhile, device)).contains("second"), "the device's next message was not read while the first was held");
      hub.failDurableEvents(device, null);
      List<ReceivedEvent> received = hub.events.await(all -> names(ofDevice(all, device)).contains("second"), "the second event, once reading resumed");
      List<String> order = names(ofDevice(received, device));
      assertEquals("second", order.get(order.size() - 1));
      assertTrue(order.subList(0, order.size() - 1).stream().allMatch("first"::equals), "only offers of the first before it: " + order);
      assertEquals(1, hub.durableAnswers.matching(answer -> answer.event().deviceId().equals(device) && answer.failure() == null).size(),
          "written once");
      assertTrue(link.isOpen(), "the device was slowed, not cut");
      assertEquals(new WireAnswer("PUBACK"), link.publish("third", "3".getBytes(), true), "and the session goes on");
    } finally {
      link.close();
    }
  }

  @Test
  void pastTheOverloadRetryTimeAnMqtt311ConnectionIsClosedSoTheDeviceResends() throws Exception {
    String device = newDevice();
    MqttDevice link = MqttDevice.connect(MqttDevice.Version.V3_1_1, vertx, gateway.mqttPort(), device, hub.secretOf(device));
    try {
      hub.failDurableEvents(device, Kind.UNAVAILABLE);
      double closed = gateway.connectionsClosed("mqtt", ConnectionClose.HUB_OVERLOADED);

      assertEquals(new WireAnswer("disconnected"), link.publish("never", "1".getBytes(), true));

      assertEquals(closed + 1, gateway.connectionsClosed("mqtt", ConnectionClose.HUB_OVERLOADED));
      assertTrue(hub.eventsOf(device).size() > 2, "offered again before giving up: " + hub.eventsOf(device).size());
    } finally {
      link.close();
    }
  }

  @Test
  void qos1EventsInOneWriteThatTheHubCannotTakeEndInOneCountedCloseWithoutAnError() throws Exception {
    String device = newDevice();
    hub.failDurableEvents(device, Kind.UNAVAILABLE);
    double closed = gateway.connectionsClosed("mqtt", ConnectionClose.HUB_OVERLOADED);
    double unavailable = gateway.eventsRejected("mqtt", Kind.UNAVAILABLE);
    MqttMessage[] flood = IntStream.rangeClosed(1, FLOOD).mapToObj(i -> RawMqtt.publish("e/reading", Integer.toString(i), 1, i))
        .toArray(MqttMessage[]::new);
    try (ErrorLog log = ErrorLog.watch(); RawMqtt mqtt = RawMqtt.open(gateway.mqttPort())) {
      mqtt.send(RawMqtt.connect(device, hub.secretOf(device)));
      assertEquals(MqttConnectReturnCode.CONNECTION_ACCEPTED, mqtt.readConnack(WAIT));

      // one write: the events are read before the hub has failed the first, so many of them
      // give up at about the same time, the first closing the connection under the others' refusals
      mqtt.send(flood);

      assertTrue(mqtt.awaitClosedByServer(WAIT), "closed: MQTT 3.1.1 has no negative PUBACK, the device resends when it reconnects");
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (gateway.eventsRejected("mqtt", Kind.UNAVAILABLE) < unavailable + FLOOD && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      assertEquals(List.of(), log.errors(), "no refusal threw (as one on a closed endpoint did, each with its stack trace)");
      assertEquals(closed + 1, gateway.connectionsClosed("mqtt", ConnectionClose.HUB_OVERLOADED), "one close, counted once");
      assertEquals(unavailable + FLOOD, gateway.eventsRejected("mqtt", Kind.UNAVAILABLE), "each event's refusal counted once");
    }
  }

  /** How a device that does not read makes the gateway queue messages for it. */
  enum Provocation {
    /** Asks for firmware chunks again and again (fw/ready); each ask would push a window of chunks. */
    FIRMWARE,
    /** Sends events that are refused, each one answered by a PUBACK and a c/err notice. */
    NOTICES
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Provocation.class)
  void aDeviceThatStopsReadingIsClosedAndWhatWaitsForItStaysBounded(Provocation provocation) throws Exception {
    String device = newDevice();
    hub.setFirmwareTarget(device, 1001, 3, Buffer.buffer(randomBytes(256 * 1024)));
    double closed = gateway.connectionsClosed("mqtt", ConnectionClose.SLOW_READER);
    AtomicLong largestBacklog = new AtomicLong();
    try (RawMqtt mqtt = RawMqtt.openSmallReceiver(gateway.mqttPort())) {
      mqtt.send(RawMqtt.connect(device, hub.secretOf(device)), RawMqtt.subscribe(1, "c/#"));
      assertEquals(MqttConnectReturnCode.CONNECTION_ACCEPTED, mqtt.readConnack(WAIT));
      assertEquals(List.of(1), mqtt.readSuback(WAIT));
      if (provocation == Provocation.FIRMWARE) {
        mqtt.send(RawMqtt.publish("h", new JsonObject().put("product_id", 1001).put("firmware_version", 2).put("platform_id", 12).encode(), 0, 0));
        mqtt.readUntil(MqttMessageType.PUBLISH, WAIT); // c/h: from here on the device reads nothing
      }
      Thread flood = new Thread(() -> {
        for (int i = 0; i < 100_000; i++) {
          try {
            mqtt.send(provocation == Provocation.FIRMWARE
                ? RawMqtt.publish("fw/ready", "{\"version\":3,\"offset\":0}", 0, 0)
                : RawMqtt.publish("e/spark/status", "refused", 1, 1 + i % 60_000));
          } catch (IOException closedByTheGateway) {
            return;
          }
        }
      });
      flood.setDaemon(true);
      flood.start();

      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (gateway.connectionsClosed("mqtt", ConnectionClose.SLOW_READER) == closed && System.nanoTime() < deadline) {
        largestBacklog.accumulateAndGet((long) gateway.outboundBacklog("mqtt"), Math::max);
        Thread.onSpinWait();
      }

      assertEquals(closed + 1, gateway.connectionsClosed("mqtt", ConnectionClose.SLOW_READER), "closed as a device that stopped reading");
      assertTrue(largestBacklog.get() <= MqttOutbound.LIMIT_BYTES, "what waited for the device stayed bounded: " + largestBacklog.get() + " bytes");
      hub.notices.awaitFirst(notice -> notice.deviceId().equals(device) && notice.state() == State.CLOSED, "the session's end at the hub");
    }
    long drained = System.nanoTime() + WAIT.toNanos();
    while (gateway.outboundBacklog("mqtt") > 0 && System.nanoTime() < drained) {
      Thread.onSpinWait();
    }
    assertEquals(0, gateway.outboundBacklog("mqtt"), "nothing is kept for the closed connection");
  }

  @Test
  void aPacketThatIsNotMqttIsCountedAndLoggedOnceWithoutAStackTrace() throws Exception {
    double malformed = gateway.malformedMessages("mqtt");
    try (CapturedLog log = CapturedLog.start(Level.INFO); RawMqtt garbage = RawMqtt.open(gateway.mqttPort())) {
      // a CONNECT whose fixed header has reserved bits set (MQTT 3.1.1 section 2.2.2): the decoder refuses it
      garbage.sendRaw(HexFormat.of().parseHex("130f00044d5154540402003c0003616263"));

      assertTrue(garbage.awaitClosedByServer(WAIT), "closed");
      assertEquals(malformed + 1, gateway.malformedMessages("mqtt"));
      assertEquals(List.of(), log.matching(line -> line.level().isGreaterOrEqual(Level.WARN) || line.withThrowable()),
          "no ERROR (Vert.x logged one per packet) and no stack trace");
      assertEquals(1, log.matching(line -> line.message().contains("reason: malformed_packet")).size(), log.lines().toString());
    }
  }

  @Test
  void tlsConnectionsCountAgainstTheBudgetFromTheirAcceptAndAHandshakeThatNeverEndsIsClosed() throws Exception {
    Vertx small = GatewayUnderTest.strictVertx();
    FakeHub smallHub = new FakeHub();
    GatewayUnderTest bounded = GatewayUnderTest.start(small, smallHub, new GatewayUnderTest.Settings()
        .maxConnections(4)
        .connectTimeout(Duration.ofSeconds(2)));
    List<RawMqtt> flood = new ArrayList<>();
    try {
      String device = HexFormat.of().formatHex(randomBytes(12));
      smallHub.addDevice(device, "secret");
      for (int i = 0; i < 4; i++) {
        RawMqtt silent = RawMqtt.open(bounded.mqttTlsPort());
        if (i % 2 == 1) {
          silent.sendRaw(HALF_A_CLIENT_HELLO);
        }
        flood.add(silent);
      }
      long accepted = System.nanoTime() + WAIT.toNanos();
      while (bounded.listenerConnections("mqtt", "tls-0") + bounded.listenerConnections("mqtt", "tls-1") < 4 && System.nanoTime() < accepted) {
        Thread.onSpinWait();
      }
      double overloaded = bounded.connectsRejected("mqtt", Kind.OVERLOADED);

      try (RawMqtt refused = RawMqtt.open(bounded.mqttPort())) {
        refused.send(RawMqtt.connect(device, "secret"));
        assertEquals(MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE, refused.readConnack(WAIT),
            "four unfinished handshakes hold the budget of four: a plain device is told the server is busy");
      }
      try (RawMqtt fifth = RawMqtt.open(bounded.mqttTlsPort())) {
        assertTrue(fifth.awaitClosedByServer(WAIT), "a fifth TLS connection is closed at once, before any handshake");
      }
      assertEquals(overloaded + 2, bounded.connectsRejected("mqtt", Kind.OVERLOADED));

      for (RawMqtt silent : flood) {
        assertTrue(silent.awaitClosedByServer(WAIT), "a handshake that does not finish is closed");
      }
      assertEquals(4, bounded.connectionsClosed("mqtt", ConnectionClose.TLS_HANDSHAKE_FAILED)
          + bounded.connectionsClosed("mqtt", ConnectionClose.CONNECT_TIMEOUT), "each counted");
      long deadline = System.nanoTime() + WAIT.toNanos();
      MqttConnectReturnCode answer = null;
      while (answer != MqttConnectReturnCode.CONNECTION_ACCEPTED && System.nanoTime() < deadline) {
        try (RawMqtt freed = RawMqtt.open(bounded.mqttPort())) {
          answer = freed.send(RawMqtt.connect(device, "secret")).readConnack(WAIT);
        }
      }
      assertEquals(MqttConnectReturnCode.CONNECTION_ACCEPTED, answer, "their places in the budget were given back");
    } finally {
      flood.forEach(RawMqtt::close);
      try {
        bounded.stop();
      } finally {
        small.close().await(10, TimeUnit.SECONDS);
      }
    }
  }

  private static String newDevice() {
    String device = HexFormat.of().formatHex(randomBytes(12));
    hub.addDevice(device, HexFormat.of().formatHex(randomBytes(16)));
    return device;
  }

  private static List<ReceivedEvent> ofDevice(List<ReceivedEvent> events, String deviceId) {
    return events.stream().filter(received -> received.event().deviceId().equals(deviceId)).toList();
  }

  private static List<String> names(List<ReceivedEvent> events) {
    return events.stream().map(received -> received.event().name()).toList();
  }

  private static byte[] randomBytes(int length) {
    byte[] bytes = new byte[length];
    RANDOM.nextBytes(bytes);
    return bytes;
  }
}
