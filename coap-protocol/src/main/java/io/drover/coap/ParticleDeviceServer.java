package io.drover.coap;

import io.drover.coap.particle.DraftConnectionId;
import io.drover.coap.particle.ParticleTokens;
import io.drover.coap.particle.ServerCertificateOmission;
import io.drover.coap.particle.SystemDescribe;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.eclipse.californium.core.CoapServer;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.CoAP.Type;
import org.eclipse.californium.core.coap.OptionSet;
import org.eclipse.californium.core.server.resources.Resource;
import org.eclipse.californium.core.config.CoapConfig;
import org.eclipse.californium.core.network.CoapEndpoint;
import org.eclipse.californium.core.network.serialization.UdpDataSerializer;
import org.eclipse.californium.core.server.resources.CoapExchange;
import org.eclipse.californium.elements.config.CertificateAuthenticationMode;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.scandium.config.DtlsConfig;
import org.eclipse.californium.scandium.config.DtlsConnectorConfig;
import org.eclipse.californium.scandium.dtls.CertificateType;
import org.eclipse.californium.scandium.dtls.cipher.CipherSuite;
import org.eclipse.californium.scandium.dtls.cipher.XECDHECryptography.SupportedGroup;
import org.eclipse.californium.scandium.dtls.x509.SingleCertificateProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The DTLS endpoint for Particle devices running Device OS (Gen 3 protocol: DTLS 1.2 and CoAP on UDP
 * 5684). It binds its own address, apart from Drover's CoAPS (docs/architecture.md, "Particle devices",
 * item 1), and differs from {@link DeviceServer} only where Device OS needs it to:
 * <ul>
 *   <li>one suite, {@code TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8} on secp256r1, raw public keys both ways
 *       (RFC 7250): the device is the one its key was registered to; the node proves itself with the
 *       key the device pinned ({@code server_key.der});</li>
 *   <li>the Connection ID of draft-ietf-tls-dtls-connection-id-05 under code point 254
 *       ({@link DraftConnectionId}), 8 bytes long: Device OS fails the handshake on any other length;</li>
 *   <li>no server Certificate message: Device OS reads none, it verifies the ServerKeyExchange with the
 *       key it pinned ({@link ServerCertificateOmission});</li>
 *   <li>records of a resumed session from a new address arrive with content type 253
 *       ({@link ParticleDtlsConnector});</li>
 *   <li>an empty CON (the keep-alive) is answered with an empty ACK, not a Reset ({@link ParticlePings});</li>
 *   <li>the cloud's requests carry a token of one byte ({@link ParticleTokens}).</li>
 * </ul>
 */
public final class ParticleDeviceServer {

  private static final Logger LOG = LoggerFactory.getLogger(ParticleDeviceServer.class);
  /** The port Device OS connects to over UDP (system/src/server_config.cpp); a device cannot be told another. */
  public static final int PORT = 5684;
  /** Device OS's {@code DTLS_CID_SIZE}: the length of Connection ID it insists on receiving. */
  static final int CONNECTION_ID_LENGTH = 8;

  private final CoapSettings settings;
  private final CoapServer server;
  private final CoapEndpoint secure;

  private ParticleDeviceServer(CoapSettings settings, CoapServer server, CoapEndpoint secure) {
    this.settings = settings;
    this.server = server;
    this.secure = secure;
  }

  /**
   * @param settings the listener's own host and port ({@code securePort}; devices only ever use 5684),
   *     and the limits and threads as for {@link DeviceServer}; {@code plainEnabled} is ignored
   * @param identity the node's key: the one the devices pinned
   */
  public static ParticleDeviceServer create(CoapSettings settings, DtlsServerIdentity identity, DeviceCredentials credentials,
      DtlsSessionEvents sessionEvents, ParticleRequestHandler requests) {
    DraftConnectionId.install();
    ServerCertificateOmission.check();
    ServerCertificateOmission certificateOmission = new ServerCertificateOmission();
    Configuration config = DeviceServer.configuration(settings);
    config.set(DtlsConfig.DTLS_CONNECTION_ID_LENGTH, CONNECTION_ID_LENGTH);
    config.set(DtlsConfig.DTLS_SUPPORT_DEPRECATED_CID, true);
    config.set(DtlsConfig.DTLS_CIPHER_SUITES, List.of(CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8));
    config.set(DtlsConfig.DTLS_CURVES, List.of(SupportedGroup.secp256r1));
    config.set(DtlsConfig.DTLS_CERTIFICATE_TYPES, List.of(CertificateType.RAW_PUBLIC_KEY));
    config.set(DtlsConfig.DTLS_CLIENT_AUTHENTICATION_MODE, CertificateAuthenticationMode.NEEDED);
    DeviceResumptionVerifier resumptions = new DeviceResumptionVerifier(credentials, sessionEvents);
    DeviceKeyVerifier verifier = new DeviceKeyVerifier(credentials, sessionEvents, false);
    DtlsConnectorConfig dtls = DtlsConnectorConfig.builder(config)
        .setAddress(new InetSocketAddress(settings.host(), settings.securePort()))
        .setCertificateIdentityProvider(new SingleCertificateProvider(identity.key().getPrivate(), identity.key().getPublic()))
        .setAdvancedCertificateVerifier(verifier)
        .setApplicationLevelInfoSupplier(verifier)
        .setConnectionListener(new DtlsSessionWatcher(sessionEvents))
        .setHealthHandler(new DroppedRecords(sessionEvents))
        .setResumptionVerifier(resumptions)
        .setSessionListener(certificateOmission)
        .setLoggingTag("particle")
        .build();
    UdpDataSerializer serializer = new UdpDataSerializer();
    ParticleDtlsConnector connector = new ParticleDtlsConnector(dtls, certificateOmission);
    CoapEndpoint secure = CoapEndpoint.builder()
        .setConfiguration(config)
        .setConnector(connector)
        .setDataSerializerAndParser(serializer, new DeviceMessageParser(config.get(CoapConfig.STRICT_EMPTY_MESSAGE_FORMAT)))
        .setTokenGenerator(new ParticleTokens())
        .setLoggingTag("particle")
        .build();
    ParticlePings pings = new ParticlePings(serializer, requests);
    pings.sendThrough(secure);
    secure.addInterceptor(pings);
    secure.addPostProcessInterceptor(new MalformedMessages(sessionEvents));
    CoapServer server = new CoapServer(config);
    server.addEndpoint(secure);
    server.add(new HelloResource(requests), new TimeResource(), new ParticleEventResource("e", requests),
        new ParticleEventResource("E", requests), new GoodbyeResource(requests), new DescribeResource(requests),
        new MissingChunksResource(connector.updates));
    return new ParticleDeviceServer(settings, server, secure);
  }

  /** Binds the socket. Blocks briefly: call it off any event loop. */
  public void start() {
    server.start();
    LOG.info("Particle devices listening [host: {}, port: {}]", settings.host(), port());
  }

  /** Closes the socket; the DTLS sessions are gone with it. Blocks briefly. */
  public void stop() {
    server.stop();
    server.destroy();
  }

  public int port() {
    return secure.getAddress().getPort();
  }

  /** {@code POST /h}: the binary Hello; a malformed one is answered 4.00 and the session goes on. */
  private static final class HelloResource extends DeviceResource {

    private final ParticleRequestHandler handler;

    HelloResource(ParticleRequestHandler handler) {
      super("h");
      this.handler = handler;
    }

    @Override
    public void handlePOST(CoapExchange exchange) {
      DevicePeer peer = authenticated(exchange);
      if (peer == null) {
        return;
      }
      ParticleHello hello;
      try {
        hello = ParticleHello.decode(exchange.getRequestPayload());
      } catch (IllegalArgumentException e) {
        respondWhenDone(exchange, CompletableFuture.completedFuture(CoapReply.of(ResponseCode.BAD_REQUEST)));
        return;
      }
      respondWhenDone(exchange, handler.onHello(peer, hello));
    }
  }

  /**
   * {@code POST /E/{name}} and {@code POST /e/{name}}: an event (communication/src/publisher.cpp). Device OS
   * sends the name as one Uri-Path option, '/' included; two or more segments are joined as for
   * Drover's devices. Its old private ({@code E}) and public ({@code e}) split is obsolete: both are
   * the device owner's events. CON is answered once the event is written, NON at once, as over CoAP.
   * Max-Age is the event's TTL in seconds (Device OS sends it when it is not 60, the default).
   * {@code GET /e/{prefix}} is a subscription (communication/src/subscriptions.cpp: CON or NON, no token,
   * an optional Uri-Query {@code b} or {@code c} for binary or CBOR data, no scope: a device gets its
   * owner's events); 2.05 once the gateway delivers to it.
   */
  private static final class ParticleEventResource extends DeviceResource {

    private final ParticleRequestHandler handler;

    ParticleEventResource(String name, ParticleRequestHandler handler) {
      super(name);
      this.handler = handler;
    }

    @Override
    public Resource getChild(String name) {
      return this;
    }

    @Override
    public void handlePOST(CoapExchange exchange) {
      DevicePeer peer = authenticated(exchange);
      if (peer == null) {
        return;
      }
      List<String> path = exchange.getRequestOptions().getUriPath();
      String name = path.size() == 2 ? path.get(1) : String.join("/", path.subList(1, path.size()));
      boolean confirmable = exchange.advanced().getRequest().getType() == Type.CON;
      OptionSet options = exchange.getRequestOptions();
      respondWhenDone(exchange, handler.onEvent(peer, name, exchange.getRequestPayload(), confirmable, ttlSeconds(options),
          options.hasContentFormat() ? options.getContentFormat() : -1));
    }

    @Override
    public void handleGET(CoapExchange exchange) {
      DevicePeer peer = authenticated(exchange);
      if (peer == null) {
        return;
      }
      List<String> path = exchange.getRequestOptions().getUriPath();
      if (path.size() < 2) {
        exchange.respond(ResponseCode.BAD_REQUEST, "GET /e/{prefix}: the prefix is missing");
        return;
      }
      String prefix = path.size() == 2 ? path.get(1) : String.join("/", path.subList(1, path.size()));
      respondWhenDone(exchange, handler.onSubscribe(peer, prefix).thenApply(reply -> reply.isSuccess() ? CoapReply.of(ResponseCode.CONTENT) : reply));
    }
  }

  /** {@code POST /x}: the goodbye; the ACK is all the device waits for (and none for a NON). */
  private static final class GoodbyeResource extends DeviceResource {

    private final ParticleRequestHandler handler;

    GoodbyeResource(ParticleRequestHandler handler) {
      super("x");
      this.handler = handler;
    }

    @Override
    public void handlePOST(CoapExchange exchange) {
      DevicePeer peer = authenticated(exchange);
      if (peer != null) {
        respondWhenDone(exchange, handler.onGoodbye(peer));
      }
    }
  }

  /**
   * {@code GET /c}: a device in a fast legacy OTA lists the chunks it misses (communication/src/chunked_transfer.cpp,
   * {@code send_missing_chunks}: CON, no token, u16 indexes), right after it answered {@code PUT /u} with
   * 4.00. Acknowledged with 2.04 piggybacked, then its update sends exactly those chunks
   * ({@link ParticleFirmwareUpdate#resend}). A list that does not parse is answered 4.00,
   * one of a device with no fast update waiting for it 4.04, and nothing is sent.
   */
  private static final class MissingChunksResource extends DeviceResource {

    private final ParticleUpdates updates;

    MissingChunksResource(ParticleUpdates updates) {
      super("c");
      this.updates = updates;
    }

    @Override
    public void handleGET(CoapExchange exchange) {
      DevicePeer peer = authenticated(exchange);
      if (peer == null) {
        return;
      }
      int[] indexes;
      try {
        indexes = ParticleFirmwareUpdate.missingChunks(exchange.getRequestPayload());
      } catch (IllegalArgumentException e) {
        exchange.respond(ResponseCode.BAD_REQUEST, e.getMessage());
        return;
      }
      ParticleFirmwareUpdate update = updates.of(peer.deviceId());
      if (update == null) {
        exchange.respond(ResponseCode.NOT_FOUND, "no update under way");
        return;
      }
      try {
        update.resend(indexes);
      } catch (IllegalArgumentException e) {
        exchange.respond(ResponseCode.BAD_REQUEST, e.getMessage());
        return;
      } catch (IllegalStateException e) {
        exchange.respond(ResponseCode.NOT_FOUND, e.getMessage());
        return;
      }
      exchange.respond(ResponseCode.CHANGED);
    }
  }

  /** Max-Age as a TTL: 60 when absent (RFC 7252 section 5.10.5, and Particle's default), capped to an int. */
  static int ttlSeconds(OptionSet options) {
    return options.hasMaxAge() ? (int) Math.min(options.getMaxAge(), Integer.MAX_VALUE) : DEFAULT_TTL_SECONDS;
  }

  /** An event's TTL when its request has no Max-Age. */
  static final int DEFAULT_TTL_SECONDS = 60;
  /** The Uri-Query byte of {@code POST /d}: which parts the payload describes (communication/src/description.cpp). */
  static final int DESCRIBE_SYSTEM = 1;
  static final int DESCRIBE_APPLICATION = 2;

  /**
   * {@code POST /d}: a describe. Its one Uri-Query option is a raw byte saying what the payload is: 1 the
   * system part (protobuf {@link SystemDescribe}), 2 the application part (JSON). Anything else (the
   * metrics, 4) is acknowledged unread. The ACK makes the device cache the describe, so a resumed
   * session need not send it again.
   */
  private static final class DescribeResource extends DeviceResource {

    private final ParticleRequestHandler handler;

    DescribeResource(ParticleRequestHandler handler) {
      super("d");
      this.handler = handler;
    }

    @Override
    public void handlePOST(CoapExchange exchange) {
      DevicePeer peer = authenticated(exchange);
      if (peer == null) {
        return;
      }
      List<String> query = exchange.getRequestOptions().getUriQuery();
      int parts = query.size() == 1 && query.get(0).length() == 1 ? query.get(0).charAt(0) : 0;
      if (parts == DESCRIBE_SYSTEM) {
        SystemDescribe system;
        try {
          system = SystemDescribe.decode(exchange.getRequestPayload());
        } catch (IllegalArgumentException e) {
          exchange.respond(ResponseCode.UNSUPPORTED_CONTENT_FORMAT, e.getMessage());
          return;
        }
        respondWhenDone(exchange, handler.onSystemDescribe(peer, system));
      } else if (parts == DESCRIBE_APPLICATION) {
        respondWhenDone(exchange, handler.onApplicationDescribe(peer, exchange.getRequestPayload()));
      } else {
        exchange.respond(ResponseCode.CHANGED);
      }
    }
  }

  /**
   * {@code GET /t}: the time, as Device OS reads it (communication/src/protocol.cpp,
   * {@code handle_time_response}): 2.05 piggybacked on the ACK, the request's token, no options, the
   * Unix time in seconds as a big-endian u32. Answered here: it needs no session state.
   */
  private static final class TimeResource extends DeviceResource {

    TimeResource() {
      super("t");
    }

    @Override
    public void handleGET(CoapExchange exchange) {
      byte[] now = ByteBuffer.allocate(4).putInt((int) (System.currentTimeMillis() / 1000)).array();
      exchange.respond(ResponseCode.CONTENT, now);
    }
  }
}
