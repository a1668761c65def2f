package io.drover.gateway.mqtt;

import io.drover.gateway.ServerTls;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.TrustOptions;
import io.vertx.mqtt.MqttServerOptions;
import java.time.Duration;

/**
 * The MQTT listener's settings, validated by whoever reads the node configuration.
 *
 * @param port plain MQTT (1883), served when {@code plainEnabled}
 * @param tlsPort MQTT over TLS (8883), served when the gateway is given a {@link ServerTls}
 * @param plainEnabled false leaves only the TLS port: plain MQTT carries each device's secret in clear
 *     text in its CONNECT
 * @param maxMessageSize the largest MQTT packet accepted; a larger one closes the connection (the
 *     decoder cannot skip it), so keep it well above the 1,024-byte event limit, which is refused
 *     politely with the session kept
 * @param connectTimeout how long a TCP connection may stay without a CONNECT
 */
public record MqttSettings(String host, int port, int tlsPort, boolean plainEnabled, int maxMessageSize, Duration connectTimeout) {

  /** Plain MQTT on {@code port}. */
  public MqttServerOptions serverOptions(int port) {
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

  /**
   * MQTT over TLS on {@code port}: the same as plain MQTT once the handshake is done. The handshake
   * asks for a client certificate without requiring one: a device that presents one is authenticated by
   * it at CONNECT ({@link AnyDeviceCertificate} lets any chain through to the hub), one that does not
   * with its secret.
   */
  public MqttServerOptions tlsServerOptions(int port, ServerTls tls) {
    MqttServerOptions options = tls.applyTo(serverOptions(port));
    options.setClientAuth(ClientAuth.REQUEST);
    options.setTrustOptions(TrustOptions.wrap(AnyDeviceCertificate.INSTANCE));
    return options;
  }
}
