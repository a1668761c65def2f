package io.drover.gateway.support;

import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.mqtt.MqttClient;
import io.vertx.mqtt.MqttClientOptions;
import io.vertx.mqtt.MqttConnectionException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * MQTT 3.1.1 over Vert.x's own client. Every callback runs on the client's event loop, in the order
 * the packets arrived, so a SUBACK is seen only after every message the server sent before it.
 */
final class VertxMqttWire implements MqttWire {

  private final MqttClient client;
  /** Per packet ID, made by whichever comes first: the acknowledgement or the publish waiting for it. */
  private final Map<Integer, CompletableFuture<Integer>> acks = new ConcurrentHashMap<>();
  private final Map<Integer, CompletableFuture<Void>> subacks = new ConcurrentHashMap<>();
  private final CompletableFuture<Integer> ended = new CompletableFuture<>();

  private VertxMqttWire(MqttClient client, MessageHandler handler) {
    this.client = client;
    client.publishCompletionHandler(id -> ackFor(id).complete(0));
    client.subscribeCompletionHandler(suback -> subackFor(suback.messageId()).complete(null));
    client.publishHandler(message -> handler.onMessage(message.topicName(), message.payload().getBytes()));
    client.closeHandler(ignored -> {
      ended.complete(-1);
      acks.values().forEach(ack -> ack.completeExceptionally(new ConnectionLost()));
    });
    // a refused CONNACK fails the connect future, which the caller reads
    client.exceptionHandler(ignored -> { });
  }

  /** @throws ConnectRefused with the CONNACK return code */
  static VertxMqttWire connect(Vertx vertx, MqttLogin login, MessageHandler handler) throws Exception {
    MqttClientOptions options = new MqttClientOptions()
        .setClientId(login.clientId())
        .setUsername(login.userName())
        .setPassword(login.password())
        .setAutoKeepAlive(true);
    if (login.tls()) {
      options.setSsl(true)
          .setHostnameVerificationAlgorithm("HTTPS")
          .setTrustOptions(new PemTrustOptions().addCertPath(login.serverCa().toString()));
      if (login.certificate() != null) {
        options.setKeyCertOptions(new PemKeyCertOptions()
            .setCertPath(login.certificate().certificateFile().toString())
            .setKeyPath(login.certificate().keyFile().toString()));
      }
    }
    MqttClient client = MqttClient.create(vertx, options);
    VertxMqttWire wire = new VertxMqttWire(client, handler);
    try {
      client.connect(login.port(), "127.0.0.1").await(10, TimeUnit.SECONDS);
    } catch (Throwable failed) {
      for (Throwable cause = failed; cause != null; cause = cause.getCause()) {
        if (cause instanceof MqttConnectionException refused) {
          throw new ConnectRefused(refused.code().byteValue());
        }
      }
      throw new IllegalStateException("the connect failed without a CONNACK", failed);
    }
    return wire;
  }

  @Override
  public CompletableFuture<Integer> publish(String topic, byte[] payload, int qos) {
    CompletableFuture<Integer> answer = new CompletableFuture<>();
    client.publish(topic, Buffer.buffer(payload), MqttQoS.valueOf(qos), false, false).onComplete(sent -> {
      if (sent.failed()) {
        answer.completeExceptionally(sent.cause());
      } else if (qos == 0) {
        answer.complete(-1);
      } else {
        CompletableFuture<Integer> ack = ackFor(sent.result());
        if (ended.isDone()) {
          ack.completeExceptionally(new ConnectionLost());
        }
        ack.whenComplete((code, error) -> {
          acks.remove(sent.result());
          if (error != null) {
            answer.completeExceptionally(error);
          } else {
            answer.complete(code);
          }
        });
      }
    });
    return answer;
  }

  @Override
  public CompletableFuture<Void> subscribe(String filter) {
    CompletableFuture<Void> answer = new CompletableFuture<>();
    client.subscribe(filter, 1).onComplete(sent -> {
      if (sent.failed()) {
        answer.completeExceptionally(sent.cause());
      } else {
        subackFor(sent.result()).whenComplete((ok, error) -> {
          subacks.remove(sent.result());
          answer.complete(null);
        });
      }
    });
    return answer;
  }

  @Override
  public CompletableFuture<Integer> ended() {
    return ended;
  }

  @Override
  public void disconnect() throws Exception {
    if (client.isConnected()) {
      client.disconnect().await(5, TimeUnit.SECONDS);
    }
  }

  @Override
  public void close() {
    try {
      disconnect();
    } catch (Exception ignored) {
      // the connection is gone either way
    }
  }

  private CompletableFuture<Integer> ackFor(int id) {
    return acks.computeIfAbsent(id, ignored -> new CompletableFuture<>());
  }

  private CompletableFuture<Void> subackFor(int id) {
    return subacks.computeIfAbsent(id, ignored -> new CompletableFuture<>());
  }
}
