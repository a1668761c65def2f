package io.drover.gateway.mqtt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.gateway.support.FakeHub;
import io.drover.gateway.support.GatewayUnderTest;
import io.drover.gateway.support.RawMqtt;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.mqtt.MqttClient;
import io.vertx.mqtt.MqttClientOptions;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The keep-alive rule over a real MQTT client (Vert.x's): a client that asked for a keep-alive of k
 * seconds and then sends nothing is closed once it has been silent for 1.5 k seconds, not before; one
 * that sends its PINGREQs stays connected; a keep-alive of 0 turns the rule off (MQTT 3.1.1 section
 * 3.1.2.10).
 */
class MqttKeepAliveTest {

  private static final SecureRandom RANDOM = new SecureRandom();
  /** 1.5 times it is 3 s. */
  private static final int KEEP_ALIVE_SECONDS = 2;
  private static final Duration TIMEOUT = Duration.ofSeconds(3);

  private static Vertx vertx;
  private static FakeHub hub;
  private static GatewayUnderTest gateway;

  @BeforeAll
  static void startGateway() throws Exception {
    vertx = GatewayUnderTest.strictVertx();
    hub = new FakeHub();
    gateway = GatewayUnderTest.start(vertx, hub);
  }

  @AfterAll
  static void stopGateway() throws Exception {
    try {
      gateway.stop();
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aSilentClientIsClosedAfterOneAndAHalfTimesItsKeepAlive() throws Exception {
    // given a client that sends no PINGREQ; the clock starts before its CONNECT is even sent
    long started = System.nanoTime();
    Client client = Client.connect(newDevice(), KEEP_ALIVE_SECONDS, false);

    // when it stays silent, then
    long closedAfterMillis = client.closedAfterMillis(started, Duration.ofSeconds(10));
    assertTrue(closedAfterMillis >= TIMEOUT.toMillis(), "closed after " + closedAfterMillis + " ms, before 1.5 times the keep-alive");
    assertTrue(closedAfterMillis < TIMEOUT.toMillis() + 2_000, "closed after " + closedAfterMillis + " ms, long after 1.5 times the keep-alive");
  }

  @Test
  void aClientSendingItsPingsStaysConnected() throws Exception {
    // given a client that sends a PINGREQ every keep-alive (2 s), as a client must when it has nothing else to send
    Client client = Client.connect(newDevice(), KEEP_ALIVE_SECONDS, true);

    // when more than twice the 3 s timeout passes, then it is still connected and its pings were answered
    assertFalse(client.closedWithin(Duration.ofSeconds(7)), "a client sending its PINGREQs was closed");
    assertTrue(client.pingResponses.get() >= 2, "PINGRESPs received: " + client.pingResponses.get());
    client.disconnect();
  }

  @Test
  void aKeepAliveOfZeroTurnsTheRuleOff() throws Exception {
    // Vert.x's client cannot ask for 0: the CONNECT is written by hand
    String device = newDevice();
    try (RawMqtt raw = RawMqtt.open(gateway.mqttPort())) {
      raw.send(MqttMessageBuilders.connect()
          .protocolVersion(MqttVersion.MQTT_3_1_1)
          .clientId(device)
          .username(device)
          .password(hub.secretOf(device).getBytes(StandardCharsets.UTF_8))
          .cleanSession(true)
          .keepAlive(0)
          .build());
      assertEquals(MqttConnectReturnCode.CONNECTION_ACCEPTED, raw.readConnack(Duration.ofSeconds(10)));

      assertFalse(raw.awaitClosedByServer(Duration.ofSeconds(4)), "a client that asked for no keep-alive was closed for its silence");
    }
  }

  @Test
  void aClientHeardFromWithinItsKeepAliveStaysConnectedThenIsClosedOnceSilent() throws Exception {
    // given a silent client that publishes an event every 2 s for 8 s: a packet of any kind counts, not only a PINGREQ
    Client client = Client.connect(newDevice(), KEEP_ALIVE_SECONDS, false);
    for (int i = 0; i < 4; i++) {
      assertFalse(client.closedWithin(Duration.ofSeconds(2)), "closed while it was publishing");
      client.mqtt.publish("e/tick", Buffer.buffer("1"), MqttQoS.AT_MOST_ONCE, false, false).await(5, TimeUnit.SECONDS);
    }
    long lastPacket = System.nanoTime();

    // when it stops, then it is closed 3 s after its last packet
    long closedAfterMillis = client.closedAfterMillis(lastPacket, Duration.ofSeconds(10));
    assertTrue(closedAfterMillis >= TIMEOUT.toMillis() - 100, "closed " + closedAfterMillis + " ms after its last packet");
    assertTrue(closedAfterMillis < TIMEOUT.toMillis() + 2_000, "closed " + closedAfterMillis + " ms after its last packet");
    assertEquals(4, hub.eventsOf(client.deviceId).size(), "the events it published");
  }

  private static String newDevice() {
    byte[] id = new byte[12];
    byte[] secret = new byte[16];
    RANDOM.nextBytes(id);
    RANDOM.nextBytes(secret);
    String device = HexFormat.of().formatHex(id);
    hub.addDevice(device, HexFormat.of().formatHex(secret));
    return device;
  }

  /** A Vert.x MQTT client, MQTT 3.1.1, that sends PINGREQs by itself or never. */
  private static final class Client {
    final String deviceId;
    final MqttClient mqtt;
    final CompletableFuture<Long> closedAt = new CompletableFuture<>();
    final AtomicInteger pingResponses = new AtomicInteger();

    private Client(String deviceId, MqttClient mqtt) {
      this.deviceId = deviceId;
      this.mqtt = mqtt;
    }

    static Client connect(String deviceId, int keepAliveSeconds, boolean pings) throws Exception {
      MqttClient mqtt = MqttClient.create(vertx, new MqttClientOptions()
          .setClientId(deviceId)
          .setUsername(deviceId)
          .setPassword(hub.secretOf(deviceId))
          .setKeepAliveInterval(keepAliveSeconds)
          .setAutoKeepAlive(pings));
      Client client = new Client(deviceId, mqtt);
      mqtt.closeHandler(ignored -> client.closedAt.complete(System.nanoTime()));
      mqtt.pingResponseHandler(ignored -> client.pingResponses.incrementAndGet());
      mqtt.exceptionHandler(ignored -> { });
      mqtt.connect(gateway.mqttPort(), "127.0.0.1").await(10, TimeUnit.SECONDS);
      return client;
    }

    /** @return the time from {@code since} to the server's close */
    long closedAfterMillis(long since, Duration wait) throws Exception {
      return TimeUnit.NANOSECONDS.toMillis(closedAt.get(wait.toMillis(), TimeUnit.MILLISECONDS) - since);
    }

    boolean closedWithin(Duration wait) throws Exception {
      try {
        closedAt.get(wait.toMillis(), TimeUnit.MILLISECONDS);
        return true;
      } catch (TimeoutException stillOpen) {
        return false;
      }
    }

    void disconnect() throws Exception {
      mqtt.disconnect().await(5, TimeUnit.SECONDS);
    }
  }
}
