package io.drover.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.gateway.contract.CertificateRefusal;
import io.drover.gateway.contract.SessionNotice;
import io.drover.gateway.support.Command;
import io.drover.gateway.support.FakeHub;
import io.drover.gateway.support.FakeHub.ReceivedEvent;
import io.drover.gateway.support.GatewayUnderTest;
import io.drover.gateway.support.TestCertificates;
import io.drover.gateway.support.TestCertificates.DeviceCertificate;
import io.vertx.core.Vertx;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Devices that authenticate by X.509 certificate, played by real programs exactly as
 * docs/device-protocol.md shows them: {@code mosquitto_pub --cert --key} (OpenSSL's TLS) and
 * {@code coap-client-gnutls -c -j} (GnuTLS's DTLS against Scandium's). Neither is given a secret.
 */
class CertificatePeersTest {

  private static final SecureRandom RANDOM = new SecureRandom();
  private static Vertx vertx;
  private static FakeHub hub;
  private static GatewayUnderTest gateway;
  private static TestCertificates certificates;

  @BeforeAll
  static void startGateway() throws Exception {
    vertx = GatewayUnderTest.strictVertx();
    hub = new FakeHub();
    gateway = GatewayUnderTest.start(vertx, hub);
    certificates = TestCertificates.shared();
  }

  @AfterAll
  static void stopGateway() throws Exception {
    try {
      gateway.stop();
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void mosquittoPubWithACertificateAndNoPasswordPublishesAnEvent() {
    String deviceId = randomDeviceId();
    DeviceCertificate certificate = certificates.issue(deviceId);
    hub.trustCertificate(certificate.fingerprint(), deviceId);

    Command.Result pub = mosquittoPub(certificate, deviceId, "e/door", "open");

    assertEquals(0, pub.exitCode(), pub.output());
    List<ReceivedEvent> events = hub.eventsOf(deviceId);
    assertEquals(1, events.size(), "QoS 1 was acknowledged, so the hub had the event");
    assertEquals("door", events.get(0).event().name());
    assertEquals("open", events.get(0).event().data());
    assertEquals(List.of(), hub.authentications.matching(request -> deviceId.equals(request.getString("device_id"))), "no secret was asked for");
  }

  @Test
  void mosquittoPubWithAnExpiredCertificateIsRefusedNotAuthorizedAndCounted() {
    String deviceId = randomDeviceId();
    DeviceCertificate expired = certificates.expired(deviceId);
    hub.failCertificate(expired.fingerprint(), CertificateRefusal.EXPIRED.failure("ended " + expired.certificate().getNotAfter().toInstant()));
    double before = gateway.certificateRefusals("mqtt", CertificateRefusal.EXPIRED);

    Command.Result v311 = mosquittoPub(expired, deviceId, "e/door", "open");
    Command.Result v5 = mosquittoPub(expired, deviceId, "e/door", "open", "-V", "5");

    // mosquitto_pub exits with the CONNACK code: 5 (MQTT 3.1.1 not authorized), 135 (0x87 Not authorized)
    assertEquals(5, v311.exitCode(), v311.output());
    assertTrue(v311.output().toLowerCase(Locale.ROOT).contains("not authori"), v311.output());
    assertEquals(135, v5.exitCode(), v5.output());
    assertEquals(before + 2, gateway.certificateRefusals("mqtt", CertificateRefusal.EXPIRED));
    assertEquals(List.of(), hub.eventsOf(deviceId));
  }

  @Test
  void coapClientWithACertificatePostsAnEventOverDtls() {
    String deviceId = randomDeviceId();
    DeviceCertificate certificate = certificates.issue(deviceId);
    hub.trustCertificate(certificate.fingerprint(), deviceId);

    Command.Result post = coapClient(certificate, "-m", "post", "-e", "21.5", "coaps://127.0.0.1:" + gateway.coapPort() + "/e/temp");

    // exit code 0 and no output: 2.04 with an empty payload (a refusal prints its code and reason)
    assertEquals(0, post.exitCode(), post.output());
    assertEquals("", post.output().trim());
    List<ReceivedEvent> events = hub.eventsOf(deviceId);
    assertEquals(1, events.size(), "a confirmable POST is answered after the hub has the event: " + post.output());
    assertEquals("21.5", events.get(0).event().data());
    SessionNotice online = hub.noticesOf(deviceId).get(0);
    assertEquals("coap", online.protocol());
  }

  @Test
  void coapClientWithARevokedCertificateGetsNoSessionAndIsCounted() {
    String deviceId = randomDeviceId();
    DeviceCertificate revoked = certificates.issue(deviceId);
    hub.failCertificate(revoked.fingerprint(), CertificateRefusal.REVOKED.failure("fingerprint removed"));
    double before = gateway.certificateRefusals("coap", CertificateRefusal.REVOKED);

    Command.Result post = coapClient(revoked, "-m", "post", "-e", "1", "-B", "5", "coaps://127.0.0.1:" + gateway.coapPort() + "/e/temp");

    // coap-client exits 0 either way; it prints the alert GnuTLS received and that it sent nothing
    assertTrue(post.output().contains("Alert '44'"), "certificate_revoked (RFC 5246 section 7.2.2): " + post.output());
    assertTrue(post.output().contains("cannot send CoAP pdu"), post.output());
    assertEquals(before + 1, gateway.certificateRefusals("coap", CertificateRefusal.REVOKED));
    assertEquals(List.of(), hub.eventsOf(deviceId));
    assertEquals(List.of(), hub.noticesOf(deviceId));
  }

  /** One QoS 1 publish over TLS with the device's certificate, verifying the node against the server CA; no user name, no password. */
  private static Command.Result mosquittoPub(DeviceCertificate certificate, String clientId, String topic, String message, String... extra) {
    List<String> command = new ArrayList<>(List.of("mosquitto_pub", "-h", "127.0.0.1", "-p", String.valueOf(gateway.mqttTlsPort()),
        "--cafile", certificates.serverCaFile().toString(), "--cert", certificate.certificateFile().toString(),
        "--key", certificate.keyFile().toString(), "-i", clientId, "-q", "1", "-t", topic, "-m", message));
    command.addAll(List.of(extra));
    return Command.run(command);
  }

  /** libcoap's client with the device's certificate and key, verifying the node against the server CA ({@code -R}). */
  private static Command.Result coapClient(DeviceCertificate certificate, String... arguments) {
    List<String> command = new ArrayList<>(List.of("coap-client-gnutls", "-c", certificate.certificateFile().toString(),
        "-j", certificate.keyFile().toString(), "-R", certificates.serverCaFile().toString(), "-B", "10"));
    command.addAll(List.of(arguments));
    return Command.run(command);
  }

  private static String randomDeviceId() {
    byte[] random = new byte[12];
    RANDOM.nextBytes(random);
    return HexFormat.of().formatHex(random);
  }
}
