package io.drover.hub.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.drover.gateway.contract.BusAddresses;
import io.drover.gateway.contract.CertificateAuthentication;
import io.drover.gateway.contract.CertificateRefusal;
import io.drover.gateway.contract.DeviceFailure;
import io.drover.hub.support.TestCertificates;
import io.drover.hub.support.TestCertificates.Made;
import io.drover.hub.support.TestCluster;
import io.drover.hub.support.TestNode;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Certificate registrations, revocations and product CAs written through one hub node reach the other
 * hub node's in-memory index, whose rule a gateway may ask: no node answers from stale trust.
 */
class ClusteredCertificatesTest {

  private static final Duration WAIT = Duration.ofSeconds(20);
  private static TestCertificates openssl;
  private static TestCluster cluster;
  private static TestNode a;
  private static TestNode c;
  private static String alice;

  @BeforeAll
  static void startCluster() throws Exception {
    openssl = new TestCertificates(Files.createTempDirectory("drover-clustered-certificates"));
    cluster = TestCluster.of(2);
    a = cluster.start(0, "hub");
    c = cluster.start(1, "hub");
    alice = a.signUpAndLogIn("alice@example.com", "correct horse battery");
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void aCertificateRegisteredThroughOneNodeIsKnownToTheOtherAndItsRevocationToo() throws Exception {
    String device = a.provisionDevice().id();
    Made selfSigned = openssl.selfSigned("/CN=sensor");
    HttpResponse<String> registered = a.post("/v1/devices/" + device + "/certificates", new JsonObject().put("certificate", selfSigned.pem()).encode(),
        a.adminToken());
    assertEquals(201, registered.statusCode(), registered.body());

    TestNode.eventually(WAIT, () -> device.equals(answerOnC(selfSigned)), "C accepts the certificate registered through A");

    String fingerprint = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(selfSigned.der()));
    assertEquals(200, a.send("DELETE", "/v1/devices/" + device + "/certificates/" + fingerprint, null, a.adminToken()).statusCode());
    TestNode.eventually(WAIT, () -> CertificateRefusal.REVOKED.reason().equals(answerOnC(selfSigned)), "C refuses it once A revoked it");
  }

  @Test
  void aCertificateIssuedForACsrOnOneNodeWorksOnTheOther() throws Exception {
    String device = a.provisionDevice().id();
    Made csr = openssl.csr("/CN=factory");
    HttpResponse<String> signed = a.post("/v1/devices/" + device + "/certificates",
        new JsonObject().put("csr", Files.readString(csr.certificate())).encode(), a.adminToken());
    assertEquals(201, signed.statusCode(), signed.body());
    byte[] der = TestCertificates.der(new JsonObject(signed.body()).getString("certificate"));

    TestNode.eventually(WAIT, () -> device.equals(answerOnC(List.of(der))), "C accepts what A's device CA issued: it is registered");
  }

  @Test
  void aProductCaAddedOrRemovedThroughOneNodeIsTrustedOrNotByTheOther() throws Exception {
    HttpResponse<String> product = a.post("/v1/products", new JsonObject().put("name", "Fleet").put("slug", "fleet").put("platform_id", 12).encode(), alice);
    assertEquals(201, product.statusCode(), product.body());
    int productId = new JsonObject(product.body()).getJsonObject("product").getInteger("id");
    String device = a.provisionDevice().id();
    // an import by ID alone is the administrator's (a team imports a device that reported its claim code)
    HttpResponse<String> imported = a.post("/v1/products/" + productId + "/devices", new JsonObject().put("id", device).encode(), a.adminToken());
    assertEquals(1, new JsonObject(imported.body()).getInteger("updated", 0), imported.body());
    Made ca = openssl.rootCa("/CN=Fleet device CA", TestCertificates.NOW_START, TestCertificates.NOW_END);
    Made certificate = openssl.device("/CN=" + device, ca);
    HttpResponse<String> added = a.post("/v1/products/" + productId + "/device_cas", new JsonObject().put("certificate", ca.pem()).encode(), alice);
    assertEquals(201, added.statusCode(), added.body());

    TestNode.eventually(WAIT, () -> device.equals(answerOnC(certificate)), "C trusts the product's CA added through A");

    String fingerprint = new JsonObject(added.body()).getString("fingerprint");
    assertEquals(200, a.send("DELETE", "/v1/products/" + productId + "/device_cas/" + fingerprint, null, alice).statusCode());
    TestNode.eventually(WAIT, () -> CertificateRefusal.UNTRUSTED.reason().equals(answerOnC(certificate)), "C no longer trusts it once A removed it");
  }

  private static String answerOnC(Made certificate) {
    try {
      return answerOnC(List.of(certificate.der()));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** C's own rule (local only, as C's gateway would ask it): the device ID, or the refusal's reason. */
  private static String answerOnC(List<byte[]> chain) {
    try {
      return c.eventBus().<JsonObject>request(BusAddresses.AUTHENTICATE_CERTIFICATE,
              new CertificateAuthentication(chain, null, "mqtt", "127.0.0.1:50000").toJson(), new DeliveryOptions().setLocalOnly(true))
          .await(10, TimeUnit.SECONDS).body().getString("device_id");
    } catch (Exception e) {
      return CertificateRefusal.of(DeviceFailure.from(e)).reason();
    }
  }
}
