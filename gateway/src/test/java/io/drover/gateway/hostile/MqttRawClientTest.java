package io.drover.gateway.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.drover.gateway.support.FakeHub;
import io.drover.gateway.support.GatewayUnderTest;
import io.vertx.core.Vertx;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What the hostile-input suite found on the MQTT listener, each pinned by an example over a raw socket
 * (the suite itself is {@link HostileMqttTest}).
 */
class MqttRawClientTest {

  private static final int DEADLINE_MILLIS = 10_000;

  private static Vertx vertx;
  private static FakeHub hub;
  private static GatewayUnderTest gateway;

  @BeforeAll
  static void startGateway() throws Exception {
    vertx = GatewayUnderTest.strictVertx();
    hub = new FakeHub();
    gateway = GatewayUnderTest.start(vertx, hub);
  }

  @AfterAll
  static void stopGateway() throws Exception {
    try {
      gateway.stop();
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  /**
   * MQTT 3.1.1 section 3.1: the first packet must be CONNECT. vertx-mqtt closes the connection and then
   * throws from its read handler, which Vert.x logged at ERROR with a stack trace: one per connection,
   * for anyone who can open one.
   */
  @Test
  void packetBeforeConnectClosesTheConnectionAndLogsNoError() throws Exception {
    try (ErrorLog log = ErrorLog.watch(); Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", gateway.mqttPort()), DEADLINE_MILLIS);
      socket.setSoTimeout(DEADLINE_MILLIS);

      socket.getOutputStream().write(new byte[] {(byte) 0xc0, 0}); // PINGREQ

      assertEquals(-1, readUntilClosed(socket.getInputStream()), "the connection is closed, nothing is answered");
      EventLoops.drain(vertx);
      assertEquals(List.of(), log.errors());
    }
  }

  private static int readUntilClosed(InputStream in) throws Exception {
    try {
      while (in.read() >= 0) {
        // what the server says before it closes is not this test's concern
      }
      return -1;
    } catch (SocketException reset) {
      return -1;
    }
  }
}
