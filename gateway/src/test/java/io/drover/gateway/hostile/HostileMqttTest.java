package io.drover.gateway.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.drover.gateway.hostile.MqttPackets.Device;
import io.drover.gateway.hostile.MqttPackets.MqttCase;
import io.drover.gateway.support.FakeHub;
import io.drover.gateway.support.GatewayUnderTest;
import io.drover.gateway.support.MqttDevice;
import io.drover.gateway.support.WireAnswer;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The MQTT listener against hostile bytes over raw sockets (docs/operations.md, "Hostile input"): every
 * generated stream is answered or closed within its deadline, never left hanging, and afterwards a good
 * device still connects and its event reaches the hub. What counts as an answer is {@link MqttExchange}'s.
 */
class HostileMqttTest {

  /** The shortest connect timeout there is (whole seconds), so that a bare connection's wait ends soon. */
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(1);
  private static final Duration ANSWER_WAIT = Duration.ofSeconds(5);
  private static final int DEVICES = 16;

  private static Vertx vertx;
  private static Vertx clients;
  private static FakeHub hub;
  private static GatewayUnderTest gateway;
  private static final List<Device> DEVICE_POOL = new ArrayList<>();

  @BeforeAll
  static void startGateway() throws Exception {
    vertx = GatewayUnderTest.strictVertx();
    clients = Vertx.vertx();
    hub = new FakeHub();
    gateway = GatewayUnderTest.start(vertx, hub, new GatewayUnderTest.Settings().connectTimeout(CONNECT_TIMEOUT));
    for (int i = 0; i < DEVICES; i++) {
      Device device = new Device(newDeviceId(), "secret-" + i);
      hub.addDevice(device.id(), device.secret());
      DEVICE_POOL.add(device);
    }
  }

  @AfterAll
  static void stopGateway() throws Exception {
    try {
      gateway.stop();
    } finally {
      clients.close().await(10, TimeUnit.SECONDS);
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  @Hostile(surface = "mqtt", ciTries = 200)
  void everyHostileStreamIsAnsweredOrClosed(HostileRun run) throws Exception {
    run.forAll(MqttPackets.cases(DEVICE_POOL), HostileMqttTest::answeredOrClosed, HostileMqttTest::aGoodDeviceStillPublishes);
  }

  /** One case: its stream is answered or closed, and once its connection is closed the gateway holds nothing of it. */
  private static void answeredOrClosed(MqttCase hostile, Tally tally) throws Exception {
    MqttExchange exchange = new MqttExchange(gateway.mqttPort(), CONNECT_TIMEOUT, ANSWER_WAIT);

    Device device = DEVICE_POOL.get(hostile.device());
    String outcome = exchange.run(hostile, device, tally);
    EventLoops.drain(vertx);

    List<Double> held = awaitNothingHeld();
    if (!held.isEmpty() && hostile.sendsTheDevicesConnect()) {
      // vertx-mqtt 5.0.7 tells a session's endpoint nothing of the close when a CONNECT of an unacceptable
      // protocol level followed the device's own (MqttConnection.closeTakenOver): the session ends when
      // the device's next one takes it over, which must leave nothing held
      exchange.connectAndDisconnect(device, tally);
      held = awaitNothingHeld();
      outcome += " (held until the device came back)";
    }
    if (!held.isEmpty()) {
      throw tally.crash(hostile + " -> " + outcome + ": its connection is closed, yet the gateway still holds [instance 0, instance 1, sessions] " + held);
    }
    tally.tried(hostile.toString(), outcome);
  }

  /**
   * Waits until the gateway holds no connection (as its listener instances count them) and no device
   * session: every connection of a case is closed when it ends.
   *
   * @return empty once nothing is held; else what is still held at the deadline
   */
  private static List<Double> awaitNothingHeld() throws InterruptedException {
    long deadline = System.nanoTime() + ANSWER_WAIT.toNanos();
    List<Double> held;
    do {
      held = List.of(gateway.listenerConnections("mqtt", 0), gateway.listenerConnections("mqtt", 1), gateway.devicesConnected("mqtt"));
      if (held.equals(List.of(0.0, 0.0, 0.0))) {
        return List.of();
      }
      Thread.sleep(10);
    } while (System.nanoTime() < deadline);
    return held;
  }

  /** After the property, whatever it sent: a device connects as firmware does and its event reaches the hub. */
  private static void aGoodDeviceStillPublishes(Tally tally) throws Exception {
    String deviceId = newDeviceId();
    hub.addDevice(deviceId, "good secret");
    MqttDevice device;
    try {
      device = MqttDevice.connect(MqttDevice.Version.V3_1_1, clients, gateway.mqttPort(), deviceId, "good secret");
    } catch (Exception | AssertionError refused) {
      throw tally.crash("a good device could not connect after the property: " + refused);
    }
    try {
      WireAnswer answer = device.publish("still-here", "1".getBytes(StandardCharsets.UTF_8), true);
      assertEquals("PUBACK", answer.text(), "a good device's event after the property");
      assertEquals(List.of("still-here"), hub.eventsOf(deviceId).stream().map(received -> received.event().name()).toList());
    } finally {
      device.close();
    }
  }

  private static String newDeviceId() {
    return UUID.randomUUID().toString().replace("-", "").substring(0, 24);
  }
}
