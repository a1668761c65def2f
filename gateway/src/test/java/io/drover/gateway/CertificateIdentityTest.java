package io.drover.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.drover.gateway.contract.BusAddresses;
import io.drover.gateway.contract.CertificateAuthentication;
import io.drover.gateway.contract.CertificateRefusal;
import io.drover.gateway.contract.DeviceCommand;
import io.drover.gateway.contract.DeviceFailure;
import io.drover.gateway.contract.DeviceFailure.Kind;
import io.drover.gateway.contract.SessionNotice;
import io.drover.gateway.contract.SessionNotice.State;
import io.drover.gateway.pipeline.ConnectionClose;
import io.drover.gateway.support.CoapDevice;
import io.drover.gateway.support.DeviceLink;
import io.drover.gateway.support.FakeHub;
import io.drover.gateway.support.FakeHub.ReceivedEvent;
import io.drover.gateway.support.GatewayUnderTest;
import io.drover.gateway.support.MqttDevice;
import io.drover.gateway.support.MqttLogin;
import io.drover.gateway.support.TestCertificates;
import io.drover.gateway.support.TestCertificates.DeviceCertificate;
import io.drover.gateway.support.WireAnswer;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * X.509 device identity, run once per transport against one set of expectations, as
 * {@link PipelineContractTest} runs the pipeline: a device that presents a certificate the hub accepts
 * is the device it names, with no secret; one the hub refuses gets its transport's refusal and is
 * counted by reason. Each {@link Transport} writes what its wire says from the specifications (MQTT
 * 3.1.1 section 3.2.2.3, MQTT 5 section 3.2.2.2, RFC 5246 section 7.2.2), not from production's mappings.
 *
 * <p>The certificates are real ({@link TestCertificates}: expired ones expired, untrusted ones from a
 * rogue CA) and every one of them must cross the TLS or DTLS handshake to reach the hub: that is the
 * gateway's part. Whether one is trusted is the hub's, here the {@link FakeHub}'s table.
 */
class CertificateIdentityTest {

  private static final SecureRandom RANDOM = new SecureRandom();
  private static Vertx vertx;
  private static Vertx devices;
  private static FakeHub hub;
  private static GatewayUnderTest gateway;
  private static TestCertificates certificates;

  private final List<DeviceLink> opened = new ArrayList<>();

  /** How a device presents its certificate, and what each outcome looks like on its wire. */
  enum Transport {
    MQTT_3_1_1("mqtt", MqttDevice.Version.V3_1_1) {
      /** Section 3.2.2.3: 0x05 Connection Refused, not authorized. */
      @Override
      WireAnswer refused(CertificateRefusal reason) {
        return answer("CONNACK 0x05");
      }

      /** 0x03 Connection Refused, Server unavailable. */
      @Override
      WireAnswer unavailable() {
        return answer("CONNACK 0x03");
      }

      @Override
      WireAnswer sessionRevoked(DeviceLink link) throws Exception {
        return link.awaitTakenOver();
      }
    },

    MQTT_5("mqtt", MqttDevice.Version.V5) {
      /** MQTT 5 section 3.2.2.2: 0x87 Not authorized. */
      @Override
      WireAnswer refused(CertificateRefusal reason) {
        return answer("CONNACK 0x87");
      }

      /** 0x88 Server unavailable. */
      @Override
      WireAnswer unavailable() {
        return answer("CONNACK 0x88");
      }

      @Override
      WireAnswer sessionRevoked(DeviceLink link) throws Exception {
        return link.awaitTakenOver();
      }
    },

    COAP("coap", null) {
      @Override
      DeviceLink connect(DeviceCertificate certificate, String clientId) throws Exception {
        return CoapDevice.open(gateway.coapPort(), certificates.coapCredentials(certificate));
      }

      @Override
      WireAnswer firstContact(DeviceCertificate certificate, String clientId) throws Exception {
        return CoapDevice.firstRequestOrAlert(gateway.coapPort(), certificates.coapCredentials(certificate));
      }

      /**
       * The handshake fails with a fatal alert (RFC 5246 section 7.2.2): certificate_expired,
       * certificate_revoked, unknown_ca ("the CA certificate could not be located or matched with a known,
       * trusted CA"); bad_certificate for a certificate that is fine as such but names no device of ours.
       */
      @Override
      WireAnswer refused(CertificateRefusal reason) {
        return answer("alert " + switch (reason) {
          case EXPIRED -> "certificate_expired";
          case REVOKED -> "certificate_revoked";
          case UNTRUSTED -> "unknown_ca";
          case MALFORMED, UNKNOWN_DEVICE, ID_MISMATCH -> "bad_certificate";
        });
      }

      /** internal_error: "unrelated to the peer or the correctness of the protocol". */
      @Override
      WireAnswer unavailable() {
        return answer("alert internal_error");
      }

      @Override
      WireAnswer sessionRevoked(DeviceLink link) throws Exception {
        return ((CoapDevice) link).publishOrAlert("door", utf8("after"));
      }
    };

    final String protocol;
    final MqttDevice.Version version;

    Transport(String protocol, MqttDevice.Version version) {
      this.protocol = protocol;
      this.version = version;
    }

    /** Opens a session with the certificate alone; MQTT's client identifier is {@code clientId}. */
    DeviceLink connect(DeviceCertificate certificate, String clientId) throws Exception {
      return MqttDevice.connect(version, devices, MqttLogin.certificate(gateway.mqttTlsPort(), clientId, certificate));
    }

    /** The answer to a first contact with the certificate alone. */
    WireAnswer firstContact(DeviceCertificate certificate, String clientId) throws Exception {
      return MqttDevice.connack(version, devices, MqttLogin.certificate(gateway.mqttTlsPort(), clientId, certificate));
    }

    abstract WireAnswer refused(CertificateRefusal reason);

    /**
     * What a device whose certificate was revoked hears on its open session: MQTT 3.1.1 has no
     * DISCONNECT from the server (section 3.14), so the connection closes; MQTT 5 section 3.14.2.1
     * 0x87 Not authorized; CoAP nothing, but its next request needs a new handshake, refused with
     * certificate_revoked.
     */
    abstract WireAnswer sessionRevoked(DeviceLink link) throws Exception;

    /** The hub could not answer: the device may try again. */
    abstract WireAnswer unavailable();

    /** What the hub is asked as {@code claimedDeviceId}: MQTT's client identifier; DTLS has none. */
    String claimed(String clientId) {
      return this == COAP ? null : clientId;
    }

    private static WireAnswer answer(String text) {
      return new WireAnswer(text);
    }
  }

  /** A certificate the hub refuses, made and told to the fake hub as the case needs. */
  enum Refused {
    /** Issued by a CA this node does not know: the fake hub refuses what is not in its table. */
    UNTRUSTED(CertificateRefusal.UNTRUSTED) {
      @Override
      DeviceCertificate make(String deviceId) {
        return certificates.untrusted(deviceId);
      }
    },
    EXPIRED(CertificateRefusal.EXPIRED) {
      @Override
      DeviceCertificate make(String deviceId) {
        DeviceCertificate expired = certificates.expired(deviceId);
        hub.failCertificate(expired.fingerprint(), CertificateRefusal.EXPIRED.failure("ended " + expired.certificate().getNotAfter().toInstant()));
        return expired;
      }
    },
    REVOKED(CertificateRefusal.REVOKED) {
      @Override
      DeviceCertificate make(String deviceId) {
        DeviceCertificate revoked = certificates.issue(deviceId);
        hub.failCertificate(revoked.fingerprint(), CertificateRefusal.REVOKED.failure("fingerprint removed"));
        return revoked;
      }
    },
    UNKNOWN_DEVICE(CertificateRefusal.UNKNOWN_DEVICE) {
      @Override
      DeviceCertificate make(String deviceId) {
        DeviceCertificate unknown = certificates.issue(deviceId);
        hub.failCertificate(unknown.fingerprint(), CertificateRefusal.UNKNOWN_DEVICE.failure("no device " + deviceId));
        return unknown;
      }
    },
    /** A trusted certificate of another device than the one the client identifier claims. */
    ID_MISMATCH(CertificateRefusal.ID_MISMATCH) {
      @Override
      DeviceCertificate make(String deviceId) {
        String other = randomDeviceId();
        DeviceCertificate others = certificates.issue(other);
        hub.trustCertificate(others.fingerprint(), other);
        return others;
      }
    };

    final CertificateRefusal reason;

    Refused(CertificateRefusal reason) {
      this.reason = reason;
    }

    /** A certificate the fake hub refuses for this reason, when a device connects as {@code deviceId}. */
    abstract DeviceCertificate make(String deviceId);
  }

  @BeforeAll
  static void startGateway() throws Exception {
    vertx = GatewayUnderTest.strictVertx();
    devices = Vertx.vertx();
    hub = new FakeHub();
    gateway = GatewayUnderTest.start(vertx, hub);
    certificates = TestCertificates.shared();
  }

  @AfterAll
  static void stopGateway() throws Exception {
    try {
      gateway.stop();
    } finally {
      devices.close().await(10, TimeUnit.SECONDS);
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  @AfterEach
  void closeDevices() {
    opened.forEach(DeviceLink::close);
  }

  static Stream<Arguments> refusals() {
    return Stream.of(Transport.values()).flatMap(transport -> Stream.of(Refused.values()).map(refused -> Arguments.of(transport, refused)));
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Transport.class)
  void deviceWithATrustedCertificateConnectsWithoutASecretAsTheDeviceItNames(Transport transport) throws Exception {
    String deviceId = randomDeviceId();
    DeviceCertificate certificate = certificates.issue(deviceId);
    hub.trustCertificate(certificate.fingerprint(), deviceId);
    double accepted = gateway.connectsAccepted(transport.protocol);

    DeviceLink link = open(transport, certificate, deviceId);

    assertEquals(new WireAnswer("PUBACK"), withoutReasonCode(link.publish("door", utf8("open"), true)));
    ReceivedEvent event = hub.eventsOf(deviceId).get(0);
    assertEquals("open", event.event().data());
    SessionNotice online = hub.notices.awaitFirst(notice -> notice.deviceId().equals(deviceId), "the session noticed online");
    assertEquals(State.OPENED, online.state());
    assertEquals(transport.protocol, online.protocol());
    assertEquals(accepted + 1, gateway.connectsAccepted(transport.protocol));
    CertificateAuthentication asked = hub.certificateAuthentications.awaitFirst(
        request -> HexFormat.of().formatHex(request.chain().get(0)).equals(HexFormat.of().formatHex(certificate.der())), "the hub asked");
    assertEquals(1, asked.chain().size(), "the chain as the device sent it");
    assertEquals(transport.claimed(deviceId), asked.claimedDeviceId());
    assertEquals(transport.protocol, asked.protocol());
    assertEquals("127.0.0.1", asked.remoteAddress());
    assertEquals(List.of(), hub.authentications.matching(request -> deviceId.equals(request.getString("device_id"))), "no secret was asked for");
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("refusals")
  void refusedCertificateIsAnsweredOnItsWireAndCountedByReason(Transport transport, Refused refused) throws Exception {
    assumeFalse(transport == Transport.COAP && refused == Refused.ID_MISMATCH, "a DTLS handshake claims no device ID of its own");
    String deviceId = randomDeviceId();
    DeviceCertificate certificate = refused.make(deviceId);
    double byReason = gateway.certificateRefusals(transport.protocol, refused.reason);
    double badCertificate = gateway.connectsRejected(transport.protocol, Kind.BAD_CERTIFICATE);

    WireAnswer answer = transport.firstContact(certificate, deviceId);

    assertEquals(transport.refused(refused.reason), answer);
    assertEquals(byReason + 1, gateway.certificateRefusals(transport.protocol, refused.reason), "counted as " + refused.reason.reason());
    assertEquals(badCertificate + 1, gateway.connectsRejected(transport.protocol, Kind.BAD_CERTIFICATE), "counted as a bad_certificate connect");
    assertTrue(hub.certificateAuthentications.matching(request -> HexFormat.of().formatHex(request.chain().get(0))
        .equals(HexFormat.of().formatHex(certificate.der()))).size() == 1, "the handshake let the certificate through to the hub, once");
    assertEquals(List.of(), hub.noticesOf(deviceId), "no session opened");
    assertEquals(List.of(), hub.noticesOf(certificate.deviceId()), "not for the device the certificate names either");
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Transport.class)
  void hubThatCannotAnswerMakesTheDeviceTryAgainAndIsNoCertificateRefusal(Transport transport) throws Exception {
    String deviceId = randomDeviceId();
    DeviceCertificate certificate = certificates.issue(deviceId);
    hub.failCertificate(certificate.fingerprint(), new DeviceFailure(Kind.UNAVAILABLE, "the registry did not answer"));
    double unavailable = gateway.connectsRejected(transport.protocol, Kind.UNAVAILABLE);
    double badCertificate = gateway.connectsRejected(transport.protocol, Kind.BAD_CERTIFICATE);

    WireAnswer answer = transport.firstContact(certificate, deviceId);

    assertEquals(transport.unavailable(), answer);
    assertEquals(unavailable + 1, gateway.connectsRejected(transport.protocol, Kind.UNAVAILABLE));
    assertEquals(badCertificate, gateway.connectsRejected(transport.protocol, Kind.BAD_CERTIFICATE));
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(value = MqttDevice.Version.class)
  void secretStillAuthenticatesOverTlsWithoutACertificate(MqttDevice.Version version) throws Exception {
    String deviceId = randomDeviceId();
    String secret = randomHex(16);
    hub.addDevice(deviceId, secret);

    MqttDevice device = MqttDevice.connect(version, devices, MqttLogin.secretOverTls(gateway.mqttTlsPort(), deviceId, secret));
    opened.add(device);

    assertEquals(new WireAnswer("PUBACK"), withoutReasonCode(device.publish("door", utf8("open"), true)));
    assertEquals(1, hub.authentications.matching(request -> deviceId.equals(request.getString("device_id"))).size());
    assertEquals(List.of(), hub.certificateAuthentications.matching(request -> deviceId.equals(request.claimedDeviceId())));
    assertEquals(new WireAnswer(version == MqttDevice.Version.V5 ? "CONNACK 0x86" : "CONNACK 0x04"),
        MqttDevice.connack(version, devices, MqttLogin.secretOverTls(gateway.mqttTlsPort(), deviceId, randomHex(16))),
        "a wrong secret over TLS is still bad credentials");
  }

  /** The certificate authenticates; a password beside it is not checked (docs/device-protocol.md section 2). */
  @ParameterizedTest(name = "{0}")
  @EnumSource(value = MqttDevice.Version.class)
  void passwordBesideATrustedCertificateIsNotChecked(MqttDevice.Version version) throws Exception {
    String deviceId = randomDeviceId();
    DeviceCertificate certificate = certificates.issue(deviceId);
    hub.trustCertificate(certificate.fingerprint(), deviceId);

    WireAnswer answer = MqttDevice.connack(version, devices,
        MqttLogin.certificate(gateway.mqttTlsPort(), deviceId, certificate).withPassword(deviceId, "not-its-secret"));

    assertEquals(new WireAnswer("CONNACK 0x00"), answer);
    assertEquals(List.of(), hub.authentications.matching(request -> deviceId.equals(request.getString("device_id"))));
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(value = MqttDevice.Version.class)
  void userNameOfAnotherDeviceIsRefusedBesideACertificate(MqttDevice.Version version) throws Exception {
    String deviceId = randomDeviceId();
    DeviceCertificate certificate = certificates.issue(deviceId);
    hub.trustCertificate(certificate.fingerprint(), deviceId);
    double badCredentials = gateway.connectsRejected("mqtt", Kind.BAD_CREDENTIALS);

    WireAnswer answer = MqttDevice.connack(version, devices,
        MqttLogin.certificate(gateway.mqttTlsPort(), deviceId, certificate).withPassword(randomDeviceId(), "x"));

    assertEquals(new WireAnswer(version == MqttDevice.Version.V5 ? "CONNACK 0x86" : "CONNACK 0x04"), answer);
    assertEquals(badCredentials + 1, gateway.connectsRejected("mqtt", Kind.BAD_CREDENTIALS));
    assertEquals(List.of(), hub.noticesOf(deviceId));
  }

  /** Should a hub ever answer with another device than the client identifier, the gateway does not open a session for either. */
  @Test
  void hubAnswerNamingAnotherDeviceThanTheClientIdentifierIsRefusedAsIdMismatch() throws Exception {
    String named = randomDeviceId();
    String claimed = randomDeviceId();
    DeviceCertificate certificate = certificates.issue(named);
    hub.trustCertificate(certificate.fingerprint(), named);
    double mismatches = gateway.certificateRefusals("mqtt", CertificateRefusal.ID_MISMATCH);
    hub.checkClaimedDevice(false);
    WireAnswer answer;
    try {
      answer = MqttDevice.connack(MqttDevice.Version.V3_1_1, devices, MqttLogin.certificate(gateway.mqttTlsPort(), claimed, certificate));
    } finally {
      hub.checkClaimedDevice(true);
    }

    assertEquals(new WireAnswer("CONNACK 0x05"), answer);
    assertEquals(mismatches + 1, gateway.certificateRefusals("mqtt", CertificateRefusal.ID_MISMATCH));
    assertEquals(List.of(), hub.noticesOf(named));
    assertEquals(List.of(), hub.noticesOf(claimed));
  }

  /**
   * A device that reconnects resumes its TLS session (RFC 8446 section 2.2): the handshake then carries
   * no certificate, and the node must still know the one of the original handshake.
   */
  @Test
  void reconnectThatResumesTheTlsSessionIsStillAuthenticatedByItsCertificate() throws Exception {
    String deviceId = randomDeviceId();
    DeviceCertificate certificate = certificates.issue(deviceId);
    hub.trustCertificate(certificate.fingerprint(), deviceId);
    SSLContext device = clientTls(certificate);

    RawConnect first = rawConnect(device, deviceId);
    SessionNotice online = hub.notices.awaitFirst(notice -> notice.deviceId().equals(deviceId), "the first session");
    RawConnect second = rawConnect(device, deviceId);

    assertEquals(first.tlsSessionCreated(), second.tlsSessionCreated(), "the second connection resumed the first's TLS session");
    assertEquals("20020000", first.connack(), "CONNACK accepted");
    assertEquals("20020000", second.connack(), "CONNACK accepted after resumption");
    assertEquals(2, hub.certificateAuthentications.matching(request -> deviceId.equals(request.claimedDeviceId())).size(),
        "the hub judged the certificate at both CONNECTs");
    assertEquals(State.OPENED, online.state());
  }

  /**
   * The hub revoked the certificate a session was authenticated with ({@code END_SESSION} with its
   * fingerprint): the session ends on every transport, the device is told as its wire allows, goes
   * offline, and cannot come back with that certificate. The revocation of another certificate leaves
   * the session be.
   */
  @ParameterizedTest(name = "{0}")
  @EnumSource(Transport.class)
  void sessionEndsWhenTheCertificateItWasAuthenticatedWithIsRevoked(Transport transport) throws Exception {
    String deviceId = randomDeviceId();
    DeviceCertificate certificate = certificates.issue(deviceId);
    hub.trustCertificate(certificate.fingerprint(), deviceId);
    DeviceLink link = open(transport, certificate, deviceId);
    assertEquals(new WireAnswer("PUBACK"), withoutReasonCode(link.publish("door", utf8("open"), true)));

    assertEquals("kept", endSession(deviceId, certificates.issue(deviceId).fingerprint()), "another certificate of the device was revoked");
    assertEquals(new WireAnswer("PUBACK"), withoutReasonCode(link.publish("door", utf8("ajar"), true)));

    hub.failCertificate(certificate.fingerprint(), CertificateRefusal.REVOKED.failure("fingerprint removed"));
    double closed = gateway.connectionsClosed(transport.protocol, ConnectionClose.CERTIFICATE_REVOKED);
    double resumptionsRefused = gateway.resumptionsRefused(CertificateRefusal.REVOKED);
    assertEquals("ended", endSession(deviceId, certificate.fingerprint()));
    if (transport == Transport.COAP) {
      // a device that tries to resume the session finds it gone: the node forgot it, and asks for a full handshake without judging it
      ((CoapDevice) link).forceResumption();
    }

    assertEquals(transport == Transport.MQTT_3_1_1 ? new WireAnswer("connection closed") : transport == Transport.MQTT_5
        ? new WireAnswer("DISCONNECT 0x87") : new WireAnswer("alert certificate_revoked"), transport.sessionRevoked(link));
    hub.notices.await(all -> all.stream().anyMatch(notice -> notice.deviceId().equals(deviceId) && notice.state() == State.CLOSED),
        "the device went offline");
    assertEquals(closed + 1, gateway.connectionsClosed(transport.protocol, ConnectionClose.CERTIFICATE_REVOKED), "counted by reason");
    assertEquals(resumptionsRefused, gateway.resumptionsRefused(CertificateRefusal.REVOKED), "no session was left to resume");
    assertEquals(transport.refused(CertificateRefusal.REVOKED), transport.firstContact(certificate, deviceId), "and it cannot come back");
    assertEquals(List.of("open", "ajar"), hub.eventsOf(deviceId).stream().map(received -> received.event().data()).toList());
    assertEquals(DeviceFailure.Kind.DEVICE_OFFLINE.busCode(), endSessionFailure(deviceId, certificate.fingerprint()), "no session is left");
  }

  /** Asks the device's session to end, as the hub's DeviceCertificatesApi does through DeviceCommands; the session's answer. */
  private static String endSession(String deviceId, String fingerprint) throws Exception {
    DeviceCommand end = new DeviceCommand(deviceId, DeviceCommand.Kind.END_SESSION, null, fingerprint, 3000);
    return vertx.eventBus().<JsonObject>request(BusAddresses.deviceCommands(gateway.nodeId()), end.toJson())
        .await(10, TimeUnit.SECONDS).body().getString("result");
  }

  private static int endSessionFailure(String deviceId, String fingerprint) throws Exception {
    DeviceCommand end = new DeviceCommand(deviceId, DeviceCommand.Kind.END_SESSION, null, fingerprint, 3000);
    try {
      vertx.eventBus().<JsonObject>request(BusAddresses.deviceCommands(gateway.nodeId()), end.toJson()).await(10, TimeUnit.SECONDS);
    } catch (ReplyException failed) {
      return failed.failureCode();
    }
    throw new AssertionError("the command was answered");
  }

  /**
   * A DTLS session resumed with an abbreviated handshake (RFC 5246 section 7.3) carries no certificate:
   * the node asks the hub about the one of the session again, and a certificate revoked since is not
   * resumed. The device is sent to a full handshake, which refuses it with certificate_revoked.
   */
  @Test
  void dtlsSessionOfACertificateRevokedSinceIsNotResumed() throws Exception {
    String deviceId = randomDeviceId();
    DeviceCertificate certificate = certificates.issue(deviceId);
    hub.trustCertificate(certificate.fingerprint(), deviceId);
    CoapDevice device = CoapDevice.open(gateway.coapPort(), certificates.coapCredentials(certificate));
    opened.add(device);
    assertEquals(new WireAnswer("2.04"), device.publish("door", utf8("open"), true));
    device.forceResumption();
    assertEquals(new WireAnswer("2.04"), device.publishOrAlert("door", utf8("ajar")), "a trusted certificate's session resumes");
    assertEquals(2, hub.certificateAuthentications.matching(request -> HexFormat.of().formatHex(request.chain().get(0))
        .equals(HexFormat.of().formatHex(certificate.der()))).size(), "the hub judged the certificate again at the resumption");

    hub.failCertificate(certificate.fingerprint(), CertificateRefusal.REVOKED.failure("fingerprint removed"));
    double revoked = gateway.certificateRefusals("coap", CertificateRefusal.REVOKED);
    double resumptionsRefused = gateway.resumptionsRefused(CertificateRefusal.REVOKED);
    device.forceResumption();

    assertEquals(new WireAnswer("alert certificate_revoked"), device.publishOrAlert("door", utf8("closed")));
    assertEquals(List.of("open", "ajar"), hub.eventsOf(deviceId).stream().map(received -> received.event().data()).toList(), "nothing more stored");
    assertEquals(resumptionsRefused + 1, gateway.resumptionsRefused(CertificateRefusal.REVOKED), "the resumption refused, by reason");
    assertEquals(revoked + 1, gateway.certificateRefusals("coap", CertificateRefusal.REVOKED), "the full handshake refused, by reason");
  }

  /** PSK sessions resume as before: the key is not asked for again. */
  @Test
  void dtlsSessionWithAPreSharedKeyStillResumes() throws Exception {
    String deviceId = randomDeviceId();
    String secret = randomHex(16);
    hub.addDevice(deviceId, secret);
    CoapDevice device = CoapDevice.open(gateway.coapPort(), deviceId, secret);
    opened.add(device);
    double resumptionsRefused = gateway.resumptionsRefused(CertificateRefusal.REVOKED);

    device.forceResumption();

    assertEquals(new WireAnswer("2.04"), device.publishOrAlert("door", utf8("open")));
    assertEquals(resumptionsRefused, gateway.resumptionsRefused(CertificateRefusal.REVOKED));
  }

  /** The node's raw key serves next to its certificate: a device of RFC 7250 shakes hands as before. */
  @Test
  void rawPublicKeyDeviceIsServedByANodeThatAlsoTakesCertificates() throws Exception {
    String deviceId = randomDeviceId();
    KeyPair key = ecKey();
    hub.addPublicKey(deviceId, key.getPublic().getEncoded());
    double unknown = gateway.connectsRejected("coap", Kind.UNKNOWN_DEVICE);

    DeviceLink link = CoapDevice.open(gateway.coapPort(), new CoapDevice.Credentials.RawPublicKey(key));
    opened.add(link);

    assertEquals(new WireAnswer("2.04"), link.publish("door", utf8("open"), true));
    assertEquals("open", hub.eventsOf(deviceId).get(0).event().data());
    assertEquals(new WireAnswer("alert bad_certificate"),
        CoapDevice.firstRequestOrAlert(gateway.coapPort(), new CoapDevice.Credentials.RawPublicKey(ecKey())), "an unregistered key");
    assertEquals(unknown + 1, gateway.connectsRejected("coap", Kind.UNKNOWN_DEVICE));
  }

  /** The CONNACK in hex, and when the TLS session it came over was made: the same for a resumed one. */
  private record RawConnect(String connack, long tlsSessionCreated) {
  }

  /** An MQTT 3.1.1 CONNECT with client ID {@code deviceId}, nothing else, over TLS. */
  private static RawConnect rawConnect(SSLContext tls, String deviceId) throws Exception {
    byte[] id = deviceId.getBytes(StandardCharsets.US_ASCII);
    byte[] connect = new byte[2 + 10 + 2 + id.length];
    connect[0] = 0x10;
    connect[1] = (byte) (10 + 2 + id.length);
    System.arraycopy(HexFormat.of().parseHex("00044d5154540402003c"), 0, connect, 2, 10);
    connect[12] = 0;
    connect[13] = (byte) id.length;
    System.arraycopy(id, 0, connect, 14, id.length);
    try (SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket("127.0.0.1", gateway.mqttTlsPort())) {
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write(connect);
      socket.getOutputStream().flush();
      byte[] connack = socket.getInputStream().readNBytes(4);
      socket.getOutputStream().write(new byte[] {(byte) 0xe0, 0}); // DISCONNECT
      socket.getOutputStream().flush();
      return new RawConnect(HexFormat.of().formatHex(connack), socket.getSession().getCreationTime());
    }
  }

  /** The device's TLS context, kept across its connections as a device keeps it: the JDK resumes sessions from it. */
  private static SSLContext clientTls(DeviceCertificate certificate) throws Exception {
    char[] password = "device".toCharArray();
    KeyStore own = KeyStore.getInstance("PKCS12");
    own.load(null, null);
    own.setKeyEntry("device", certificate.key(), password, new Certificate[] {certificate.certificate()});
    KeyManagerFactory keys = KeyManagerFactory.getInstance("SunX509");
    keys.init(own, password);
    KeyStore trusted = KeyStore.getInstance("PKCS12");
    trusted.load(null, null);
    trusted.setCertificateEntry("server-ca", certificates.serverCa());
    TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trust.init(trusted);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(keys.getKeyManagers(), trust.getTrustManagers(), null);
    return context;
  }

  private DeviceLink open(Transport transport, DeviceCertificate certificate, String clientId) throws Exception {
    DeviceLink link = transport.connect(certificate, clientId);
    opened.add(link);
    return link;
  }

  /** MQTT 5's "PUBACK 0x00", MQTT 3.1.1's "PUBACK" and CoAP's "2.04" all say: written. */
  private static WireAnswer withoutReasonCode(WireAnswer answer) {
    return answer.text().equals("PUBACK 0x00") || answer.text().equals("2.04") ? new WireAnswer("PUBACK") : answer;
  }

  private static KeyPair ecKey() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    return generator.generateKeyPair();
  }

  private static String randomDeviceId() {
    return randomHex(12);
  }

  private static String randomHex(int bytes) {
    byte[] random = new byte[bytes];
    RANDOM.nextBytes(random);
    return HexFormat.of().formatHex(random);
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
