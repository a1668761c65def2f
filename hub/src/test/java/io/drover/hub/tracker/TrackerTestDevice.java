package io.drover.hub.tracker;

import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.mqtt.MqttClient;
import io.vertx.mqtt.MqttClientOptions;
import io.vertx.mqtt.messages.MqttPublishMessage;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A tracker as docs/device-protocol.md section 9 says: reports the checksum of the settings it holds
 * at its handshake, applies what arrives on {@code c/cfg} and acknowledges it on {@code cfg/ack}
 * (unless told to stay silent).
 */
final class TrackerTestDevice implements AutoCloseable {

  final List<JsonObject> settingsReceived = new CopyOnWriteArrayList<>();
  final List<JsonObject> errors = new CopyOnWriteArrayList<>();
  private final MqttClient client;
  volatile String running;
  volatile boolean acknowledges = true;

  private TrackerTestDevice(MqttClient client, String running) {
    this.client = client;
    this.running = running;
    client.publishHandler(this::onMessage);
  }

  static TrackerTestDevice connect(Vertx vertx, int port, String deviceId, String secret, String running) throws Exception {
    MqttClient client = MqttClient.create(vertx, new MqttClientOptions().setClientId(deviceId).setUsername(deviceId).setPassword(secret)
        .setAutoKeepAlive(true));
    TrackerTestDevice device = new TrackerTestDevice(client, running);
    client.connect(port, "127.0.0.1").await(10, TimeUnit.SECONDS);
    Promise<Void> subscribed = Promise.promise();
    client.subscribeCompletionHandler(ack -> subscribed.tryComplete());
    client.subscribe("c/#", 1);
    subscribed.future().await(10, TimeUnit.SECONDS);
    return device;
  }

  void handshake(int productId) throws Exception {
    client.publish("h", new JsonObject().put("product_id", productId).put("firmware_version", 0).put("platform_id", TrackerFleet.TRACKER_PLATFORM)
        .put("config_checksum", running).toBuffer(), MqttQoS.AT_LEAST_ONCE, false, false).await(5, TimeUnit.SECONDS);
  }

  void publish(String topic, String payload) throws Exception {
    client.publish(topic, Buffer.buffer(payload), MqttQoS.AT_LEAST_ONCE, false, false).await(5, TimeUnit.SECONDS);
  }

  JsonObject lastSettings() {
    return settingsReceived.isEmpty() ? null : settingsReceived.get(settingsReceived.size() - 1);
  }

  private void onMessage(MqttPublishMessage message) {
    if (message.topicName().equals("c/err")) {
      errors.add(new JsonObject(message.payload()));
    } else if (message.topicName().equals("c/cfg")) {
      JsonObject pushed = new JsonObject(message.payload());
      settingsReceived.add(pushed);
      if (acknowledges) {
        running = pushed.getString("checksum");
        client.publish("cfg/ack", new JsonObject().put("checksum", running).toBuffer(), MqttQoS.AT_LEAST_ONCE, false, false);
      }
    }
  }

  @Override
  public void close() throws Exception {
    if (client.isConnected()) {
      client.disconnect().await(5, TimeUnit.SECONDS);
    }
  }
}
