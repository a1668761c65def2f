package io.drover.gateway.mqtt;

import io.vertx.mqtt.MqttServerOptions;
import java.time.Duration;

/**
 * The MQTT listener's settings, validated by whoever reads the node configuration.
 *
 * @param maxMessageSize the largest MQTT packet accepted; a larger one closes the connection (the
 *     decoder cannot skip it), so keep it well above the 1,024-byte event limit, which is refused
 *     politely with the session kept
 * @param connectTimeout how long a TCP connection may stay without a CONNECT
 */
public record MqttSettings(String host, int port, int maxMessageSize, Duration connectTimeout) {

  MqttServerOptions serverOptions() {
    MqttServerOptions options = new MqttServerOptions()
        .setHost(host)
        .setPort(port)
        .setMaxMessageSize(maxMessageSize)
        .setTimeoutOnConnect((int) connectTimeout.toSeconds())
        .setAutoClientId(false)
        // device IDs are 24 characters; the decoder's default allows MQTT 3.1's 23 only
        .setMaxClientIdLength(64);
    options.setTcpNoDelay(true);
    return options;
  }
}
