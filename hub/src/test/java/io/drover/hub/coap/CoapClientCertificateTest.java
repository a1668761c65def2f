package io.drover.hub.coap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.support.CoapTestDevice;
import io.drover.hub.support.TestCertificates;
import io.drover.hub.support.TestCertificates.Made;
import io.drover.hub.support.TestNode;
import io.drover.hub.support.TlsClients;
import io.drover.hub.tls.PemCertificates;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.eclipse.californium.core.CoapResponse;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * X.509 device identity over CoAP/DTLS through the whole node: a device provisioned with a CSR posts an
 * event with {@code coap-client-gnutls -c -j}, verifying the node's DTLS certificate against the node's
 * own CA ({@code -R ca.pem}, the file MQTT and HTTPS clients trust); revoked, its next handshake ends in
 * the certificate_revoked alert and the refusal is counted by reason.
 */
class CoapClientCertificateTest {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private static TestCertificates openssl;
  private static TestNode node;

  @BeforeAll
  static void startNode() throws Exception {
    openssl = new TestCertificates(Files.createTempDirectory("drover-coap-certificates"));
    node = TestNode.start();
  }

  @AfterAll
  static void stopNode() {
    node.close();
  }

  @Test
  void aDeviceProvisionedWithACsrPostsOverDtlsUntilItsCertificateIsRevoked() throws Exception {
    Made csr = openssl.csr("/CN=coap line 1");
    HttpResponse<String> provisioned = node.post("/v1/admin/devices", new JsonObject().put("csr", Files.readString(csr.certificate())).encode(),
        node.adminToken());
    assertEquals(201, provisioned.statusCode(), provisioned.body());
    JsonObject device = new JsonObject(provisioned.body());
    String id = device.getString("id");
    Path certificate = Files.writeString(Files.createTempFile("coap-device", ".pem"), device.getString("certificate"));

    TlsClients.Result posted = post(certificate, csr.key(), "21.5");
    // exit 0 and nothing printed: 2.04 with an empty payload (a refusal prints its code)
    assertEquals(0, posted.exitCode(), posted.output());
    assertEquals("", posted.output().trim());
    TestNode.eventually(WAIT, () -> events(id) == 1, "the event is stored under the device the certificate names");

    String revoked = "drover_gateway_certificate_refusals_total{protocol=\"coap\",reason=\"revoked\"}";
    double before = node.metric(revoked);
    assertEquals(200, node.send("DELETE", "/v1/devices/" + id + "/certificates/" + device.getString("fingerprint"), null, node.adminToken())
        .statusCode());
    TlsClients.Result refused = post(certificate, csr.key(), "22.0");
    assertTrue(refused.output().contains("Alert '44'"), "certificate_revoked (RFC 5246 section 7.2.2): " + refused.output());
    assertEquals(before + 1, node.metric(revoked));
    assertEquals(1, events(id), "nothing more was stored");
  }

  /**
   * A DTLS session resumed with an abbreviated handshake carries no certificate: the node judges the
   * session's certificate again, so a revoked one is not resumed. The device is sent to a full
   * handshake, refused with certificate_revoked; nothing is stored, and the refusal is counted by reason.
   */
  @Test
  void aSessionOfARevokedCertificateIsNotResumed() throws Exception {
    Made csr = openssl.csr("/CN=coap line 2");
    HttpResponse<String> provisioned = node.post("/v1/admin/devices", new JsonObject().put("csr", Files.readString(csr.certificate())).encode(),
        node.adminToken());
    assertEquals(201, provisioned.statusCode(), provisioned.body());
    JsonObject device = new JsonObject(provisioned.body());
    String id = device.getString("id");
    X509Certificate certificate = PemCertificates.one(device.getString("certificate"), "certificate");
    X509Certificate nodeCa = PemCertificates.one(Files.readString(node.caFile()), "CA");

    try (CoapTestDevice coap = CoapTestDevice.withCertificate(node.coapPort(), privateKey(csr.key()), new X509Certificate[] {certificate}, nodeCa)) {
      CoapResponse first = coap.post("/e/temperature", "21.5");
      assertEquals(ResponseCode.CHANGED, first == null ? null : first.getCode(), "the first post, over a full handshake");
      TestNode.eventually(WAIT, () -> events(id) == 1, "the event is stored");

      String revoked = "drover_gateway_certificate_refusals_total{protocol=\"coap\",reason=\"revoked\"}";
      double before = node.metric(revoked);
      assertEquals(200, node.send("DELETE", "/v1/devices/" + id + "/certificates/" + device.getString("fingerprint"), null, node.adminToken())
          .statusCode());
      coap.forceResumption();

      assertNull(coap.post("/e/temperature", "22.0"), "no answer: the handshake was refused");
      TestNode.eventually(WAIT, () -> coap.refusedWith("certificate_revoked"), "the node's alert: certificate_revoked");
      assertEquals(before + 1, node.metric(revoked), "counted by reason");
      assertEquals(1, events(id), "nothing more was stored");
    }
  }

  /**
   * Revoking the certificate ends the DTLS session opened with it: the API says so, the device is sent
   * a close_notify, and its next post needs a new handshake, which is refused with certificate_revoked.
   */
  @Test
  void revokingTheCertificateEndsTheDtlsSessionItOpened() throws Exception {
    Made csr = openssl.csr("/CN=coap line 3");
    HttpResponse<String> provisioned = node.post("/v1/admin/devices", new JsonObject().put("csr", Files.readString(csr.certificate())).encode(),
        node.adminToken());
    assertEquals(201, provisioned.statusCode(), provisioned.body());
    JsonObject device = new JsonObject(provisioned.body());
    String id = device.getString("id");
    X509Certificate certificate = PemCertificates.one(device.getString("certificate"), "certificate");
    X509Certificate nodeCa = PemCertificates.one(Files.readString(node.caFile()), "CA");

    try (CoapTestDevice coap = CoapTestDevice.withCertificate(node.coapPort(), privateKey(csr.key()), new X509Certificate[] {certificate}, nodeCa)) {
      CoapResponse first = coap.post("/e/temperature", "21.5");
      assertEquals(ResponseCode.CHANGED, first == null ? null : first.getCode());
      String closed = "drover_gateway_connections_closed_total{protocol=\"coap\",reason=\"certificate_revoked\"}";
      double closedBefore = node.metric(closed);

      HttpResponse<String> revoked = node.send("DELETE", "/v1/devices/" + id + "/certificates/" + device.getString("fingerprint"), null,
          node.adminToken());

      assertEquals(200, revoked.statusCode(), revoked.body());
      assertEquals(true, new JsonObject(revoked.body()).getBoolean("session_ended"), revoked.body());
      assertEquals(closedBefore + 1, node.metric(closed));
      TestNode.eventually(WAIT, () -> coap.alerts().contains("close_notify"), "the node ended the DTLS session");
      assertNull(coap.post("/e/temperature", "22.0"), "no answer: the new handshake was refused");
      TestNode.eventually(WAIT, () -> coap.refusedWith("certificate_revoked"), "the new handshake was refused with certificate_revoked");
      assertEquals(1, events(id), "nothing more was stored");
    }
  }

  private static PrivateKey privateKey(Path pem) throws Exception {
    String base64 = Files.readString(pem).replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
    return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
  }

  private static TlsClients.Result post(Path certificate, Path key, String data) throws Exception {
    return TlsClients.run(List.of("coap-client-gnutls", "-c", certificate.toString(), "-j", key.toString(), "-R", node.caFile().toString(),
        "-B", "10", "-m", "post", "-e", data, "coaps://127.0.0.1:" + node.coapPort() + "/e/temperature"));
  }

  private static long events(String id) {
    try {
      return node.countEvents(id, "temperature");
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
