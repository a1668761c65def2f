package io.drover.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.gateway.contract.BusAddresses;
import io.drover.gateway.contract.DeviceFailure.Kind;
import io.drover.gateway.support.FakeHub;
import io.drover.gateway.support.GatewayUnderTest;
import io.drover.gateway.support.MqttDevice;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What the gateway's deployment promises beyond one session: sessions spread over event loops, a bus that answers bad input. */
class GatewayDeploymentTest {

  private Vertx vertx;
  private Vertx devices;
  private FakeHub hub;
  private GatewayUnderTest gateway;

  @BeforeEach
  void start() throws Exception {
    vertx = GatewayUnderTest.strictVertx();
    devices = Vertx.vertx();
    hub = new FakeHub();
    gateway = GatewayUnderTest.start(vertx, hub);
  }

  @AfterEach
  void stop() throws Exception {
    gateway.stop();
    devices.close().await(10, TimeUnit.SECONDS);
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void mqttSessionsAreSpreadOverEveryListenerInstanceAndCountedOnceAcrossThem() throws Exception {
    List<MqttDevice> connected = new ArrayList<>();
    int count = 4 * GatewayUnderTest.LISTENER_INSTANCES;
    for (int i = 0; i < count; i++) {
      String id = HexFormat.of().formatHex(randomBytes(12));
      hub.addDevice(id, "secret-" + i);
      connected.add(MqttDevice.connect(MqttDevice.Version.V3_1_1, devices, gateway.mqttPort(), id, "secret-" + i));
    }
    hub.notices.await(notices -> notices.size() == count, "every session noticed online");

    double total = 0;
    for (int instance = 0; instance < GatewayUnderTest.LISTENER_INSTANCES; instance++) {
      double held = gateway.listenerConnections("mqtt", instance);
      assertTrue(held > 0, "listener instance " + instance + " holds no connection: the sessions are not spread (" + held + ")");
      total += held;
    }
    assertEquals(count, total, "each connection is held by exactly one instance");
    assertEquals(count, gateway.devicesConnected("mqtt"), "the registry counts each session once, whichever loop it is on");

    for (MqttDevice device : connected) {
      device.close();
    }
    hub.notices.await(notices -> notices.size() == 2 * count, "every session noticed offline");
    assertEquals(0, gateway.devicesConnected("mqtt"));
  }

  @Test
  void aCommandThisNodeCannotReadIsRefusedOnTheBusNotThrown() throws Exception {
    JsonObject noKind = new JsonObject().put("device_id", "0123456789abcdef01234567");
    ReplyException refused = null;
    try {
      vertx.eventBus().request(BusAddresses.deviceCommands(gateway.nodeId()), noKind).await(10, TimeUnit.SECONDS);
    } catch (ReplyException e) {
      refused = e;
    }
    assertTrue(refused != null, "a malformed command must be answered with a failure");
    assertEquals(Kind.MALFORMED_PAYLOAD.busCode(), refused.failureCode());
  }

  private static byte[] randomBytes(int length) {
    byte[] bytes = new byte[length];
    ThreadLocalRandom.current().nextBytes(bytes);
    return bytes;
  }
}
