package io.drover.hub.devices;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.drover.hub.support.TestDevice;
import io.drover.hub.support.TestNode;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.vertx.core.Vertx;
import io.vertx.mqtt.MqttConnectionException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A device another hub node registered a moment ago, before this node's index heard of it: in a
 * cluster a gateway asks any hub node, and one refused a device the other had just accepted (the
 * ClusterTest flake). Written here behind the node's back, as that other node's insert is.
 */
class DeviceIndexMissTest {

  private static TestNode node;
  private static Vertx clients;

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.start();
    // a Vert.x of the test's own: a refused CONNACK is also reported as unhandled on the client's context
    clients = Vertx.vertx();
  }

  @AfterAll
  static void stop() throws Exception {
    clients.close().await(10, TimeUnit.SECONDS);
    node.close();
  }

  @Test
  void aDeviceRegisteredWithoutANoticeToThisNodeConnectsAtOnce() throws Exception {
    String id = DeviceSecrets.newDeviceId();
    String secret = DeviceSecrets.newSecret();
    try (Connection connection = node.node().database().jdbcConnection();
         PreparedStatement insert = connection.prepareStatement("INSERT INTO devices (id, secret_hash) VALUES (?, ?)")) {
      insert.setString(1, id);
      insert.setBytes(2, DeviceSecrets.hash(secret));
      insert.executeUpdate();
    }

    TestDevice device = TestDevice.connect(clients, node.mqttPort(), id, secret).await(10, TimeUnit.SECONDS);
    device.close();
  }

  @Test
  void aMadeUpDeviceIsStillRefusedAndAWrongSecretToo() throws Exception {
    MqttConnectionException madeUp = assertThrows(MqttConnectionException.class,
        () -> TestDevice.connect(clients, node.mqttPort(), DeviceSecrets.newDeviceId(), DeviceSecrets.newSecret()).await(10, TimeUnit.SECONDS));
    assertEquals(MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD, madeUp.code());
    TestNode.DeviceIdentity registered = node.provisionDevice();
    MqttConnectionException wrongSecret = assertThrows(MqttConnectionException.class,
        () -> TestDevice.connect(clients, node.mqttPort(), registered.id(), DeviceSecrets.newSecret()).await(10, TimeUnit.SECONDS));
    assertEquals(MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD, wrongSecret.code());
  }
}
