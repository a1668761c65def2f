package io.drover.hub.coap;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.drover.hub.devices.DtlsServerKey;
import io.drover.hub.devices.certificates.DeviceCas;
import io.drover.hub.support.CoapTestDevice;
import io.drover.hub.support.TestCertificates;
import io.drover.hub.support.TestCertificates.Made;
import io.drover.hub.support.TestNode;
import io.drover.hub.tls.NodeCertificate;
import io.drover.hub.tls.PemCertificates;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.Base64;
import org.eclipse.californium.core.CoapResponse;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * X.509 devices over DTLS on a node the operator gave its own TLS certificate ({@code tls.cert-file},
 * an ECDSA certificate of the operator's CA made here with openssl): the node holds no TLS CA then, and
 * its DTLS server shows a certificate of its device CA for its own DTLS key, so a device that trusts
 * {@code device-ca.pem} connects and posts.
 */
class CoapOperatorCertificateTest {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private static TestCertificates openssl;
  private static TestNode node;

  @BeforeAll
  static void startNode() throws Exception {
    openssl = new TestCertificates(Files.createTempDirectory("drover-operator-tls"));
    Made operatorCa = openssl.rootCa("/CN=Operator TLS CA", TestCertificates.NOW_START, TestCertificates.NOW_END);
    Made server = openssl.issue("/CN=localhost", operatorCa, "server_only", TestCertificates.NOW_START, TestCertificates.NOW_END);
    node = TestNode.start("--tls.cert-file=" + server.certificate(), "--tls.key-file=" + server.key());
  }

  @AfterAll
  static void stopNode() {
    node.close();
  }

  @Test
  void aDeviceWithACertificatePostsOverDtlsTrustingTheDeviceCa() throws Exception {
    Made csr = openssl.csr("/CN=operator line 1");
    HttpResponse<String> provisioned = node.post("/v1/admin/devices", new JsonObject().put("csr", Files.readString(csr.certificate())).encode(),
        node.adminToken());
    assertEquals(201, provisioned.statusCode(), provisioned.body());
    JsonObject device = new JsonObject(provisioned.body());
    String id = device.getString("id");
    X509Certificate certificate = PemCertificates.one(device.getString("certificate"), "certificate");
    Path tls = node.dataDir().resolve(NodeCertificate.DIRECTORY);
    X509Certificate deviceCa = PemCertificates.one(Files.readString(tls.resolve(DeviceCas.CA_FILE)), "device CA");

    try (CoapTestDevice coap = CoapTestDevice.withCertificate(node.coapPort(), privateKey(csr.key()), new X509Certificate[] {certificate}, deviceCa)) {
      CoapResponse posted = coap.post("/e/temperature", "20.5");

      assertEquals(ResponseCode.CHANGED, posted == null ? null : posted.getCode(), "alerts: " + coap.alerts());
      TestNode.eventually(WAIT, () -> events(id) == 1, "the event is stored under the device the certificate names");
    }
  }

  /** The DTLS server still proves itself with its own key: a raw-public-key device that pinned it is served as before. */
  @Test
  void aRawPublicKeyDeviceStillPinsTheDtlsServersOwnKey() throws Exception {
    KeyPair serverKey = DtlsServerKey.loadAtStart(node.dataDir().resolve(DtlsServerKey.FILE_NAME));
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair deviceKey = generator.generateKeyPair();
    String id = node.provisionDevice(Base64.getEncoder().encodeToString(deviceKey.getPublic().getEncoded())).id();

    try (CoapTestDevice coap = CoapTestDevice.withRawPublicKey(node.coapPort(), deviceKey, serverKey.getPublic())) {
      CoapResponse posted = coap.post("/e/rpk", "pinned");

      assertEquals(ResponseCode.CHANGED, posted == null ? null : posted.getCode());
      assertEquals(1, node.countEvents(id, "rpk"));
    }
  }

  private static long events(String id) {
    try {
      return node.countEvents(id, "temperature");
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private static PrivateKey privateKey(Path pem) throws Exception {
    String base64 = Files.readString(pem).replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
    return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
  }
}
