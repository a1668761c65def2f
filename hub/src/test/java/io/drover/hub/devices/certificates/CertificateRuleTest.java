package io.drover.hub.devices.certificates;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.drover.gateway.contract.BusAddresses;
import io.drover.gateway.contract.CertificateAuthentication;
import io.drover.gateway.contract.CertificateRefusal;
import io.drover.gateway.contract.DeviceFailure;
import io.drover.hub.support.TestCertificates;
import io.drover.hub.support.TestCertificates.Made;
import io.drover.hub.support.TestNode;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The one certificate rule, asked over the bus as a gateway asks it ({@code hub.devices.authenticate-certificate}),
 * on a node with an operator CA file, two products with CAs of their own, and certificates made with openssl.
 */
class CertificateRuleTest {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private static TestCertificates openssl;
  private static Made operatorCa;
  private static Made productACa;
  private static Made strangerCa;
  private static TestNode node;
  private static String alice;
  private static int productA;
  private static int productB;

  @BeforeAll
  static void startNode() throws Exception {
    Path dir = Files.createTempDirectory("drover-certificate-rule");
    openssl = new TestCertificates(dir);
    operatorCa = openssl.rootCa("/O=Operator/CN=Operator device CA", TestCertificates.NOW_START, TestCertificates.NOW_END);
    productACa = openssl.rootCa("/O=Maker A/CN=Product A device CA", TestCertificates.NOW_START, TestCertificates.NOW_END);
    strangerCa = openssl.rootCa("/O=Stranger/CN=Nobody's CA", TestCertificates.NOW_START, TestCertificates.NOW_END);
    node = TestNode.start("--devices.ca-file=" + operatorCa.certificate());
    node.signUpAndLogIn("operator@example.com", "the administrator");
    alice = node.signUpAndLogIn("alice@example.com", "alice's password");
    productA = product("fleet-a");
    productB = product("fleet-b");
    HttpResponse<String> added = node.post("/v1/products/" + productA + "/device_cas", new JsonObject().put("certificate", productACa.pem()).encode(), alice);
    assertEquals(201, added.statusCode(), added.body());
  }

  @AfterAll
  static void stopNode() {
    node.close();
  }

  @Test
  void aRegisteredSelfSignedCertificateNamesItsDeviceByFingerprint() throws Exception {
    String device = node.provisionDevice().id();
    Made selfSigned = openssl.selfSigned("/CN=my sensor");
    register(device, selfSigned);

    assertEquals(device, accepted(chain(selfSigned), null));
    assertEquals(device, accepted(chain(selfSigned), device.toUpperCase()), "the client identifier is compared as a device ID");
  }

  @Test
  void aCertificateOfTheNodesDeviceCaNamesTheDeviceInItsCn() throws Exception {
    String device = node.provisionDevice().id();
    Made nodeCa = new Made(node.dataDir().resolve("tls/device-ca.pem"), node.dataDir().resolve("tls/device-ca-key.pem"));

    Made certificate = openssl.device("/CN=" + device.toUpperCase(), nodeCa);

    assertEquals(device, accepted(chain(certificate), device), "not registered: trusted through the node's device CA, CN normalised");
  }

  @Test
  void aCertificateOfTheOperatorsCaFileNamesTheDeviceInItsCn() throws Exception {
    String device = node.provisionDevice().id();

    assertEquals(device, accepted(chain(openssl.device("/O=Operator/CN=" + device, operatorCa)), device));
  }

  @Test
  void aProductsCaVouchesForItsOwnDevicesAndForNoOthers() throws Exception {
    String inA = productDevice(productA);
    String inB = productDevice(productB);
    String inNone = node.provisionDevice().id();

    assertEquals(inA, accepted(chain(openssl.device("/CN=" + inA, productACa)), null));
    List<byte[]> forB = chain(openssl.device("/CN=" + inB, productACa));
    TestNode.eventually(WAIT, () -> refusal(forB, null).getMessage().contains("is in product " + productB),
        "the hub knows the device is in product B");
    assertRefused(CertificateRefusal.UNKNOWN_DEVICE, forB, null);
    assertRefused(CertificateRefusal.UNKNOWN_DEVICE, chain(openssl.device("/CN=" + inNone, productACa)), null);
  }

  @Test
  void aProductCaRemovedNoLongerVouches() throws Exception {
    Made ca = openssl.rootCa("/CN=Short-lived product CA", TestCertificates.NOW_START, TestCertificates.NOW_END);
    node.post("/v1/products/" + productB + "/device_cas", new JsonObject().put("certificate", ca.pem()).encode(), alice);
    String device = productDevice(productB);
    Made certificate = openssl.device("/CN=" + device, ca);
    assertEquals(device, accepted(chain(certificate), null));
    String fingerprint = new JsonObject(node.get("/v1/products/" + productB + "/device_cas", alice).body())
        .getJsonArray("device_cas").getJsonObject(0).getString("fingerprint");

    assertEquals(200, node.send("DELETE", "/v1/products/" + productB + "/device_cas/" + fingerprint, null, alice).statusCode());

    assertRefused(CertificateRefusal.UNTRUSTED, chain(certificate), null);
  }

  @Test
  void aChainThroughAnIntermediateIsTrustedWhenTheIntermediateIsSent() throws Exception {
    String device = node.provisionDevice().id();
    Made intermediate = openssl.intermediateCa("/O=Operator/CN=Operator issuing CA 1", operatorCa);
    Made certificate = openssl.device("/CN=" + device, intermediate);

    assertEquals(device, accepted(List.of(certificate.der(), intermediate.der()), device));
    assertRefused(CertificateRefusal.UNTRUSTED, chain(certificate), device);
  }

  @Test
  void anExpiredCertificateIsRefused() throws Exception {
    String device = node.provisionDevice().id();
    Made expired = openssl.issue("/CN=" + device, operatorCa, "leaf", "20200101000000Z", "20210101000000Z");

    DeviceFailure refused = assertRefused(CertificateRefusal.EXPIRED, chain(expired), device);
    assertTrue(refused.getMessage().contains("2021-01-01T00:00:00Z"), refused.getMessage());
    assertRefused(CertificateRefusal.EXPIRED, chain(openssl.issue("/CN=" + device, operatorCa, "leaf", "20980101000000Z", TestCertificates.NOW_END)), device);
  }

  @Test
  void aRevokedFingerprintIsRefusedRegisteredOrNot() throws Exception {
    String device = node.provisionDevice().id();
    Made registered = openssl.selfSigned("/CN=revoke me");
    register(device, registered);
    Made issued = openssl.device("/CN=" + device, operatorCa);
    assertEquals(device, accepted(chain(issued), device));

    assertEquals(200, node.send("DELETE", "/v1/devices/" + device + "/certificates/" + fingerprint(registered), null, node.adminToken()).statusCode());
    assertEquals(200, node.send("DELETE", "/v1/devices/" + device + "/certificates/" + fingerprint(issued) + "?unregistered=true", null,
        node.adminToken()).statusCode());

    assertRefused(CertificateRefusal.REVOKED, chain(registered), device);
    assertRefused(CertificateRefusal.REVOKED, chain(issued), device);
    assertEquals(device, accepted(chain(openssl.device("/CN=" + device, operatorCa)), device), "the device's other certificates still work");
  }

  @Test
  void aCertificateOfAnotherCaIsUntrusted() throws Exception {
    String device = node.provisionDevice().id();

    assertRefused(CertificateRefusal.UNTRUSTED, chain(openssl.device("/CN=" + device, strangerCa)), device);
    assertRefused(CertificateRefusal.UNTRUSTED, chain(openssl.selfSigned("/CN=" + device)), device);
    assertRefused(CertificateRefusal.UNTRUSTED, chain(openssl.issue("/CN=" + device, operatorCa, "server_only", TestCertificates.NOW_START,
        TestCertificates.NOW_END)), device);
  }

  @Test
  void aTrustedCertificateForNoRegisteredDeviceNamesAnUnknownDevice() throws Exception {
    assertRefused(CertificateRefusal.UNKNOWN_DEVICE, chain(openssl.device("/CN=ffffffffffffffff00000001", operatorCa)), null);
    assertRefused(CertificateRefusal.UNKNOWN_DEVICE, chain(openssl.device("/CN=kitchen-sensor", operatorCa)), null);
  }

  @Test
  void aCertificateForAnotherDeviceThanTheClientIdentifierIsAMismatch() throws Exception {
    String device = node.provisionDevice().id();
    String other = node.provisionDevice().id();
    Made selfSigned = openssl.selfSigned("/CN=mine");
    register(device, selfSigned);

    assertRefused(CertificateRefusal.ID_MISMATCH, chain(openssl.device("/CN=" + device, operatorCa)), other);
    assertRefused(CertificateRefusal.ID_MISMATCH, chain(selfSigned), other);
  }

  /** As if registered through another hub node whose change notice has not arrived: written behind the node's back. */
  @Test
  void aFingerprintOrDeviceTheNodeHasNotHeardOfIsLookedUpBeforeARefusal() throws Exception {
    String device = node.provisionDevice().id();
    Made registeredElsewhere = openssl.selfSigned("/CN=registered elsewhere");
    Made revokedElsewhere = openssl.selfSigned("/CN=revoked elsewhere");
    node.execute("INSERT INTO device_certificates (fingerprint, device_id, certificate, not_after) VALUES ('" + fingerprint(registeredElsewhere)
        + "', '" + device + "', '\\x00'::bytea, now() + interval '1 day')");
    node.execute("INSERT INTO device_certificates (fingerprint, device_id, revoked_at) VALUES ('" + fingerprint(revokedElsewhere) + "', '"
        + device + "', now())");
    String newDevice = "0000000000000000000a11ce";
    node.execute("INSERT INTO devices (id, secret_hash) VALUES ('" + newDevice + "', '\\x00'::bytea)");

    assertEquals(device, accepted(chain(registeredElsewhere), device));
    assertRefused(CertificateRefusal.REVOKED, chain(revokedElsewhere), device);
    assertEquals(newDevice, accepted(chain(openssl.device("/CN=" + newDevice, operatorCa)), newDevice));
    assertRefused(CertificateRefusal.UNTRUSTED, chain(openssl.selfSigned("/CN=registered nowhere")), device);
  }

  @Test
  void whatIsNotAChainOfDerCertificatesIsMalformed() throws Exception {
    String device = node.provisionDevice().id();
    byte[] good = openssl.device("/CN=" + device, operatorCa).der();
    byte[] trailing = java.util.Arrays.copyOf(good, good.length + 1);

    assertRefused(CertificateRefusal.MALFORMED, List.of("not a certificate".getBytes()), device);
    assertRefused(CertificateRefusal.MALFORMED, List.of(trailing), device);
    assertRefused(CertificateRefusal.MALFORMED, List.of(good, new byte[] {0x30, 0x03, 0x02, 0x01, 0x01}), device);
    assertEquals(CertificateRefusal.MALFORMED, refusal(new JsonObject().put("chain", new JsonArray()).put("device_id", device)));
    assertEquals(CertificateRefusal.MALFORMED, refusal(new JsonObject().put("chain", new JsonArray().add("%%% not base64"))));
  }

  private static List<byte[]> chain(Made certificate) throws Exception {
    return List.of(certificate.der());
  }

  private static int product(String slug) throws Exception {
    HttpResponse<String> made = node.post("/v1/products", new JsonObject().put("name", slug).put("slug", slug).put("platform_id", 12).encode(), alice);
    assertEquals(201, made.statusCode(), made.body());
    return new JsonObject(made.body()).getJsonObject("product").getInteger("id");
  }

  /**
   * A device registered and imported into the product through the API, as manufacturing does (an
   * import by ID alone is the administrator's; a team imports a device that reported its claim code).
   */
  private static String productDevice(int productId) throws Exception {
    String device = node.provisionDevice().id();
    HttpResponse<String> imported = node.post("/v1/products/" + productId + "/devices", new JsonObject().put("id", device).encode(),
        node.adminToken());
    assertEquals(200, imported.statusCode(), imported.body());
    assertTrue(imported.body().contains(device) && new JsonObject(imported.body()).getInteger("updated", 0) == 1, imported.body());
    return device;
  }

  private static void register(String device, Made certificate) throws Exception {
    HttpResponse<String> registered = node.post("/v1/devices/" + device + "/certificates", new JsonObject().put("certificate", certificate.pem()).encode(),
        node.adminToken());
    assertEquals(201, registered.statusCode(), registered.body());
  }

  private static String fingerprint(Made certificate) throws Exception {
    return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(certificate.der()));
  }

  private static String accepted(List<byte[]> chain, String claimed) throws Exception {
    Message<JsonObject> reply = node.eventBus().<JsonObject>request(BusAddresses.AUTHENTICATE_CERTIFICATE,
        new CertificateAuthentication(chain, claimed, "mqtt", "127.0.0.1:50000").toJson()).await(10, TimeUnit.SECONDS);
    return reply.body().getString("device_id");
  }

  private static DeviceFailure refusal(List<byte[]> chain, String claimed) {
    return refusalOf(new CertificateAuthentication(chain, claimed, "mqtt", "127.0.0.1:50000").toJson());
  }

  private static CertificateRefusal refusal(JsonObject request) {
    return CertificateRefusal.of(refusalOf(request));
  }

  private static DeviceFailure refusalOf(JsonObject request) {
    try {
      node.eventBus().<JsonObject>request(BusAddresses.AUTHENTICATE_CERTIFICATE, request).await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      DeviceFailure failure = DeviceFailure.from(e);
      assertEquals(DeviceFailure.Kind.BAD_CERTIFICATE, failure.kind(), failure.getMessage());
      return failure;
    }
    fail("accepted: " + request.encode());
    return null;
  }

  private static DeviceFailure assertRefused(CertificateRefusal expected, List<byte[]> chain, String claimed) {
    DeviceFailure failure = refusal(chain, claimed);
    assertEquals(expected, CertificateRefusal.of(failure), failure.getMessage());
    assertTrue(failure.getMessage().startsWith(expected.reason() + ": "), failure.getMessage());
    return failure;
  }
}
