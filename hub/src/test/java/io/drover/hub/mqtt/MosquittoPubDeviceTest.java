package io.drover.hub.mqtt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.support.SseClient;
import io.drover.hub.support.TestNode;
import io.drover.hub.support.TestNode.DeviceIdentity;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The real {@code mosquitto_pub} command (Debian's mosquitto-clients, installed by bin/test) as the
 * device, exactly as docs/device-protocol.md tells a firmware author to try it.
 */
@ExtendWith(VertxExtension.class)
class MosquittoPubDeviceTest {

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
  void mosquittoPubEventArrivesOnTheStream(Vertx vertx) throws Exception {
    DeviceIdentity device = node.provisionDevice();
    try (SseClient stream = SseClient.open(vertx, node.httpPort(), "/v1/devices/events", node.adminToken())) {

      Result pub = mosquittoPub(device.id(), device.secret(), "e/door", "open");

      assertEquals(0, pub.exitCode(), pub.output());
      SseClient.Event event = stream.awaitEvent(e -> e.name().equals("door") && device.id().equals(e.data().getString("coreid")), Duration.ofSeconds(10));
      assertEquals("open", event.data().getString("data"));
      assertEquals(1, node.countEvents(device.id(), "door"), "QoS 1 was acknowledged, so the event is written");
    }
  }

  @Test
  void mqtt31ClientWithA24CharacterClientIdIsServedToo() throws Exception {
    DeviceIdentity device = node.provisionDevice();

    Result pub = mosquittoPub(device.id(), device.secret(), "e/legacy", "3.1", "-V", "mqttv31");

    assertEquals(0, pub.exitCode(), pub.output());
    assertEquals(1, node.countEvents(device.id(), "legacy"));
  }

  @Test
  void mosquittoPubWithAWrongSecretIsRefused() throws Exception {
    DeviceIdentity device = node.provisionDevice();

    Result pub = mosquittoPub(device.id(), "00000000000000000000000000000000", "e/door", "open");

    assertNotEquals(0, pub.exitCode());
    assertTrue(pub.output().toLowerCase(Locale.ROOT).contains("bad user name or password"), pub.output());
    assertEquals(0, node.countEvents(device.id(), "door"));
  }

  private static Result mosquittoPub(String id, String secret, String topic, String message, String... extra) throws IOException, InterruptedException {
    List<String> command = new java.util.ArrayList<>(List.of(
        "mosquitto_pub", "-h", "127.0.0.1", "-p", String.valueOf(node.mqttPort()),
        "-i", id, "-u", id, "-P", secret, "-q", "1", "-t", topic, "-m", message));
    command.addAll(List.of(extra));
    Process process = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .start();
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("mosquitto_pub did not finish");
    }
    return new Result(process.exitValue(), new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
  }

  private record Result(int exitCode, String output) {
  }
}
