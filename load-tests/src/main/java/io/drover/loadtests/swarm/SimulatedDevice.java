package io.drover.loadtests.swarm;

import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.mqtt.MqttClient;
import io.vertx.mqtt.MqttClientOptions;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeoutException;

/**
 * One device of the swarm: an MQTT 3.1.1 client whose client identifier and user name are the device
 * ID and whose password is its secret. Used only on its slice's event loop.
 */
final class SimulatedDevice {

  private final Vertx vertx;
  private final MqttClient client;
  private final SliceStats stats;
  private final PublishPlan plan;
  /** QoS 1 events sent and not yet acknowledged, by packet ID: when each was handed to the client. */
  private final Map<Integer, Long> sentNanosByPacketId = new HashMap<>(4);
  /** PUBACKs that overtook the completion of their own publish call. */
  private final Set<Integer> earlyAcks = new HashSet<>(4);
  private int unacknowledged;
  private boolean connected;
  private boolean disconnecting;

  SimulatedDevice(Vertx vertx, DeviceCredentials credentials, SwarmSettings settings, SliceStats stats) {
    this.vertx = vertx;
    this.stats = stats;
    this.plan = settings.publishing();
    MqttClientOptions options = new MqttClientOptions()
        .setClientId(credentials.id())
        .setUsername(credentials.id())
        .setPassword(credentials.secret())
        .setCleanSession(true)
        .setKeepAliveInterval(settings.keepAliveSeconds())
        .setMaxInflightQueue(plan.maxInFlightPerDevice());
    options.setConnectTimeout((int) settings.connectTimeout().toMillis());
    options.setTcpNoDelay(true);
    // Closing with a reset leaves no TIME_WAIT socket behind. Without it, each run of 9,000 connects
    // leaves 9,000 for a minute, and the kernel's search for a free ephemeral port slowed the next runs'
    // connects measurably (and, with a bound source address, by a factor of ten).
    options.setSoLinger(0);
    this.client = MqttClient.create(vertx, options);
    client.publishCompletionHandler(this::onPubAck);
    client.closeHandler(ignored -> onClosed());
  }

  /** Sends CONNECT; the future fails with the CONNACK refusal, a socket error, or a timeout. */
  Future<Void> connect(String host, int port, Duration timeout) {
    Promise<Void> outcome = Promise.promise();
    long timer = vertx.setTimer(timeout.toMillis(), id -> {
      if (outcome.tryFail(new TimeoutException("no CONNACK within " + timeout.toSeconds() + " s"))) {
        client.disconnect();
      }
    });
    client.connect(port, host).onComplete(answer -> {
      vertx.cancelTimer(timer);
      if (answer.failed()) {
        outcome.tryFail(answer.cause());
      } else if (outcome.tryComplete()) {
        connected = true;
      } else {
        client.disconnect(); // answered after the timeout: counted as failed, so do not keep it
      }
    });
    return outcome.future();
  }

  boolean canPublish() {
    return connected && (plan.qos() == 0 || unacknowledged < plan.maxInFlightPerDevice());
  }

  /** Publishes one event; the caller checked {@link #canPublish()}. */
  void publish(Buffer payload) {
    stats.published++;
    if (plan.qos() == 0) {
      client.publish(plan.topic(), payload, MqttQoS.AT_MOST_ONCE, false, false)
          .onFailure(ignored -> stats.publishFailed++);
      return;
    }
    long sentNanos = System.nanoTime();
    unacknowledged++;
    client.publish(plan.topic(), payload, MqttQoS.AT_LEAST_ONCE, false, false).onComplete(sent -> {
      if (sent.failed()) {
        unacknowledged--;
        stats.publishFailed++;
      } else if (earlyAcks.remove(sent.result())) {
        acknowledged(sentNanos);
      } else {
        sentNanosByPacketId.put(sent.result(), sentNanos);
      }
    });
  }

  private void onPubAck(int packetId) {
    Long sentNanos = sentNanosByPacketId.remove(packetId);
    if (sentNanos == null) {
      earlyAcks.add(packetId);
    } else {
      acknowledged(sentNanos);
    }
  }

  private void acknowledged(long sentNanos) {
    unacknowledged--;
    stats.acked++;
    stats.ackLatency.recordNanos(System.nanoTime() - sentNanos);
  }

  int unacknowledged() {
    return unacknowledged;
  }

  Future<Void> disconnect() {
    if (!connected) {
      return Future.succeededFuture();
    }
    disconnecting = true;
    return client.disconnect().otherwiseEmpty();
  }

  private void onClosed() {
    if (connected && !disconnecting) {
      stats.lostWhileHeld++;
    }
    connected = false;
  }
}
