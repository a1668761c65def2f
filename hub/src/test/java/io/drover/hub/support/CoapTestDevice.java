package io.drover.hub.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.eclipse.californium.core.CoapClient;
import org.eclipse.californium.core.CoapResource;
import org.eclipse.californium.core.CoapResponse;
import org.eclipse.californium.core.CoapServer;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.CoAP.Type;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.eclipse.californium.core.coap.Request;
import org.eclipse.californium.core.config.CoapConfig;
import org.eclipse.californium.core.network.CoapEndpoint;
import org.eclipse.californium.core.server.resources.CoapExchange;
import org.eclipse.californium.core.server.resources.Resource;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.elements.config.SystemConfig;
import org.eclipse.californium.elements.config.UdpConfig;
import org.eclipse.californium.elements.exception.ConnectorException;
import org.eclipse.californium.scandium.DTLSConnector;
import org.eclipse.californium.scandium.config.DtlsConfig;
import org.eclipse.californium.scandium.config.DtlsConnectorConfig;
import org.eclipse.californium.scandium.dtls.pskstore.AdvancedSinglePskStore;

/**
 * A CoAP device made of Californium's client, with PSK over DTLS on loopback: it sends requests to
 * the node and, over the same DTLS session, serves the cloud's requests on {@code /f/{name}},
 * {@code /v/{name}} and {@code /s} as a device would.
 */
public final class CoapTestDevice implements AutoCloseable {

  private final CoapServer device;
  private final CoapEndpoint endpoint;
  private final String base;
  private final int port;
  private final java.util.List<String> alerts = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final java.util.List<String> handshakeFailures = new java.util.concurrent.CopyOnWriteArrayList<>();
  private volatile String signal;
  /** The cloud's events this device got ({@code POST /e/<name>}), "name=data", oldest first. */
  private final java.util.List<String> events = new java.util.concurrent.CopyOnWriteArrayList<>();

  private final java.util.concurrent.atomic.AtomicLong bytesSent = new java.util.concurrent.atomic.AtomicLong();
  private final java.util.concurrent.atomic.AtomicLong bytesReceived = new java.util.concurrent.atomic.AtomicLong();

  /** UDP payload bytes this device sent: every DTLS record, the handshake's included. */
  public long bytesSent() {
    return bytesSent.get();
  }

  /** UDP payload bytes this device received. */
  public long bytesReceived() {
    return bytesReceived.get();
  }

  private CoapTestDevice(int port, String identity, String key, Map<String, Function<String, String>> functions, Map<String, String> variables,
      boolean connectionId) {
    this(port, functions, variables, connectionId, builder -> builder.setAdvancedPskStore(
        new AdvancedSinglePskStore(identity, key.getBytes(StandardCharsets.US_ASCII))));
  }

  private CoapTestDevice(int port, Map<String, Function<String, String>> functions, Map<String, String> variables, boolean connectionId,
      java.util.function.Consumer<DtlsConnectorConfig.Builder> credentials) {
    Configuration config = new Configuration(CoapConfig.DEFINITIONS, DtlsConfig.DEFINITIONS, UdpConfig.DEFINITIONS, SystemConfig.DEFINITIONS);
    config.set(DtlsConfig.DTLS_ROLE, DtlsConfig.DtlsRole.CLIENT_ONLY);
    config.set(DtlsConfig.DTLS_RETRANSMISSION_TIMEOUT, 300, TimeUnit.MILLISECONDS);
    config.set(DtlsConfig.DTLS_MAX_RETRANSMISSIONS, 2);
    if (connectionId) {
      // RFC 9146: the node may then address this device by the ID it chose, whatever the source port
      config.set(DtlsConfig.DTLS_CONNECTION_ID_LENGTH, 4);
    }
    DtlsConnectorConfig.Builder dtlsBuilder = DtlsConnectorConfig.builder(config);
    credentials.accept(dtlsBuilder);
    DtlsConnectorConfig dtls = dtlsBuilder.build();
    // counts every datagram this device puts on the wire and takes off it: what a SIM's metering must find
    DTLSConnector connector = new DTLSConnector(dtls) {
      @Override
      protected void sendNextDatagramOverNetwork(java.net.DatagramPacket datagram) throws java.io.IOException {
        bytesSent.addAndGet(datagram.getLength());
        super.sendNextDatagramOverNetwork(datagram);
      }

      @Override
      protected void processDatagram(java.net.DatagramPacket packet, java.net.InetSocketAddress router) {
        bytesReceived.addAndGet(packet.getLength());
        super.processDatagram(packet, router);
      }
    };
    connector.setAlertHandler((peer, alert) -> alerts.add(alert.getDescription().name().toLowerCase(java.util.Locale.ROOT)));
    endpoint = CoapEndpoint.builder().setConfiguration(config).setConnector(connector).build();
    this.port = port;
    device = new CoapServer(config);
    device.addEndpoint(endpoint);
    device.add(new Named("f", (exchange, name) -> {
      Function<String, String> function = functions.get(name);
      if (function == null) {
        exchange.respond(ResponseCode.NOT_FOUND);
      } else {
        String result = function.apply(exchange.getRequestText());
        if (result != null) { // null: this firmware never answers
          exchange.respond(ResponseCode.CONTENT, result);
        }
      }
    }), new Named("v", (exchange, name) -> {
      String value = variables.get(name);
      exchange.respond(value == null ? ResponseCode.NOT_FOUND : ResponseCode.CONTENT, value == null ? "" : value);
    }), new Named("e", (exchange, last) -> {
      java.util.List<String> path = exchange.getRequestOptions().getUriPath();
      events.add(String.join("/", path.subList(1, path.size())) + "=" + exchange.getRequestText());
      exchange.respond(ResponseCode.CHANGED);
    }), new CoapResource("s") {
      @Override
      public void handlePUT(CoapExchange exchange) {
        signal = exchange.getRequestText();
        exchange.respond(ResponseCode.CHANGED);
      }
    });
    device.start();
    base = "coaps://127.0.0.1:" + port;
  }

  public static CoapTestDevice connect(int port, String identity, String key) {
    return new CoapTestDevice(port, identity, key, Map.of(), Map.of(), false);
  }

  /**
   * A device that authenticates with an ECDSA raw public key (RFC 7250) and trusts only the node's
   * key {@code serverKey}.
   */
  public static CoapTestDevice withRawPublicKey(int port, java.security.KeyPair deviceKey, java.security.PublicKey serverKey) {
    return new CoapTestDevice(port, Map.of(), Map.of(), false, builder -> builder
        .setCertificateIdentityProvider(new org.eclipse.californium.scandium.dtls.x509.SingleCertificateProvider(deviceKey.getPrivate(), deviceKey.getPublic()))
        .setAdvancedCertificateVerifier(org.eclipse.californium.scandium.dtls.x509.StaticNewAdvancedCertificateVerifier.builder()
            .setTrustedRPKs(new org.eclipse.californium.elements.auth.RawPublicKeyIdentity(serverKey))
            .build()));
  }

  /**
   * A device that authenticates with an X.509 certificate ({@code chain}, its own first) and trusts a
   * node certificate issued by {@code serverCa}. Its alerts are kept: {@link #alerts()}.
   */
  public static CoapTestDevice withCertificate(int port, java.security.PrivateKey key, java.security.cert.X509Certificate[] chain,
      java.security.cert.X509Certificate serverCa) {
    return new CoapTestDevice(port, Map.of(), Map.of(), false, builder -> builder
        .setCertificateIdentityProvider(new org.eclipse.californium.scandium.dtls.x509.SingleCertificateProvider(key, chain))
        .setAdvancedCertificateVerifier(org.eclipse.californium.scandium.dtls.x509.StaticNewAdvancedCertificateVerifier.builder()
            .setTrustedCertificates(serverCa)
            .build()));
  }

  /**
   * Makes the next request resume the DTLS session with an abbreviated handshake (RFC 5246 section
   * 7.3), as a device waking with its session kept does.
   */
  public void forceResumption() {
    ((DTLSConnector) endpoint.getConnector()).forceResumeSessionFor(new java.net.InetSocketAddress("127.0.0.1", port));
  }

  /** The alerts the node sent, by their RFC 5246 names ("certificate_revoked"), oldest first. */
  public java.util.List<String> alerts() {
    return java.util.List.copyOf(alerts);
  }

  /**
   * Whether the node refused a handshake with the fatal alert {@code alert} ("certificate_revoked"):
   * Scandium tells its alert handler, or, for a handshake of a connection it had before, only the
   * failed request ("Received 'fatal alert/CERTIFICATE_REVOKED'").
   */
  public boolean refusedWith(String alert) {
    String reported = "fatal alert/" + alert.toUpperCase(java.util.Locale.ROOT);
    return alerts.contains(alert) || handshakeFailures.stream().anyMatch(failure -> failure.contains(reported));
  }

  public static CoapTestDevice withConnectionId(int port, String identity, String key) {
    return new CoapTestDevice(port, identity, key, Map.of(), Map.of(), true);
  }

  public static CoapTestDevice serving(int port, String identity, String key, Map<String, Function<String, String>> functions,
      Map<String, String> variables) {
    return new CoapTestDevice(port, identity, key, functions, variables, false);
  }

  /** A confirmable POST; null when no response came (a refused handshake ends that way). */
  public CoapResponse post(String path, byte[] payload) throws ConnectorException {
    return send(Request.newPost(), path, payload);
  }

  public CoapResponse post(String path, String payload) throws ConnectorException {
    return post(path, payload.getBytes(StandardCharsets.UTF_8));
  }

  /** A non-confirmable POST: fire and forget, though the node still answers. */
  public CoapResponse postNonConfirmable(String path, String payload) throws ConnectorException {
    Request request = Request.newPost();
    request.setType(Type.NON);
    return send(request, path, payload.getBytes(StandardCharsets.UTF_8));
  }

  private CoapResponse send(Request request, String path, byte[] payload) throws ConnectorException {
    CoapClient client = new CoapClient(base + path);
    client.setEndpoint(endpoint);
    client.setTimeout(5000L);
    request.setPayload(payload);
    request.getOptions().setContentFormat(MediaTypeRegistry.TEXT_PLAIN);
    try {
      return client.advanced(request);
    } catch (IOException handshakeFailed) {
      for (Throwable cause = handshakeFailed; cause != null; cause = cause.getCause()) {
        handshakeFailures.add(String.valueOf(cause.getMessage()));
      }
      return null;
    } finally {
      client.shutdown();
    }
  }

  /** The cloud's events this device got over CoAP ({@code POST /e/<name>}), as "name=data", oldest first. */
  public java.util.List<String> events() {
    return java.util.List.copyOf(events);
  }

  /** The last signal the cloud sent ("1" or "0"), or null. */
  public String signal() {
    return signal;
  }

  public CoapEndpoint endpoint() {
    return endpoint;
  }

  @Override
  public void close() {
    device.destroy();
  }

  /** A resource that takes any name below it: {@code /f/led} calls {@code handler} with "led". */
  private static final class Named extends CoapResource {

    private final java.util.function.BiConsumer<CoapExchange, String> handler;

    Named(String name, java.util.function.BiConsumer<CoapExchange, String> handler) {
      super(name);
      this.handler = handler;
    }

    @Override
    public Resource getChild(String name) {
      return this;
    }

    @Override
    public void handleGET(CoapExchange exchange) {
      handle(exchange);
    }

    @Override
    public void handlePOST(CoapExchange exchange) {
      handle(exchange);
    }

    private void handle(CoapExchange exchange) {
      java.util.List<String> path = exchange.getRequestOptions().getUriPath();
      handler.accept(exchange, path.size() > 1 ? path.get(path.size() - 1) : "");
    }
  }
}
