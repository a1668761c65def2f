package io.drover.gateway.support;

import java.util.concurrent.CompletableFuture;

/**
 * The few MQTT client operations a simulated device needs, so that one device ({@link MqttDevice})
 * runs over Vert.x's client (MQTT 3.1.1) and over Paho's (MQTT 5) alike. Incoming messages go to the
 * handler given when connecting, one at a time, in the order they arrived.
 */
interface MqttWire {

  /** The connection ended before the answer came. */
  final class ConnectionLost extends RuntimeException {
    ConnectionLost() {
      super("the connection ended first", null, false, false);
    }
  }

  /** The server refused the CONNECT. */
  final class ConnectRefused extends RuntimeException {
    final int code;

    ConnectRefused(int code) {
      super("CONNACK " + WireAnswer.hex(code), null, false, false);
      this.code = code;
    }
  }

  /** Something arrived from the server. */
  interface MessageHandler {
    void onMessage(String topic, byte[] payload);
  }

  /**
   * Publishes; at QoS 1 completes with the PUBACK's reason code (always 0 under MQTT 3.1.1, which has
   * none), at QoS 0 with -1 once written. Fails with {@link ConnectionLost} when the connection ends
   * before the PUBACK.
   */
  CompletableFuture<Integer> publish(String topic, byte[] payload, int qos);

  /** Subscribes at QoS 1; completes with the SUBACK. */
  CompletableFuture<Void> subscribe(String filter);

  /** Completes when the connection ends: with the server's DISCONNECT reason code (MQTT 5), else -1. */
  CompletableFuture<Integer> ended();

  void disconnect() throws Exception;

  /** Frees the client, connected or not. */
  void close();
}
