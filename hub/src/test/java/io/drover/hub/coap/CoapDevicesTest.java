package io.drover.hub.coap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.support.CoapTestDevice;
import io.drover.hub.support.SseClient;
import io.drover.hub.support.TestDevice;
import io.drover.hub.support.TestNode;
import io.drover.hub.support.TestNode.DeviceIdentity;
import io.drover.hub.support.UdpRebinder;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.eclipse.californium.core.CoapResponse;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Devices over CoAP/DTLS with PSK against a real node, with Californium's client as the device. */
@ExtendWith(VertxExtension.class)
class CoapDevicesTest {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private static TestNode node;

  @BeforeAll
  static void startNode() throws Exception {
    node = TestNode.start("--coap.idle-timeout-seconds=2");
  }

  @AfterAll
  static void stopNode() {
    node.close();
  }

  @Test
  void confirmableEventReachesTheStreamAndIsWrittenBeforeItsAcknowledgement(Vertx vertx) throws Exception {
    DeviceIdentity identity = node.provisionDevice();
    try (SseClient stream = SseClient.open(vertx, node.httpPort(), "/v1/devices/events", node.adminToken());
         CoapTestDevice device = CoapTestDevice.connect(node.coapPort(), identity.id(), identity.secret())) {

      CoapResponse response = device.post("/e/temp", "21.5");

      assertNotNull(response, "no response");
      assertEquals(ResponseCode.CHANGED, response.getCode());
      // 2.04 comes only once the event is committed
      assertEquals(1, node.countEvents(identity.id(), "temp"));
      SseClient.Event event = stream.awaitEvent(e -> e.name().equals("temp") && identity.id().equals(e.data().getString("coreid")), WAIT);
      assertEquals("21.5", event.data().getString("data"));
    }
  }

  @Test
  void deviceIsOnlineFromItsFirstRequestAndOfflineAfterTheIdleTimeout(Vertx vertx) throws Exception {
    DeviceIdentity identity = node.provisionDevice();
    try (SseClient stream = SseClient.open(vertx, node.httpPort(), "/v1/devices/events/spark/status", node.adminToken());
         CoapTestDevice device = CoapTestDevice.connect(node.coapPort(), identity.id(), identity.secret())) {

      assertEquals(ResponseCode.CHANGED, device.postNonConfirmable("/e/hello", "x").getCode());

      stream.awaitEvent(e -> isStatus(e, identity, "online"), WAIT);
      TestNode.eventually(WAIT, () -> Boolean.TRUE.equals(row(identity).get("online")), "device online in the database");
      assertEquals("127.0.0.1", row(identity).get("last_ip_address"));
      assertTrue(node.metric("drover_devices_connected{protocol=\"coap\"}") >= 1);

      // silent for longer than --coap.idle-timeout-seconds=2
      stream.awaitEvent(e -> isStatus(e, identity, "offline"), WAIT);
      TestNode.eventually(WAIT, () -> Boolean.FALSE.equals(row(identity).get("online")), "device offline in the database");
    }
  }

  @Test
  void provisioningStoresTheSecretSealedNeverInTheClear() throws Exception {
    DeviceIdentity identity = node.provisionDevice();

    String sealed = node.query("SELECT encode(sealed_secret, 'hex') FROM devices WHERE id = '" + identity.id() + "'");

    assertNotNull(sealed);
    // nonce (12) + ciphertext (32) + tag (16) bytes
    assertEquals(2 * (12 + 32 + 16), sealed.length());
    assertFalse(sealed.contains(java.util.HexFormat.of().formatHex(identity.secret().getBytes(java.nio.charset.StandardCharsets.US_ASCII))));
  }

  @Test
  void deviceWithAConnectionIdKeepsItsSessionWhenItsSourcePortChanges() throws Exception {
    DeviceIdentity identity = node.provisionDevice();
    try (UdpRebinder nat = new UdpRebinder(node.coapPort());
         CoapTestDevice device = CoapTestDevice.withConnectionId(nat.port(), identity.id(), identity.secret())) {
      double connects = node.metric("drover_connects_total{protocol=\"coap\"}");
      assertEquals(ResponseCode.CHANGED, device.post("/e/before", "1").getCode());
      int firstPort = nat.outsidePort();

      nat.rebind();
      CoapResponse after = device.post("/e/after", "2");

      assertTrue(firstPort != nat.outsidePort(), "the node saw another source port");
      assertNotNull(after, "the node answered at the new address (RFC 9146: records are matched by connection ID)");
      assertEquals(ResponseCode.CHANGED, after.getCode());
      assertEquals(connects + 1, node.metric("drover_connects_total{protocol=\"coap\"}"), "one session: no new handshake, no takeover");
      assertEquals(1, node.countEvents(identity.id(), "after"));
    }
  }

  @Test
  void withoutAConnectionIdTheSameRebindingLosesTheSession() throws Exception {
    DeviceIdentity identity = node.provisionDevice();
    try (UdpRebinder nat = new UdpRebinder(node.coapPort());
         CoapTestDevice device = CoapTestDevice.connect(nat.port(), identity.id(), identity.secret())) {
      assertEquals(ResponseCode.CHANGED, device.post("/e/before", "1").getCode());

      nat.rebind();

      assertNull(device.post("/e/after", "2"), "records from an unknown address without a connection ID are dropped");
      assertEquals(0, node.countEvents(identity.id(), "after"));
    }
  }

  @Test
  void replayedRecordStoresNothingTwice() throws Exception {
    DeviceIdentity identity = node.provisionDevice();
    try (UdpRebinder wire = new UdpRebinder(node.coapPort());
         CoapTestDevice device = CoapTestDevice.connect(wire.port(), identity.id(), identity.secret())) {
      assertEquals(ResponseCode.CHANGED, device.post("/e/once", "1").getCode());

      // the last datagram the device sent is its POST's record (the 2.04 came piggybacked in the ACK, so
      // nothing followed); sent again, the DTLS replay window (RFC 6347 section 4.1.2.6) drops it, and
      // CoAP deduplication would answer it from its cache anyway
      double droppedBefore = node.metric("drover_records_dropped_total{protocol=\"coap\"}");
      wire.replayLast();
      wire.replayLast();
      Thread.sleep(300);

      assertEquals(1, node.countEvents(identity.id(), "once"));
      assertEquals(droppedBefore + 2, node.metric("drover_records_dropped_total{protocol=\"coap\"}"), "each replay is counted");
      assertEquals(ResponseCode.CHANGED, device.post("/e/twice", "2").getCode(), "the session goes on");
    }
  }

  @Test
  void aDatagramThatIsNotCoapInsideTheSessionIsDroppedAndCounted() throws Exception {
    DeviceIdentity identity = node.provisionDevice();
    try (CoapTestDevice device = CoapTestDevice.connect(node.coapPort(), identity.id(), identity.secret())) {
      assertEquals(ResponseCode.CHANGED, device.post("/e/first", "1").getCode());
      double before = node.metric("drover_messages_malformed_total{protocol=\"coap\"}");

      // version 1, type RST, token length 15: no CoAP message has a token longer than 8 (RFC 7252 section 3)
      device.endpoint().getConnector().send(org.eclipse.californium.elements.RawData.outbound(new byte[] {0x7f, 0x01, 0x02, 0x03},
          new org.eclipse.californium.elements.AddressEndpointContext(new java.net.InetSocketAddress("127.0.0.1", node.coapPort())),
          null, false));

      TestNode.eventually(java.time.Duration.ofSeconds(5),
          () -> metricOf("drover_messages_malformed_total{protocol=\"coap\"}") == before + 1, "the malformed datagram counted");
      assertEquals(ResponseCode.CHANGED, device.post("/e/after", "2").getCode(), "the session goes on");
    }
  }

  private static double metricOf(String series) {
    try {
      return node.metric(series);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void wrongKeyFailsTheHandshakeAndIsCountedAsBadCredentials() throws Exception {
    DeviceIdentity identity = node.provisionDevice();
    double before = node.metric("drover_connects_rejected_total{protocol=\"coap\",reason=\"bad_credentials\"}");

    try (CoapTestDevice device = CoapTestDevice.connect(node.coapPort(), identity.id(), "0123456789abcdef0123456789abcdef")) {
      assertNull(device.post("/e/temp", "1"), "a wrong key gets no session");
    }

    assertEquals(before + 1, node.metric("drover_connects_rejected_total{protocol=\"coap\",reason=\"bad_credentials\"}"));
    assertEquals(0, node.countEvents(identity.id(), "temp"));
    assertEquals(Boolean.FALSE, row(identity).get("online"));
  }

  @Test
  void unknownIdentityFailsTheHandshakeAndIsCountedAsUnknownDevice() throws Exception {
    double before = node.metric("drover_connects_rejected_total{protocol=\"coap\",reason=\"unknown_device\"}");

    try (CoapTestDevice device = CoapTestDevice.connect(node.coapPort(), "ffffffffffffffffffffffff", "0123456789abcdef0123456789abcdef")) {
      assertNull(device.post("/e/temp", "1"));
    }

    assertEquals(before + 1, node.metric("drover_connects_rejected_total{protocol=\"coap\",reason=\"unknown_device\"}"));
  }

  @Test
  void badEventsAreRefusedWithTheirCodeAndCountedWhileTheSessionGoesOn() throws Exception {
    DeviceIdentity identity = node.provisionDevice();
    double tooLarge = node.metric("drover_events_rejected_total{protocol=\"coap\",reason=\"payload_too_large\"}");
    try (CoapTestDevice device = CoapTestDevice.connect(node.coapPort(), identity.id(), identity.secret())) {

      assertEquals(ResponseCode.REQUEST_ENTITY_TOO_LARGE, device.post("/e/big", "x".repeat(1025)).getCode());
      assertEquals(ResponseCode.FORBIDDEN, device.post("/e/spark/status", "online").getCode());
      assertEquals(ResponseCode.UNSUPPORTED_CONTENT_FORMAT, device.post("/e/bin", new byte[] {(byte) 0xc3, (byte) 0x28}).getCode());
      assertEquals(ResponseCode.BAD_REQUEST, device.post("/e/" + "n".repeat(65), "1").getCode());
      assertEquals(ResponseCode.NOT_FOUND, device.post("/nothing-here", "1").getCode());
      assertEquals(ResponseCode.CHANGED, device.post("/e/fine", "x".repeat(1024)).getCode(), "the session goes on");

      assertEquals(tooLarge + 1, node.metric("drover_events_rejected_total{protocol=\"coap\",reason=\"payload_too_large\"}"));
      assertEquals(1, node.countEvents(identity.id(), "fine"));
    }
  }

  @Test
  void describeIsAcceptedAndAMalformedOneRefused() throws Exception {
    DeviceIdentity identity = node.provisionDevice();
    try (CoapTestDevice device = CoapTestDevice.connect(node.coapPort(), identity.id(), identity.secret())) {
      assertEquals(ResponseCode.CHANGED, device.post("/d", "{\"f\":[\"led\"],\"v\":{\"temp\":\"double\"}}").getCode());
      assertEquals(ResponseCode.UNSUPPORTED_CONTENT_FORMAT, device.post("/d", "not json").getCode());
    }
  }

  @Test
  void coapSessionTakesOverAnMqttSessionOfTheSameDeviceWithoutGoingOffline(Vertx vertx) throws Exception {
    DeviceIdentity identity = node.provisionDevice();
    try (SseClient stream = SseClient.open(vertx, node.httpPort(), "/v1/devices/events/spark/status", node.adminToken());
         TestDevice mqtt = TestDevice.connect(vertx, node.mqttPort(), identity.id(), identity.secret()).await(10, TimeUnit.SECONDS);
         CoapTestDevice coap = CoapTestDevice.connect(node.coapPort(), identity.id(), identity.secret())) {
      stream.awaitEvent(e -> isStatus(e, identity, "online"), WAIT);

      assertEquals(ResponseCode.CHANGED, coap.post("/e/moved", "1").getCode());

      mqtt.closed().await(10, TimeUnit.SECONDS);
      assertFalse(mqtt.isConnected(), "the MQTT session was taken over");
      Thread.sleep(300);
      assertFalse(stream.events().stream().anyMatch(e -> isStatus(e, identity, "offline")), "no offline event on takeover");
      assertTrue(Boolean.TRUE.equals(row(identity).get("online")));
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
}
