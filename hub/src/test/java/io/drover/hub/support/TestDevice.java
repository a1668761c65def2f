package io.drover.hub.support;

import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.mqtt.MqttClient;
import io.vertx.mqtt.MqttClientOptions;
import io.vertx.mqtt.messages.MqttPublishMessage;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/** A simulated device: Vert.x's own MQTT client over loopback, speaking docs/device-protocol.md. */
public final class TestDevice implements AutoCloseable {

  private final MqttClient client;
  /** Per packet ID, made by whichever comes first: the acknowledgement or the test waiting for it. */
  private final Map<Integer, Promise<Void>> acks = new ConcurrentHashMap<>();
  private final Map<Integer, Promise<Void>> subacks = new ConcurrentHashMap<>();
  private final List<MqttPublishMessage> received = new CopyOnWriteArrayList<>();
  private final Promise<Void> closed = Promise.promise();

  private TestDevice(MqttClient client) {
    this.client = client;
    client.publishCompletionHandler(id -> promiseFor(acks, id).tryComplete());
    client.subscribeCompletionHandler(suback -> promiseFor(subacks, suback.messageId()).tryComplete());
    client.publishHandler(received::add);
    client.closeHandler(ignored -> closed.tryComplete());
  }

  /** Connects as {@code deviceId} with {@code secret}; the future fails with the CONNACK refusal. */
  public static Future<TestDevice> connect(Vertx vertx, int port, String deviceId, String secret) {
    MqttClient client = MqttClient.create(vertx, new MqttClientOptions()
        .setClientId(deviceId)
        .setUsername(deviceId)
        .setPassword(secret)
        .setAutoKeepAlive(true));
    TestDevice device = new TestDevice(client);
    return client.connect(port, "127.0.0.1").map(connack -> device);
  }

  public void publish(String eventName, String data) throws Exception {
    client.publish("e/" + eventName, Buffer.buffer(data), MqttQoS.AT_MOST_ONCE, false, false).await(5, TimeUnit.SECONDS);
  }

  /** Publishes at QoS 1 and waits for the PUBACK, which the gateway sends once the event is written. */
  public void publishAcknowledged(String topic, Buffer payload) throws Exception {
    int id = client.publish(topic, payload, MqttQoS.AT_LEAST_ONCE, false, false).await(5, TimeUnit.SECONDS);
    promiseFor(acks, id).future().await(10, TimeUnit.SECONDS);
    acks.remove(id);
  }

  /** Subscribes and waits for the SUBACK, which the gateway sends once the filter is recorded. */
  public void subscribe(String filter) throws Exception {
    int id = client.subscribe(filter, 0).await(5, TimeUnit.SECONDS);
    promiseFor(subacks, id).future().await(5, TimeUnit.SECONDS);
    subacks.remove(id);
  }

  private static Promise<Void> promiseFor(Map<Integer, Promise<Void>> promises, int id) {
    return promises.computeIfAbsent(id, ignored -> Promise.promise());
  }

  public List<MqttPublishMessage> received() {
    return received;
  }

  public boolean isConnected() {
    return client.isConnected();
  }

  public Future<Void> closed() {
    return closed.future();
  }

  public void disconnect() throws Exception {
    if (client.isConnected()) {
      client.disconnect().await(5, TimeUnit.SECONDS);
    }
  }

  @Override
  public void close() throws Exception {
    disconnect();
  }
}
