package io.drover.gateway.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.drover.gateway.contract.SessionNotice;
import io.drover.gateway.hostile.MqttPackets.Device;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

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

  /**
   * MQTT 3.1.1 section 3.1.0-2: a second CONNECT is a protocol violation, and the connection is closed.
   * vertx-mqtt 5.0.7 answers one of an unacceptable protocol level with a CONNACK from an endpoint it
   * makes for that, and tells only that one of the close: the session of the first CONNECT never hears
   * of it. Once the device connects again and takes that session over, nothing of it may be left held.
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"MQTT level 4", "MQIsdp level 4", "MQTT level 9"})
  void secondConnectClosesTheConnectionAndLeavesNothingHeldOnceTheDeviceReconnects(String protocol) throws Exception {
    Device device = new Device(newDeviceId(), "secret");
    hub.addDevice(device.id(), device.secret());
    String[] nameAndLevel = protocol.split(" level ");
    try (Socket socket = connected(device)) {
      socket.getOutputStream().write(connect(nameAndLevel[0], Integer.parseInt(nameAndLevel[1]), device));

      readUntilClosed(socket.getInputStream());
    }
    int from = hub.notices.size();
    try (Socket again = connected(device)) {
      again.getOutputStream().write(new byte[] {(byte) 0xe0, 0}); // DISCONNECT
      readUntilClosed(again.getInputStream());
    }

    hub.notices.awaitFirst(from, notice -> notice.deviceId().equals(device.id()) && notice.state() == SessionNotice.State.CLOSED,
        "the device offline once its last session ended");
    awaitNoConnectionHeld();
  }

  /**
   * A well-formed second CONNECT makes vertx-mqtt close the session's endpoint itself (section 3.1.0-2);
   * it reports that close only once the socket is gone, and the endpoint throws for any call in between.
   * Sent right behind the first, the second CONNECT closes the endpoint while the hub is authenticating
   * the first; the answer that follows was such a call, an unhandled ERROR. Tried ten times: the hub's
   * answer and the close's report race.
   */
  @Test
  void secondConnectRightBehindTheFirstLogsNoErrorAndLeavesNothingHeld() throws Exception {
    try (ErrorLog log = ErrorLog.watch()) {
      for (int i = 0; i < 10; i++) {
        Device device = new Device(newDeviceId(), "secret");
        hub.addDevice(device.id(), device.secret());
        try (Socket socket = new Socket()) {
          socket.connect(new InetSocketAddress("127.0.0.1", gateway.mqttPort()), DEADLINE_MILLIS);
          socket.setSoTimeout(DEADLINE_MILLIS);

          socket.getOutputStream().write(concat(MqttPackets.validConnect(device, false, 60).bytes(), connect("MQTT", 4, device)));

          readUntilClosed(socket.getInputStream());
        }
        awaitNoConnectionHeld();
      }
      EventLoops.drain(vertx);
      assertEquals(List.of(), log.errors());
    }
  }

  /**
   * The same with the session accepted: the PUBACK of an event sent right before the second CONNECT,
   * once the hub has written the event, found the endpoint closed ("not accepted yet", as vertx-mqtt
   * says of a closed one), an unhandled ERROR. Tried ten times: the hub's answer and the close's report race.
   */
  @Test
  void secondConnectRightBehindAnEventLogsNoErrorAndLeavesNothingHeld() throws Exception {
    try (ErrorLog log = ErrorLog.watch()) {
      for (int i = 0; i < 10; i++) {
        Device device = new Device(newDeviceId(), "secret");
        hub.addDevice(device.id(), device.secret());
        try (Socket socket = connected(device)) {

          socket.getOutputStream().write(concat(publishQos1("e/raced", 7), connect("MQTT", 4, device)));

          readUntilClosed(socket.getInputStream());
        }
        hub.durableAnswers.awaitFirst(answer -> answer.event().deviceId().equals(device.id()), "the hub's answer to the event");
        awaitNoConnectionHeld();
      }
      EventLoops.drain(vertx);
      assertEquals(List.of(), log.errors());
    }
  }

  /**
   * A refused CONNECT with one of an unacceptable protocol level right behind it: vertx-mqtt refuses the
   * second from an endpoint it makes for that and reports the close to that one only, so the refused
   * connection was never given back: held by its listener instance and the connection budget for good,
   * one more for every such pair anyone sent, until the budget refused every device.
   */
  @Test
  void refusedConnectFollowedByOneOfAnUnacceptableLevelLeavesNothingHeld() throws Exception {
    Device stranger = new Device("not a device id", "secret");
    for (int i = 0; i < 4; i++) {
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress("127.0.0.1", gateway.mqttPort()), DEADLINE_MILLIS);
        socket.setSoTimeout(DEADLINE_MILLIS);

        socket.getOutputStream().write(concat(connect("MQTT", 4, stranger), connect("MQTT", 9, stranger)));

        readUntilClosed(socket.getInputStream());
      }
    }

    awaitNoConnectionHeld();
  }

  /**
   * MQTT 5 section 3.6.2.1: a PUBREL's reason code is 0x00 or 0x92. vertx-mqtt throws for any other from
   * its read handler, which was an unhandled ERROR for every such packet a device sent. It is a
   * malformed packet (MQTT 5 section 4.13): the connection is closed, counted, and nothing is logged
   * as an error.
   */
  @Test
  void pubrelWithAnUnknownReasonCodeLogsNoError() throws Exception {
    Device device = new Device(newDeviceId(), "secret");
    hub.addDevice(device.id(), device.secret());
    try (ErrorLog log = ErrorLog.watch(); Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", gateway.mqttPort()), DEADLINE_MILLIS);
      socket.setSoTimeout(DEADLINE_MILLIS);
      socket.getOutputStream().write(MqttPackets.validConnect(device, true, 60).bytes());
      assertEquals(0x20, socket.getInputStream().read(), "CONNACK");

      socket.getOutputStream().write(new byte[] {0x62, 3, 0, 1, 0x01, (byte) 0xc0, 0}); // PUBREL id 1 reason 0x01, PINGREQ

      assertEquals(false, readUntil(socket.getInputStream(), 0xd0), "no PINGRESP: the connection is closed for the malformed packet");
      EventLoops.drain(vertx);
      assertEquals(List.of(), log.errors());
    }
    awaitNoConnectionHeld();
  }

  /** Reads up to the first byte {@code wanted}: true when it came, false when the connection closed first. */
  private static boolean readUntil(InputStream in, int wanted) throws Exception {
    for (int b = in.read(); b >= 0; b = in.read()) {
      if (b == wanted) {
        return true;
      }
    }
    return false;
  }

  /** PUBLISH at QoS 1 (section 3.3) of a short event. */
  private static byte[] publishQos1(String topic, int packetId) {
    ByteWriter body = new ByteWriter();
    MqttPackets.Text.of(topic).writeTo(body);
    body.u16(packetId).u8('1');
    byte[] bytes = body.toBytes();
    return new ByteWriter().u8(0x32).varint(bytes.length).bytes(bytes).toBytes();
  }

  private static byte[] concat(byte[] first, byte[] second) {
    return new ByteWriter().bytes(first).bytes(second).toBytes();
  }

  /** A raw connection of the device, its CONNECT accepted and its session opened. */
  private static Socket connected(Device device) throws Exception {
    int from = hub.notices.size();
    Socket socket = new Socket();
    socket.connect(new InetSocketAddress("127.0.0.1", gateway.mqttPort()), DEADLINE_MILLIS);
    socket.setSoTimeout(DEADLINE_MILLIS);
    socket.getOutputStream().write(MqttPackets.validConnect(device, false, 60).bytes());
    assertEquals(List.of(0x20, 2, 0, 0), List.of(socket.getInputStream().read(), socket.getInputStream().read(),
        socket.getInputStream().read(), socket.getInputStream().read()), "CONNACK, accepted");
    hub.notices.awaitFirst(from, notice -> notice.deviceId().equals(device.id()) && notice.state() == SessionNotice.State.OPENED,
        "the session's opening");
    return socket;
  }

  /** Waits until neither listener instance counts a connection: every one this test opened is closed. */
  private static void awaitNoConnectionHeld() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DEADLINE_MILLIS);
    List<Double> held = List.of();
    while (System.nanoTime() < deadline) {
      held = List.of(gateway.listenerConnections("mqtt", 0), gateway.listenerConnections("mqtt", 1));
      if (held.equals(List.of(0.0, 0.0))) {
        return;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("the listener instances still hold " + held + " connections, all of them closed");
  }

  private static byte[] connect(String protocolName, int level, Device device) {
    ByteWriter body = new ByteWriter();
    MqttPackets.Text.of(protocolName).writeTo(body);
    body.u8(level).u8(0xc2).u16(60);
    MqttPackets.Text.of(device.id()).writeTo(body);
    MqttPackets.Text.of(device.id()).writeTo(body);
    MqttPackets.Text.of(device.secret()).writeTo(body);
    byte[] bytes = body.toBytes();
    return new ByteWriter().u8(0x10).varint(bytes.length).bytes(bytes).toBytes();
  }

  private static String newDeviceId() {
    return java.util.UUID.randomUUID().toString().replace("-", "").substring(0, 24);
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
