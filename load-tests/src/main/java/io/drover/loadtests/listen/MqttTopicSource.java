package io.drover.loadtests.listen;

import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.mqtt.MqttClient;
import io.vertx.mqtt.MqttClientOptions;
import java.nio.charset.StandardCharsets;

/** Subscribes anonymously at QoS 0 to a topic filter on an MQTT 3.1.1 server (the Mosquitto baseline). */
final class MqttTopicSource extends EventSource {

  private final ListenSettings settings;
  private MqttClient client;

  MqttTopicSource(ListenSettings settings) {
    this.settings = settings;
  }

  @Override
  public Future<?> start() {
    MqttClientOptions options = new MqttClientOptions()
        .setClientId("drover-listen-" + ProcessHandle.current().pid())
        .setCleanSession(true)
        .setKeepAliveInterval(60)
        .setMaxMessageSize(64 * 1024);
    options.setTcpNoDelay(true);
    client = MqttClient.create(vertx, options);
    // a stamp is ASCII: read as Latin-1 it is the same text, without a UTF-8 decode
    client.publishHandler(message -> reception.record(message.payload().toString(StandardCharsets.ISO_8859_1), 0));
    client.closeHandler(ignored -> ended = "connection closed");
    Promise<Void> subscribed = Promise.promise();
    client.subscribeCompletionHandler(ack -> subscribed.tryComplete());
    return client.connect(settings.port(), settings.host())
        .compose(connected -> client.subscribe(settings.topic(), MqttQoS.AT_MOST_ONCE.value()))
        .compose(sent -> subscribed.future());
  }

  @Override
  public Future<?> stop() {
    return client == null || !client.isConnected() ? Future.succeededFuture() : client.disconnect();
  }
}
