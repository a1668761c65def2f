package io.drover.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.gateway.support.FakeHub;
import io.drover.gateway.support.GatewayUnderTest;
import io.drover.gateway.support.MqttDevice;
import io.drover.gateway.support.MqttLogin;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The wrong protocol on a port: plain MQTT on the TLS port, a TLS handshake on the plain port. Each is
 * closed before a CONNECT is ever read, leaves nothing behind, and the listeners serve on. (The TLS
 * listener now asks every client for a certificate; it must still close what is not TLS at all.)
 */
class MqttTlsListenerTest {

  /** MQTT 3.1.1 CONNECT, client ID "abc", clean session, keep-alive 60 s. */
  private static final byte[] PLAIN_CONNECT = HexFormat.of().parseHex("100f00044d5154540402003c0003616263");
  private static final SecureRandom RANDOM = new SecureRandom();

  private static Vertx vertx;
  private static Vertx devices;
  private static FakeHub hub;
  private static GatewayUnderTest gateway;

  @BeforeAll
  static void startGateway() throws Exception {
    vertx = GatewayUnderTest.strictVertx();
    devices = Vertx.vertx();
    hub = new FakeHub();
    gateway = GatewayUnderTest.start(vertx, hub);
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

  @Test
  void plainConnectOnTheTlsPortIsClosedWithoutAConnackAndTheListenersServeOn() throws Exception {
    int notices = hub.notices.size();
    byte[] answer;
    try (Socket socket = new Socket("127.0.0.1", gateway.mqttTlsPort())) {
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write(PLAIN_CONNECT);
      socket.getOutputStream().flush();
      answer = readToEnd(socket.getInputStream());
    }

    // a CONNACK would start 0x20; a TLS alert record is content type 21
    assertTrue(answer.length == 0 || answer[0] == 21, "closed, at most with an alert: " + HexFormat.of().formatHex(answer));
    assertNothingLeftAndBothPortsServe(notices);
  }

  @Test
  void tlsHandshakeOnThePlainPortFailsAndTheListenersServeOn() throws Exception {
    int notices = hub.notices.size();
    SSLContext trustingAll = SSLContext.getInstance("TLS");
    trustingAll.init(null, new TrustManager[] {new TrustingAll()}, null);

    try (SSLSocket socket = (SSLSocket) trustingAll.getSocketFactory().createSocket("127.0.0.1", gateway.mqttPort())) {
      socket.setSoTimeout(10_000);
      assertThrows(IOException.class, socket::startHandshake, "a ClientHello is no MQTT packet: the connection is closed");
    }

    assertNothingLeftAndBothPortsServe(notices);
  }

  /** @param notices the session notices the hub had before the test */
  private static void assertNothingLeftAndBothPortsServe(int notices) throws Exception {
    // a connection is held from its accept until the gateway's side of its close completes, a moment
    // after the client sees it closed
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (heldConnections() > 0 && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    for (int instance = 0; instance < GatewayUnderTest.LISTENER_INSTANCES; instance++) {
      assertEquals(0, gateway.listenerConnections("mqtt", instance), "plain instance " + instance + " holds no connection");
      assertEquals(0, gateway.listenerConnections("mqtt", "tls-" + instance), "TLS instance " + instance + " holds no connection");
    }
    assertEquals(0, gateway.devicesConnected("mqtt"));
    assertEquals(notices, hub.notices.size(), "no session was opened");

    String deviceId = randomHex(12);
    String secret = randomHex(16);
    hub.addDevice(deviceId, secret);
    for (MqttLogin login : new MqttLogin[] {MqttLogin.secret(gateway.mqttPort(), deviceId, secret),
        MqttLogin.secretOverTls(gateway.mqttTlsPort(), deviceId, secret)}) {
      try (MqttDevice device = MqttDevice.connect(MqttDevice.Version.V3_1_1, devices, login)) {
        assertEquals("PUBACK", device.publish("still", "here".getBytes(), true).text(), "port " + login.port());
      }
    }
    assertEquals(2, hub.eventsOf(deviceId).size());
    // the next test starts from no connection at all: a connection is let go before its session's end is noticed
    hub.notices.await(all -> all.size() == notices + 4, "both sessions opened and closed");
  }

  private static double heldConnections() {
    double held = 0;
    for (int instance = 0; instance < GatewayUnderTest.LISTENER_INSTANCES; instance++) {
      held += gateway.listenerConnections("mqtt", instance) + gateway.listenerConnections("mqtt", "tls-" + instance);
    }
    return held;
  }

  private static byte[] readToEnd(InputStream in) throws IOException {
    try {
      return in.readAllBytes();
    } catch (IOException reset) {
      return new byte[0]; // closed with a reset: no CONNACK either
    }
  }

  private static String randomHex(int bytes) {
    byte[] random = new byte[bytes];
    RANDOM.nextBytes(random);
    return HexFormat.of().formatHex(random);
  }

  /** The client side of the wrong-port test need not check the server: it never gets that far. */
  private static final class TrustingAll implements X509TrustManager {

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
