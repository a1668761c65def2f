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
  private final DeviceCredentials credentials;
  private final boolean answerCalls;
  /** QoS 1 events sent and not yet acknowledged, by packet ID: when each was handed to the client. */
  private final Map<Integer, Long> sentNanosByPacketId = new HashMap<>(4);
  /** PUBACKs that overtook the completion of their own publish call. */
  private final Set<Integer> earlyAcks = new HashSet<>(4);
  /** QoS 1 messages that are not measured events (description, claim code, answers) awaiting their PUBACK. */
  private final Set<Integer> controlPacketIds = new HashSet<>(4);
  private long connectedAtNanos;
  private int unacknowledged;
  private boolean connected;
  private boolean disconnecting;

  SimulatedDevice(Vertx vertx, DeviceCredentials credentials, SwarmSettings settings, SliceStats stats) {
    this.vertx = vertx;
    this.stats = stats;
    this.plan = settings.publishing();
    this.credentials = credentials;
    this.answerCalls = settings.answerCalls();
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
    if (answerCalls) {
      client.publishHandler(message -> {
        String[] answer = DeviceCalls.answer(message.topicName(), connectedAtNanos);
        if (answer != null && connected) {
          stats.callsAnswered++;
          publishControl(answer[0], answer[1]);
        }
      });
    }
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
        connectedAtNanos = System.nanoTime();
        announce();
      } else {
        client.disconnect(); // answered after the timeout: counted as failed, so do not keep it
      }
    });
    return outcome.future();
  }

  /**
   * After the CONNACK: subscribes to the commands and declares the functions and variables (when
   * answering calls), then reports the claim code (when the credentials hold one). Failures are counted;
   * the device stays connected.
   */
  private void announce() {
    Future<Void> ready = Future.succeededFuture();
    if (answerCalls) {
      ready = client.subscribe(DeviceCalls.COMMANDS, 1)
          .compose(subscribed -> publishControl("d", DeviceCalls.DESCRIPTION));
    }
    if (credentials.claimCode() != null) {
      ready = ready.compose(described -> publishControl(DeviceCalls.CLAIM_CODE_TOPIC, credentials.claimCode()));
    }
    ready.onFailure(failure -> stats.announceFailed++);
  }

  /** A QoS 1 message outside the measured events: its PUBACK is matched here, not timed. */
  private Future<Void> publishControl(String topic, String payload) {
    return client.publish(topic, Buffer.buffer(payload), MqttQoS.AT_LEAST_ONCE, false, false).map(packetId -> {
      if (!earlyAcks.remove(packetId)) {
        controlPacketIds.add(packetId);
      }
      return null;
    });
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
    if (controlPacketIds.remove(packetId)) {
      return;
    }
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
