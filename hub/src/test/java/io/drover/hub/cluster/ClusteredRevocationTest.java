package io.drover.hub.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.drover.hub.support.CertificateMqttDevice;
import io.drover.hub.support.TestCertificates;
import io.drover.hub.support.TestCertificates.Made;
import io.drover.hub.support.TestCluster;
import io.drover.hub.support.TestNode;
import io.drover.hub.tls.PemCertificates;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A certificate revoked through a hub node ends the session it authenticated on another node, a
 * gateway: the {@code END_SESSION} command finds the node that holds the session as function calls do.
 */
class ClusteredRevocationTest {

  private static final Duration SOON = Duration.ofSeconds(20);

  @Test
  void revokingThroughOneNodeEndsTheSessionOnAnother() throws Exception {
    TestCertificates openssl = new TestCertificates(Files.createTempDirectory("drover-clustered-revocation"));
    try (TestCluster cluster = TestCluster.of(2)) {
      TestNode hub = cluster.start(0, "hub");
      TestNode gateway = cluster.start(1, "gateway");
      Made csr = openssl.csr("/CN=clustered line");
      HttpResponse<String> provisioned = hub.post("/v1/admin/devices", new JsonObject().put("csr", Files.readString(csr.certificate())).encode(),
          hub.adminToken());
      assertEquals(201, provisioned.statusCode(), provisioned.body());
      JsonObject device = new JsonObject(provisioned.body());
      String id = device.getString("id");
      X509Certificate certificate = PemCertificates.one(device.getString("certificate"), "certificate");

      try (CertificateMqttDevice held = CertificateMqttDevice.connect(gateway.mqttTlsPort(), gateway.caFile(), id, certificate, csr.key())) {
        held.publish("e/reading", "on the gateway node");
        TestNode.eventually(SOON, () -> countEvents(hub, id) == 1, "the event is stored");

        HttpResponse<String> revoked = hub.send("DELETE", "/v1/devices/" + id + "/certificates/" + device.getString("fingerprint"), null,
            hub.adminToken());

        assertEquals(200, revoked.statusCode(), revoked.body());
        assertEquals(true, new JsonObject(revoked.body()).getBoolean("session_ended"), revoked.body());
        assertEquals(0x87, held.disconnected().get(10, TimeUnit.SECONDS), "DISCONNECT 0x87 Not authorized, from the gateway node");
      }
    }
  }

  private static long countEvents(TestNode node, String id) {
    try {
      return node.countEvents(id, "reading");
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
