package io.drover.hub.mqtt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.support.SseClient;
import io.drover.hub.support.TestNode;
import io.drover.hub.support.TestNode.DeviceIdentity;
import io.drover.hub.support.TlsClients;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * MQTT over TLS with the real {@code mosquitto_pub}, trusting the CA the node made for itself, as
 * docs/device-protocol.md tells a firmware author to try it; and what a client on the wrong port does
 * to the node: nothing.
 */
@ExtendWith(VertxExtension.class)
class MqttTlsTest {

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
  void mosquittoPubOverTlsTrustingTheNodesCaReachesTheStream(Vertx vertx) throws Exception {
    DeviceIdentity device = node.provisionDevice();
    try (SseClient stream = SseClient.open(vertx, node.httpPort(), "/v1/devices/events", node.adminToken())) {

      TlsClients.Result pub = TlsClients.mosquittoPub(node.mqttTlsPort(), node.caFile(), device.id(), device.secret(), "e/door", "open");

      assertEquals(0, pub.exitCode(), pub.output());
      SseClient.Event event = stream.awaitEvent(e -> e.name().equals("door") && device.id().equals(e.data().getString("coreid")), Duration.ofSeconds(10));
      assertEquals("open", event.data().getString("data"));
      assertEquals(1, node.countEvents(device.id(), "door"), "QoS 1 was acknowledged, so the event is written");
    }
  }

  @Test
  void mosquittoPubThatDoesNotTrustTheNodesCaSendsNothing() throws Exception {
    DeviceIdentity device = node.provisionDevice();

    // the system's CAs only: the node's own CA is not among them
    TlsClients.Result pub = TlsClients.mosquittoPub(node.mqttTlsPort(), Path.of("/etc/ssl/certs/ca-certificates.crt"), device.id(),
        device.secret(), "e/door", "open");

    assertNotEquals(0, pub.exitCode(), pub.output());
    assertEquals(0, node.countEvents(device.id(), "door"));
  }

  @Test
  void aPlainConnectOnTheTlsPortIsClosedAndTheNodeServesOn() throws Exception {
    // MQTT 3.1.1 CONNECT, client ID "abc", clean session, keep-alive 60 s
    byte[] connect = HexFormat.of().parseHex("100f00044d5154540402003c0003616263");

    byte[] answer = TlsClients.sendRaw(node.mqttTlsPort(), connect);

    assertTrue(answer.length == 0 || answer[0] == 21, "closed, at most with an alert; no CONNACK: " + HexFormat.of().formatHex(answer));
    assertMqttServedOnBothPorts();
  }

  @Test
  void aTlsClientHelloOnThePlainPortIsClosedAndTheNodeServesOn() throws Exception {
    TlsClients.Result handshake = TlsClients.sClient(node.mqttPort(), node.caFile(), "-tls1_3");

    assertNotEquals(0, handshake.exitCode(), handshake.output());
    assertMqttServedOnBothPorts();
  }

  private static void assertMqttServedOnBothPorts() throws Exception {
    DeviceIdentity device = node.provisionDevice();
    TlsClients.Result overTls = TlsClients.mosquittoPub(node.mqttTlsPort(), node.caFile(), device.id(), device.secret(), "e/still", "tls");
    TlsClients.Result plain = TlsClients.mosquittoPub(node.mqttPort(), null, device.id(), device.secret(), "e/still", "plain");

    assertEquals(0, overTls.exitCode(), overTls.output());
    assertEquals(0, plain.exitCode(), plain.output());
    assertEquals(2, node.countEvents(device.id(), "still"));
  }
}
