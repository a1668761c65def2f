package io.drover.gateway.mqtt;

import io.drover.gateway.ServerTls;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.vertx.core.Vertx;
import io.vertx.core.net.PemKeyCertOptions;
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
 * @param connectTimeout how long a TCP connection may take from its accept to its CONNECT, the TLS
 *     handshake included
 * @param outboundStall how long what was sent to a device may stay unread, its outbound queue full,
 *     before the connection is closed
 */
public record MqttSettings(String host, int port, int tlsPort, boolean plainEnabled, int maxMessageSize, Duration connectTimeout,
    Duration outboundStall) {

  /** The listener on {@code port} (plain or TLS: the TLS layer is the acceptor's, see {@link #tlsContext}). */
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
   * The TLS of the MQTT over TLS port, set up by {@link MqttAcceptor} on each accepted connection (so
   * that the connection is counted from its accept, and its handshake bounded in time): the protocols
   * and cipher suites of {@link ServerTls}; a client certificate is asked for without being required. A
   * device that presents one is authenticated by it at CONNECT ({@link AnyDeviceCertificate} lets any
   * chain through to the hub), one that does not with its secret. Builds keys from PEM: call it off the
   * event loop.
   */
  public static SslContext tlsContext(ServerTls tls, Vertx vertx) throws Exception {
    PemKeyCertOptions keys = new PemKeyCertOptions().addCertValue(tls.certificateChain()).addKeyValue(tls.privateKey());
    return SslContextBuilder.forServer(keys.getKeyManagerFactory(vertx))
        .sslProvider(SslProvider.JDK)
        .protocols(ServerTls.PROTOCOLS)
        .ciphers(ServerTls.CIPHER_SUITES)
        .clientAuth(ClientAuth.OPTIONAL)
        .trustManager(AnyDeviceCertificate.INSTANCE)
        .build();
  }
}
