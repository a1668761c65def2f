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
import io.drover.gateway.support.RawMqtt;
import io.drover.gateway.support.WireAnswer;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.vertx.core.Vertx;
import java.time.Duration;
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
  /** A device's identity that would start a forged line of its own if logged as it is. */
  private static final String FORGING = "evil\r\n12:00:00.000 INFO  SessionPipeline - admin token rotated";

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
