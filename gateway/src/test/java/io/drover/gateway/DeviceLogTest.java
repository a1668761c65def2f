package io.drover.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import io.drover.gateway.contract.DeviceFailure.Kind;
import io.drover.gateway.support.CapturedLog;
import io.drover.gateway.support.CapturedLog.Line;
import io.drover.gateway.support.CoapDevice;
import io.drover.gateway.support.FakeHub;
import io.drover.gateway.support.GatewayUnderTest;
import io.drover.gateway.support.MqttDevice;
import io.drover.gateway.support.RawMqtt;
import io.drover.gateway.support.WireAnswer;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What devices can put in the gateway's log: text of their own, escaped so that it cannot forge a line,
 * and refusals by the thousand, as a line a second per reason that says how many it stands for.
 */
class DeviceLogTest {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final int TAKEOVERS = 200;
  private static final int UPDATED_DEVICES = 30;
  private static final SecureRandom RANDOM = new SecureRandom();
  /** A device's identity that would start a forged line of its own if logged as it is. */
  private static final String FORGING = "evil\r\n12:00:00.000 INFO  SessionPipeline - admin token rotated";

  private static Vertx vertx;
  /** The devices' own Vert.x: their clients' work is not the gateway's. */
  private static Vertx devices;
  private static FakeHub hub;
  private static GatewayUnderTest gateway;

  @BeforeAll
  static void startGateway() throws Exception {
    vertx = GatewayUnderTest.strictVertx();
    devices = Vertx.vertx();
    hub = new FakeHub();
    gateway = GatewayUnderTest.start(vertx, hub);
  }

  @AfterAll
  static void stopGateway() throws Exception {
    try {
      gateway.stop();
    } finally {
      devices.close().await(10, TimeUnit.SECONDS);
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aPskIdentityWithALineBreakIsLoggedEscaped() throws Exception {
    try (CapturedLog log = CapturedLog.start(Level.INFO)) {
      assertEquals(new WireAnswer("handshake failed"), CoapDevice.firstRequest(gateway.coapPort(), FORGING, "secret"));

      List<Line> refused = awaitLines(log, line -> line.message().contains("reason: unknown_device"));
      assertTrue(refused.get(0).message().contains("device-id: evil\\r\\n12:00:00.000 INFO  SessionPipeline"), refused.get(0).message());
      assertNoLineBreakFromADevice(log);
    }
  }

  @Test
  void aThousandRefusedConnectsAreAHandfulOfLinesThatCountThem() throws Exception {
    String device = "0a1b2c3d4e5f60718293a4b5";
    hub.addDevice(device, "the-secret");
    double badCredentials = gateway.connectsRejected("mqtt", Kind.BAD_CREDENTIALS);
    double malformed = gateway.connectsRejected("mqtt", Kind.MALFORMED_IDENTITY);
    try (CapturedLog log = CapturedLog.start(Level.INFO)) {
      long started = System.nanoTime();
      for (int i = 0; i < 1000; i++) {
        try (RawMqtt mqtt = RawMqtt.open(gateway.mqttPort())) {
          mqtt.send(i % 2 == 0 ? RawMqtt.connect(device, "wrong") : RawMqtt.connect(FORGING + i, "any"));
          assertTrue(mqtt.readConnack(WAIT) != MqttConnectReturnCode.CONNECTION_ACCEPTED);
        }
      }
      long seconds = (System.nanoTime() - started) / 1_000_000_000 + 1;

      assertEquals(badCredentials + 500, gateway.connectsRejected("mqtt", Kind.BAD_CREDENTIALS), "each refusal counted");
      assertEquals(malformed + 500, gateway.connectsRejected("mqtt", Kind.MALFORMED_IDENTITY), "each refusal counted");
      List<Line> wrongSecret = log.matching(line -> line.message().contains("reason: bad_credentials"));
      List<Line> notAnId = log.matching(line -> line.message().contains("reason: malformed_identity"));
      assertTrue(!wrongSecret.isEmpty() && wrongSecret.size() <= seconds + 1, "one line a second at most over " + seconds + " s: " + wrongSecret.size());
      assertTrue(!notAnId.isEmpty() && notAnId.size() <= seconds + 1, "one line a second at most over " + seconds + " s: " + notAnId.size());
      assertTrue(notAnId.get(0).message().contains("client identifier 'evil\\r\\n12:00:00.000"), notAnId.get(0).message());
      if (wrongSecret.size() > 1) {
        assertTrue(wrongSecret.get(1).message().contains("more like it not logged"), "a later line counts the ones left out: " + wrongSecret.get(1));
      }
      assertNoLineBreakFromADevice(log);
    }
  }

  @Test
  void twoHundredTakeoversAreAHandfulOfLinesThatCountThem() throws Exception {
    // two clients fighting over one device ID: each connect takes over the other's session
    String device = newDeviceId();
    hub.addDevice(device, "the-secret");
    double takenOver = gateway.sessionsTakenOver("mqtt");
    try (CapturedLog log = CapturedLog.start(Level.INFO)) {
      long started = System.nanoTime();
      RawMqtt previous = null;
      for (int i = 0; i <= TAKEOVERS; i++) {
        RawMqtt next = RawMqtt.open(gateway.mqttPort());
        next.send(RawMqtt.connect(device, "the-secret"));
        assertEquals(MqttConnectReturnCode.CONNECTION_ACCEPTED, next.readConnack(WAIT));
        if (previous != null) {
          assertTrue(previous.awaitClosedByServer(WAIT), "the session before was taken over"); // after its line was logged
          previous.close();
        }
        previous = next;
      }
      previous.close();
      long seconds = (System.nanoTime() - started) / 1_000_000_000 + 1;

      assertSampled(log.matching(line -> line.message().startsWith("session taken over")), seconds);
      assertEquals(takenOver + TAKEOVERS, gateway.sessionsTakenOver("mqtt"), "each takeover counted");
    }
  }

  @Test
  void firmwareUpdatesOfManyDevicesAreAHandfulOfLinesAndEveryOutcomeReachesTheHub() throws Exception {
    List<String> updated = new ArrayList<>();
    try (CapturedLog log = CapturedLog.start(Level.INFO)) {
      long started = System.nanoTime();
      for (int i = 0; i < UPDATED_DEVICES; i++) {
        String device = newDeviceId();
        updated.add(device);
        hub.addDevice(device, "the-secret");
        hub.setFirmwareTarget(device, 1001, 3, Buffer.buffer(new byte[2048]));
        try (MqttDevice link = MqttDevice.connect(MqttDevice.Version.V3_1_1, devices, gateway.mqttPort(), device, "the-secret")) {
          link.handshake(new JsonObject().put("product_id", 1001).put("firmware_version", 2).put("platform_id", 12));
          // the first failure has the binary sent again, the second gives the update up
          assertEquals(new WireAnswer("PUBACK"), link.reportFirmwareResult(3, false));
          assertEquals(new WireAnswer("PUBACK"), link.reportFirmwareResult(3, false));
          hub.firmwareOutcomes.awaitFirst(outcome -> device.equals(outcome.getString("device_id")), "the update's outcome at the hub");
        }
      }
      long seconds = (System.nanoTime() - started) / 1_000_000_000 + 1;

      assertSampled(log.matching(line -> line.message().startsWith("firmware update offered")), seconds);
      assertSampled(log.matching(line -> line.message().startsWith("firmware update failed on the device, sending again")), seconds);
      assertSampled(log.matching(line -> line.message().startsWith("firmware update failed [")), seconds);
      assertEquals(updated.stream().map(device -> new JsonObject().put("device_id", device).put("product_id", 1001).put("version", 3)
          .put("succeeded", false)).toList(), hub.firmwareOutcomes.matching(outcome -> updated.contains(outcome.getString("device_id"))),
          "every outcome reached the hub, once");
    }
  }

  /** At most a line a second (and one more for the second the run started in), a later one counting those left out. */
  private static void assertSampled(List<Line> lines, long seconds) {
    assertTrue(!lines.isEmpty() && lines.size() <= seconds + 1, "one line a second at most over " + seconds + " s: " + lines.size());
    if (lines.size() > 1) {
      assertTrue(lines.get(1).message().contains("more like it not logged"), "a later line counts the ones left out: " + lines.get(1));
    }
  }

  private static String newDeviceId() {
    return HexFormat.of().formatHex(randomBytes(12));
  }

  private static byte[] randomBytes(int length) {
    byte[] bytes = new byte[length];
    RANDOM.nextBytes(bytes);
    return bytes;
  }

  private static List<Line> awaitLines(CapturedLog log, java.util.function.Predicate<Line> match) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    List<Line> found = log.matching(match);
    while (found.isEmpty() && System.nanoTime() < deadline) {
      Thread.onSpinWait();
      found = log.matching(match);
    }
    assertFalse(found.isEmpty(), "no such line in " + log.lines());
    return found;
  }

  private static void assertNoLineBreakFromADevice(CapturedLog log) {
    for (Line line : log.lines()) {
      assertFalse(line.message().contains("\r") || line.message().contains("\n"), "a raw line break in: " + line.message());
    }
  }
}
