package io.drover.coap;

import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.californium.core.CoapServer;
import org.eclipse.californium.core.config.CoapConfig;
import org.eclipse.californium.core.network.CoapEndpoint;
import org.eclipse.californium.core.network.serialization.UdpDataSerializer;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.elements.config.SystemConfig;
import org.eclipse.californium.elements.config.UdpConfig;
import org.eclipse.californium.elements.util.ExecutorsUtil;
import org.eclipse.californium.scandium.config.DtlsConfig;
import org.eclipse.californium.scandium.config.DtlsConnectorConfig;
import org.eclipse.californium.scandium.dtls.CertificateType;
import org.eclipse.californium.scandium.dtls.x509.SingleCertificateProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CoAP device server: a DTLS 1.2 endpoint (and, only when configured, a plain one) with the device
 * resource tree. Build it with {@link #builder(CoapSettings)}; {@link #start()} binds the sockets.
 */
public final class DeviceServer {

  private static final Logger LOG = LoggerFactory.getLogger(DeviceServer.class);
  /** Connection IDs (RFC 9146) of 6 bytes: enough for millions of sessions, few bytes per record. */
  static final int CONNECTION_ID_LENGTH = 6;

  private final CoapSettings settings;
  private final CoapServer server;
  private final CoapEndpoint secure;
  private final CoapEndpoint plain;
  /** The protocol stage's timers when it runs on the caller's executor ({@link Builder#protocolStage}), or null. */
  private final ScheduledExecutorService stageTimers;

  private DeviceServer(CoapSettings settings, CoapServer server, CoapEndpoint secure, CoapEndpoint plain,
      ScheduledExecutorService stageTimers) {
    this.settings = settings;
    this.server = server;
    this.secure = secure;
    this.plain = plain;
    this.stageTimers = stageTimers;
  }

  public static Builder builder(CoapSettings settings) {
    return new Builder(settings);
  }

  /** Binds the endpoints. Blocks briefly (socket set-up): call it off any event loop. */
  public void start() {
    server.start();
    LOG.info("CoAP listening [host: {}, coaps-port: {}, coap-port: {}]", settings.host(), securePort(),
        plain == null ? "off" : plainPort());
  }

  /** Closes the endpoints; the DTLS sessions are gone with them. Blocks briefly. */
  public void stop() {
    server.stop();
    server.destroy();
    if (stageTimers != null) {
      ExecutorsUtil.shutdownExecutorGracefully(1000, stageTimers);
    }
  }

  public int securePort() {
    return secure.getAddress().getPort();
  }

  /** @return the plain CoAP port, or -1 when plain CoAP is off */
  public int plainPort() {
    return plain == null ? -1 : plain.getAddress().getPort();
  }

  /** The Californium configuration every endpoint shares: the settings mapped to typed keys. */
  static Configuration configuration(CoapSettings settings) {
    Configuration config = new Configuration(CoapConfig.DEFINITIONS, DtlsConfig.DEFINITIONS, UdpConfig.DEFINITIONS,
        SystemConfig.DEFINITIONS);
    config.set(CoapConfig.MAX_ACTIVE_PEERS, settings.maxActivePeers());
    config.set(CoapConfig.EXCHANGE_LIFETIME, settings.exchangeLifetime().toMillis(), TimeUnit.MILLISECONDS);
    config.set(CoapConfig.NON_LIFETIME, settings.exchangeLifetime().toMillis(), TimeUnit.MILLISECONDS);
    // crop rotation forgets a whole generation at once: no per-exchange timers, no sweep over 200,000 peers
    config.set(CoapConfig.DEDUPLICATOR, CoapConfig.DEDUPLICATOR_CROP_ROTATION);
    config.set(CoapConfig.CROP_ROTATION_PERIOD, settings.exchangeLifetime().toMillis(), TimeUnit.MILLISECONDS);
    config.set(CoapConfig.MAX_PEER_INACTIVITY_PERIOD, settings.staleSessionThreshold().toSeconds(), TimeUnit.SECONDS);
    config.set(DtlsConfig.DTLS_ROLE, DtlsConfig.DtlsRole.SERVER_ONLY);
    config.set(DtlsConfig.DTLS_MAX_CONNECTIONS, settings.maxConnections());
    config.set(DtlsConfig.DTLS_STALE_CONNECTION_THRESHOLD, settings.staleSessionThreshold().toSeconds(), TimeUnit.SECONDS);
    config.set(DtlsConfig.DTLS_CONNECTION_ID_LENGTH, CONNECTION_ID_LENGTH);
    // a device that shakes hands again replaces its older session at once, instead of leaving it to age
    config.set(DtlsConfig.DTLS_READ_WRITE_LOCK_CONNECTION_STORE, true);
    config.set(DtlsConfig.DTLS_REMOVE_STALE_DOUBLE_PRINCIPALS, true);
    // 0 keeps Californium's and Scandium's defaults (receiver 1, connector and protocol stage one per core)
    CoapThreads threads = settings.threads();
    if (threads.dtlsReceivers() > 0) {
      config.set(DtlsConfig.DTLS_RECEIVER_THREAD_COUNT, threads.dtlsReceivers());
    }
    if (threads.dtlsConnectors() > 0) {
      config.set(DtlsConfig.DTLS_CONNECTOR_THREAD_COUNT, threads.dtlsConnectors());
    }
    if (threads.protocolStage() > 0) {
      config.set(CoapConfig.PROTOCOL_STAGE_THREAD_COUNT, threads.protocolStage());
    }
    if (settings.udpReceiveBufferBytes() > 0) {
      config.set(DtlsConfig.DTLS_RECEIVE_BUFFER_SIZE, settings.udpReceiveBufferBytes());
      config.set(UdpConfig.UDP_RECEIVE_BUFFER_SIZE, settings.udpReceiveBufferBytes());
    }
    return config;
  }

  /** Collects the collaborators; each is required. */
  public static final class Builder {

    private final CoapSettings settings;
    private DeviceCredentials credentials;
    private DtlsSessionEvents sessionEvents;
    private DeviceRequestHandler requests;
    private DtlsServerIdentity serverIdentity;
    private Executor protocolStage;
    private DatagramMeter datagramMeter = DatagramMeter.NONE;

    private Builder(CoapSettings settings) {
      this.settings = settings;
    }

    public Builder credentials(DeviceCredentials credentials) {
      this.credentials = credentials;
      return this;
    }

    public Builder sessionEvents(DtlsSessionEvents sessionEvents) {
      this.sessionEvents = sessionEvents;
      return this;
    }

    public Builder requests(DeviceRequestHandler requests) {
      this.requests = requests;
      return this;
    }

    /**
     * The node's own ECDSA P-256 key, and its certificate if it has one. With the key, devices may also
     * authenticate with raw public keys (RFC 7250) registered for them; with a certificate too, with
     * X.509 certificates. The node proves itself with the key, as a raw key or in the certificate,
     * whichever the device negotiates. Optional: without it, PSK only.
     */
    public Builder serverIdentity(DtlsServerIdentity serverIdentity) {
      this.serverIdentity = serverIdentity;
      return this;
    }

    /**
     * Runs Californium's protocol stage (CoAP's layers and the resources, so the {@link DeviceRequestHandler}
     * calls too) on {@code executor} instead of Californium's own pool of
     * {@link CoapThreads#protocolStage()} threads: the gateway passes its session context, so that a
     * request is handled where its session lives. The executor must run tasks in the order given and
     * never block on them. Optional.
     */
    public Builder protocolStage(Executor executor) {
      this.protocolStage = executor;
      return this;
    }

    /** Told the size of each DTLS datagram, per peer (a SIM's data usage). Optional. */
    public Builder datagramMeter(DatagramMeter meter) {
      this.datagramMeter = meter;
      return this;
    }

    public DeviceServer build() {
      if (credentials == null || sessionEvents == null || requests == null) {
        throw new IllegalStateException("credentials, session events and request handler are all required");
      }
      Configuration config = configuration(settings);
      // a resumed session is judged again: its certificate or raw key may have been revoked since
      DeviceResumptionVerifier resumptions = new DeviceResumptionVerifier(credentials, sessionEvents);
      DtlsConnectorConfig.Builder dtlsBuilder = DtlsConnectorConfig.builder(config)
          .setAddress(new InetSocketAddress(settings.host(), settings.securePort()))
          .setAdvancedPskStore(new DevicePskStore(credentials, sessionEvents))
          .setConnectionListener(new DtlsSessionWatcher(sessionEvents))
          .setHealthHandler(new DroppedRecords(sessionEvents))
          .setResumptionVerifier(resumptions)
          .setLoggingTag("coaps");
      if (serverIdentity != null) {
        boolean x509 = serverIdentity.hasCertificate();
        // the ECDHE_ECDSA suites serve both: Scandium offers them for this key next to the PSK ones
        SingleCertificateProvider identity = x509
            ? new SingleCertificateProvider(serverIdentity.key().getPrivate(), serverIdentity.chain().toArray(new X509Certificate[0]),
                CertificateType.X_509, CertificateType.RAW_PUBLIC_KEY)
            : new SingleCertificateProvider(serverIdentity.key().getPrivate(), serverIdentity.key().getPublic());
        DeviceKeyVerifier verifier = new DeviceKeyVerifier(credentials, sessionEvents, x509);
        dtlsBuilder.setCertificateIdentityProvider(identity)
            .setAdvancedCertificateVerifier(verifier)
            .setApplicationLevelInfoSupplier(verifier);
      }
      DtlsConnectorConfig dtls = dtlsBuilder.build();
      CoapEndpoint secure = CoapEndpoint.builder()
          .setConfiguration(config)
          .setConnector(DeviceDtlsConnector.create(dtls, datagramMeter))
          .setDataSerializerAndParser(new UdpDataSerializer(), new DeviceMessageParser(config.get(CoapConfig.STRICT_EMPTY_MESSAGE_FORMAT)))
          .setLoggingTag("coaps")
          .build();
      // Californium reports unparsable datagrams only to post-process interceptors
      secure.addPostProcessInterceptor(new MalformedMessages(sessionEvents));
      CoapServer server = new CoapServer(config);
      server.addEndpoint(secure);
      CoapEndpoint plain = null;
      if (settings.plainEnabled()) {
        plain = CoapEndpoint.builder()
            .setConfiguration(config)
            .setDataSerializerAndParser(new UdpDataSerializer(), new DeviceMessageParser(config.get(CoapConfig.STRICT_EMPTY_MESSAGE_FORMAT)))
            .setInetSocketAddress(new InetSocketAddress(settings.host(), settings.plainPort()))
            .setLoggingTag("coap")
            .build();
        server.addEndpoint(plain);
      }
      server.add(new EventResource(requests), new DescribeResource(requests), new HandshakeResource(requests),
          new FirmwareResource(requests), new ConfigResource(requests));
      ScheduledExecutorService stageTimers = null;
      if (protocolStage != null) {
        // detached: stopping the server leaves the caller's executor alone; the timers are stopped in stop()
        stageTimers = ExecutorsUtil.newDefaultSecondaryScheduler("CoapServer(timers)#");
        server.setExecutors(new ProtocolStage(protocolStage, stageTimers), stageTimers, true);
      }
      return new DeviceServer(settings, server, secure, plain, stageTimers);
    }
  }
}
