package io.drover.hub.coap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.drover.hub.devices.DtlsServerKey;
import io.drover.hub.support.CoapTestDevice;
import io.drover.hub.support.TestNode;
import io.drover.hub.support.TestNode.DeviceIdentity;
import io.vertx.core.json.JsonObject;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import org.eclipse.californium.core.CoapResponse;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Devices that authenticate CoAP over DTLS with an ECDSA P-256 raw public key registered at provisioning. */
class CoapRawPublicKeyTest {

  private static TestNode node;
  private static KeyPair serverKey;

  @BeforeAll
  static void startNode() throws Exception {
    node = TestNode.start();
    serverKey = DtlsServerKey.loadAtStart(node.dataDir().resolve(DtlsServerKey.FILE_NAME));
  }

  @AfterAll
  static void stopNode() {
    node.close();
  }

  @Test
  void deviceWithItsRegisteredKeyPublishesAsItself() throws Exception {
    KeyPair deviceKey = p256();
    DeviceIdentity identity = node.provisionDevice(Base64.getEncoder().encodeToString(deviceKey.getPublic().getEncoded()));

    // the device pins the node's key from DATA_DIR/coap-server-key: a handshake with any other fails
    try (CoapTestDevice device = CoapTestDevice.withRawPublicKey(node.coapPort(), deviceKey, serverKey.getPublic())) {
      CoapResponse response = device.post("/e/rpk", "hello");

      assertNotNull(response, "no response");
      assertEquals(ResponseCode.CHANGED, response.getCode());
      assertEquals(1, node.countEvents(identity.id(), "rpk"), "the event is the registered device's");
    }
  }

  @Test
  void unregisteredKeyFailsTheHandshakeAndIsCounted() throws Exception {
    double before = node.metric("drover_connects_rejected_total{protocol=\"coap\",reason=\"unknown_device\"}");

    try (CoapTestDevice device = CoapTestDevice.withRawPublicKey(node.coapPort(), p256(), serverKey.getPublic())) {
      assertNull(device.post("/e/rpk", "hello"));
    }

    assertEquals(before + 1, node.metric("drover_connects_rejected_total{protocol=\"coap\",reason=\"unknown_device\"}"));
  }

  @Test
  void provisioningRefusesAKeyThatIsNotP256AndAKeyAlreadyRegistered() throws Exception {
    KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
    rsa.initialize(2048);
    String rsaKey = Base64.getEncoder().encodeToString(rsa.generateKeyPair().getPublic().getEncoded());
    assertEquals(400, node.post("/v1/admin/devices", new JsonObject().put("public_key", rsaKey).encode(), node.adminToken()).statusCode());

    String key = Base64.getEncoder().encodeToString(p256().getPublic().getEncoded());
    node.provisionDevice(key);
    assertEquals(409, node.post("/v1/admin/devices", new JsonObject().put("public_key", key).encode(), node.adminToken()).statusCode());
  }

  private static KeyPair p256() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    return generator.generateKeyPair();
  }
}
