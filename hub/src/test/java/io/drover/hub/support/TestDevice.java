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
  private final Map<String, java.util.function.Function<String, String>> functions = new ConcurrentHashMap<>();
  private final Map<String, java.util.function.Supplier<String>> variables = new ConcurrentHashMap<>();
  private volatile MqttQoS answerQos = MqttQoS.AT_LEAST_ONCE;

  private TestDevice(MqttClient client) {
    this.client = client;
    client.publishCompletionHandler(id -> promiseFor(acks, id).tryComplete());
    client.subscribeCompletionHandler(suback -> promiseFor(subacks, suback.messageId()).tryComplete());
    client.publishHandler(message -> {
      received.add(message);
      answer(message);
    });
    client.closeHandler(ignored -> closed.tryComplete());
    // a refused CONNACK fails the connect future, which the caller reads; without a handler the client
    // also reports it as unhandled, and vertx-junit5 fails the whole test class for it (a test that
    // retries a connect until the hub knows the device would fail on its first refusal)
    client.exceptionHandler(ignored -> { });
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

  /**
   * Connects once the gateway's hub knows the device. In a cluster a device registered through one
   * hub reaches the other hubs' in-memory indexes a moment later, and a connect in that moment is
   * refused as unknown: this asks again until {@code timeout}.
   */
  public static TestDevice connectWhenKnown(Vertx vertx, int port, String deviceId, String secret, java.time.Duration timeout) throws Exception {
    // probes from a Vert.x of its own: a refused CONNACK is also reported as unhandled on the client's
    // Vert.x, which vertx-junit5 turns into a failure of the test that owns it
    Vertx probes = Vertx.vertx();
    try {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (true) {
        try {
          connect(probes, port, deviceId, secret).await(10, TimeUnit.SECONDS).close();
          break;
        } catch (Exception refused) {
          if (System.nanoTime() > deadline) {
            throw refused;
          }
          Thread.sleep(50);
        }
      }
    } finally {
      probes.close().await(10, TimeUnit.SECONDS);
    }
    return connect(vertx, port, deviceId, secret).await(10, TimeUnit.SECONDS);
  }

  public void publish(String eventName, String data) throws Exception {
    client.publish("e/" + eventName, Buffer.buffer(data), MqttQoS.AT_MOST_ONCE, false, false).await(5, TimeUnit.SECONDS);
  }

  /** Publishes at QoS 1 and waits for the PUBACK, which the gateway sends once the event is written. */
  public void publishAcknowledged(String topic, Buffer payload) throws Exception {
    int id = client.publish(topic, payload, MqttQoS.AT_LEAST_ONCE, false, false).await(5, TimeUnit.SECONDS);
    Future<Void> ack = promiseFor(acks, id).future();
    // a connection that drops first fails at once, as a device's library reports it
    Future.any(ack, closed.future()).await(10, TimeUnit.SECONDS);
    acks.remove(id);
    if (!ack.succeeded()) {
      throw new IllegalStateException("the connection closed before the PUBACK of message " + id);
    }
  }

  /**
   * Publishes at QoS 1 without waiting: the future completes with the PUBACK, so that several can be
   * in flight at once, as a device's burst is.
   */
  public Future<Void> publishAtLeastOnce(String topic, Buffer payload) {
    return client.publish(topic, payload, MqttQoS.AT_LEAST_ONCE, false, false)
        .compose(id -> Future.any(promiseFor(acks, id).future(), closed.future()).map(done -> {
          if (!promiseFor(acks, id).future().succeeded()) {
            throw new IllegalStateException("the connection closed before the PUBACK of message " + id);
          }
          acks.remove(id);
          return null;
        }));
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

  /**
   * Behaves like firmware with these functions and variables: declares them on topic {@code d},
   * subscribes to {@code c/#} and answers each call on {@code r/{id}}.
   *
   * @param functionHandlers function name to handler (argument in, integer answer out, as text)
   * @param variableTypes variable name to its type and a supplier of its current value
   */
  public void behave(Map<String, java.util.function.Function<String, String>> functionHandlers,
      Map<String, Map.Entry<String, java.util.function.Supplier<String>>> variableTypes) throws Exception {
    functions.putAll(functionHandlers);
    io.vertx.core.json.JsonObject declared = new io.vertx.core.json.JsonObject();
    variableTypes.forEach((name, typed) -> {
      variables.put(name, typed.getValue());
      declared.put(name, typed.getKey());
    });
    subscribe("c/#");
    publishAcknowledged("d", new io.vertx.core.json.JsonObject()
        .put("f", new io.vertx.core.json.JsonArray(List.copyOf(functionHandlers.keySet())))
        .put("v", declared).toBuffer());
  }

  /** From now on answers calls and reads at QoS 0 (the default is QoS 1). */
  public void answerAtMostOnce() {
    answerQos = MqttQoS.AT_MOST_ONCE;
  }

  /** Answers {@code c/f/NAME/ID} and {@code c/v/NAME/ID} as firmware would; ignores the rest. */
  private void answer(MqttPublishMessage message) {
    String[] levels = message.topicName().split("/");
    if (levels.length != 4 || !levels[0].equals("c")) {
      return;
    }
    String result = null;
    if (levels[1].equals("f") && functions.containsKey(levels[2])) {
      result = functions.get(levels[2]).apply(message.payload().toString());
    } else if (levels[1].equals("v") && variables.containsKey(levels[2])) {
      result = variables.get(levels[2]).get();
    }
    if (result != null) {
      client.publish("r/" + levels[3], Buffer.buffer(result), answerQos, false, false);
    }
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
