package io.drover.hub.mqtt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.support.CertificateMqttDevice;
import io.drover.hub.support.TestCertificates;
import io.drover.hub.support.TestCertificates.Made;
import io.drover.hub.support.TestNode;
import io.drover.hub.support.TlsClients;
import io.drover.hub.tls.PemCertificates;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * X.509 device identity through the whole node: a device made with a CSR at the provisioning route,
 * or with a certificate of the operator's CA file, publishes with {@code mosquitto_pub --cert --key}
 * over MQTT over TLS without a password; revoked, it is refused with CONNACK "not authorised" and the
 * refusal is counted by reason.
 */
class MqttClientCertificateTest {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private static TestCertificates openssl;
  private static Made operatorCa;
  private static TestNode node;

  @BeforeAll
  static void startNode() throws Exception {
    openssl = new TestCertificates(Files.createTempDirectory("drover-mqtt-certificates"));
    operatorCa = openssl.rootCa("/CN=Operator device CA", TestCertificates.NOW_START, TestCertificates.NOW_END);
    node = TestNode.start("--devices.ca-file=" + operatorCa.certificate());
  }

  @AfterAll
  static void stopNode() {
    node.close();
  }

  @Test
  void aDeviceProvisionedWithACsrPublishesWithItsCertificateUntilItIsRevoked() throws Exception {
    Made csr = openssl.csr("/CN=factory line 3");
    HttpResponse<String> provisioned = node.post("/v1/admin/devices", new JsonObject().put("csr", Files.readString(csr.certificate())).encode(),
        node.adminToken());
    assertEquals(201, provisioned.statusCode(), provisioned.body());
    JsonObject device = new JsonObject(provisioned.body());
    String id = device.getString("id");
    Path certificate = Files.writeString(Files.createTempFile("device", ".pem"), device.getString("certificate"));

    TlsClients.Result published = publish(id, certificate, csr.key(), "r1");
    assertEquals(0, published.exitCode(), published.output());
    TestNode.eventually(WAIT, () -> events(id) == 1, "the event is stored under the device the certificate names");

    double revokedBefore = node.metric("drover_gateway_certificate_refusals_total{protocol=\"mqtt\",reason=\"revoked\"}");
    assertEquals(200, node.send("DELETE", "/v1/devices/" + id + "/certificates/" + device.getString("fingerprint"), null, node.adminToken())
        .statusCode());
    TlsClients.Result refused = publish(id, certificate, csr.key(), "r2");
    assertEquals(5, refused.exitCode(), "CONNACK not authorised: " + refused.output());
    assertEquals(revokedBefore + 1, node.metric("drover_gateway_certificate_refusals_total{protocol=\"mqtt\",reason=\"revoked\"}"));
    assertEquals(1, events(id), "nothing more was stored");
  }

  @Test
  void aCertificateOfTheOperatorsCaNamesItsDeviceAndOnlyThatOne() throws Exception {
    String id = node.provisionDevice().id();
    String other = node.provisionDevice().id();
    Made certificate = openssl.device("/CN=" + id, operatorCa);

    TlsClients.Result published = publish(id, certificate.certificate(), certificate.key(), "hello");
    assertEquals(0, published.exitCode(), published.output());
    TestNode.eventually(WAIT, () -> events(id) == 1, "the event is stored");

    double before = node.metric("drover_gateway_certificate_refusals_total{protocol=\"mqtt\",reason=\"id_mismatch\"}");
    TlsClients.Result mismatch = publish(other, certificate.certificate(), certificate.key(), "as someone else");
    assertEquals(5, mismatch.exitCode(), mismatch.output());
    assertEquals(before + 1, node.metric("drover_gateway_certificate_refusals_total{protocol=\"mqtt\",reason=\"id_mismatch\"}"));
    assertTrue(events(other) == 0);
  }

  /**
   * Revoking the certificate a connection was authenticated with ends that connection at once (MQTT 5
   * DISCONNECT 0x87 Not authorized), the API says so, and the device cannot connect again with it.
   */
  @Test
  void revokingTheCertificateEndsTheConnectionItOpened() throws Exception {
    Made csr = openssl.csr("/CN=factory line 4");
    HttpResponse<String> provisioned = node.post("/v1/admin/devices", new JsonObject().put("csr", Files.readString(csr.certificate())).encode(),
        node.adminToken());
    assertEquals(201, provisioned.statusCode(), provisioned.body());
    JsonObject device = new JsonObject(provisioned.body());
    String id = device.getString("id");
    X509Certificate certificate = PemCertificates.one(device.getString("certificate"), "certificate");
    try (CertificateMqttDevice held = CertificateMqttDevice.connect(node.mqttTlsPort(), node.caFile(), id, certificate, csr.key())) {
      held.publish("e/reading", "held");
      TestNode.eventually(WAIT, () -> events(id) == 1, "the event is stored");
      double closed = node.metric("drover_gateway_connections_closed_total{protocol=\"mqtt\",reason=\"certificate_revoked\"}");

      HttpResponse<String> revoked = node.send("DELETE", "/v1/devices/" + id + "/certificates/" + device.getString("fingerprint"), null,
          node.adminToken());

      assertEquals(200, revoked.statusCode(), revoked.body());
      assertEquals(true, new JsonObject(revoked.body()).getBoolean("session_ended"), revoked.body());
      assertEquals(0x87, held.disconnected().get(10, TimeUnit.SECONDS), "DISCONNECT 0x87 Not authorized");
      assertEquals(closed + 1, node.metric("drover_gateway_connections_closed_total{protocol=\"mqtt\",reason=\"certificate_revoked\"}"));
      TlsClients.Result again = publish(id, Files.writeString(Files.createTempFile("device", ".pem"), device.getString("certificate")), csr.key(),
          "again");
      assertEquals(5, again.exitCode(), "CONNACK not authorised: " + again.output());
      assertEquals(1, events(id), "nothing more was stored");
    }
  }

  private static TlsClients.Result publish(String id, Path certificate, Path key, String message) throws Exception {
    return TlsClients.run(List.of("mosquitto_pub", "-h", "127.0.0.1", "-p", String.valueOf(node.mqttTlsPort()), "--cafile", node.caFile().toString(),
        "--cert", certificate.toString(), "--key", key.toString(), "-i", id, "-q", "1", "-t", "e/reading", "-m", message));
  }

  private static long events(String id) {
    try {
      return node.countEvents(id, "reading");
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
