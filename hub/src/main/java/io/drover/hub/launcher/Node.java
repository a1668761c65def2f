package io.drover.hub.launcher;

import io.drover.coap.DtlsServerIdentity;
import io.drover.gateway.Gateway;
import io.drover.gateway.ServerTls;
import io.drover.gateway.contract.DeviceEventCodec;
import io.drover.gateway.contract.LocalDurableEvent;
import io.drover.gateway.contract.SessionNoticeCodec;
import io.drover.gateway.commands.DeviceCommands;
import io.drover.gateway.session.DeviceSessions;
import io.drover.gateway.session.SessionOwnership;
import io.drover.hub.auth.AccountRepository;
import io.drover.hub.auth.AccountsApi;
import io.drover.hub.auth.AdminTokens;
import io.drover.hub.auth.AttemptLimits;
import io.drover.hub.auth.AttemptPruner;
import io.drover.hub.auth.EmailVerificationApi;
import io.drover.hub.auth.OAuthApi;
import io.drover.hub.auth.PasswordGuard;
import io.drover.hub.auth.PersonLogIn;
import io.drover.hub.auth.PasswordHashing;
import io.drover.hub.auth.PasswordChangeApi;
import io.drover.hub.auth.TokenService;
import io.drover.hub.cluster.ClusterMetrics;
import io.drover.hub.cluster.ClusterView;
import io.drover.hub.cluster.HazelcastCluster;
import io.drover.hub.cluster.NodeRoles;
import io.drover.hub.console.ConsoleRoutes;
import io.drover.hub.console.ConsoleSessionApi;
import io.drover.hub.customers.ActivationCodesApi;
import io.drover.hub.customers.ConsentApi;
import io.drover.hub.customers.CustomerAccounts;
import io.drover.hub.customers.CustomerClaims;
import io.drover.hub.customers.CustomerGrants;
import io.drover.hub.customers.CustomersApi;
import io.drover.hub.customers.ProductClientsApi;
import io.drover.hub.demo.DemoFleet;
import io.drover.hub.devices.DeviceDirectory;
import io.drover.hub.devices.DevicesApi;
import io.drover.hub.devices.DeviceCalls;
import io.drover.hub.devices.DeviceProvisioningApi;
import io.drover.hub.devices.DevicesVerticle;
import io.drover.hub.devices.DtlsServerKey;
import io.drover.hub.devices.SecretSealer;
import io.drover.hub.devices.certificates.CertificateIndex;
import io.drover.hub.devices.certificates.CertificateRepository;
import io.drover.hub.devices.certificates.DeviceCas;
import io.drover.hub.devices.certificates.DeviceCertificatesApi;
import io.drover.hub.devices.certificates.ProductDeviceCasApi;
import io.drover.hub.devices.claims.ClaimCodeReports;
import io.drover.hub.devices.claims.ClaimCodes;
import io.drover.hub.devices.claims.DeviceClaimsApi;
import io.drover.hub.devices.claims.PersonClaims;
import io.drover.hub.events.EventHistoryApi;
import io.drover.hub.events.EventMetrics;
import io.drover.hub.events.EventStreamApi;
import io.drover.hub.events.StreamTickets;
import io.drover.hub.events.EventsVerticle;
import io.drover.hub.events.LiveEventCodec;
import io.drover.hub.events.LiveEventsCodec;
import io.drover.hub.events.LiveFeed;
import io.drover.hub.firmware.DeviceFlashApi;
import io.drover.hub.firmware.FirmwareApi;
import io.drover.hub.firmware.FirmwareIndexLoader;
import io.drover.hub.firmware.FirmwareRepository;
import io.drover.hub.firmware.FirmwareVerticle;
import io.drover.hub.firmware.TargetingIndex;
import io.drover.hub.http.AccessCheck;
import io.drover.hub.http.ApiVerticle;
import io.drover.hub.http.MetricsToken;
import io.drover.hub.http.OperationsApi;
import io.drover.hub.integrations.IntegrationsApi;
import io.drover.hub.integrations.TargetPolicy;
import io.drover.hub.integrations.delivery.DeliveryMetrics;
import io.drover.hub.integrations.delivery.DeliveryVerticle;
import io.drover.hub.integrations.delivery.IntegrationLogApi;
import io.drover.hub.mail.MailOutbox;
import io.drover.hub.products.ProductAccess;
import io.drover.hub.products.ProductMetrics;
import io.drover.hub.products.ProductRepository;
import io.drover.hub.products.ProductSeries;
import io.drover.hub.products.ProductsApi;
import io.drover.hub.products.TeamApi;
import io.drover.hub.products.TeamRepository;
import io.drover.hub.products.fleet.AutoApproval;
import io.drover.hub.products.fleet.GroupsApi;
import io.drover.hub.products.fleet.ProductDevicesApi;
import io.drover.hub.products.fleet.ProductDeviceCallsApi;
import io.drover.hub.products.fleet.ReportedImport;
import io.drover.hub.quotas.QuotaRepository;
import io.drover.hub.quotas.QuotasApi;
import io.drover.hub.sims.Carrier;
import io.drover.hub.sims.Carriers;
import io.drover.hub.sims.SimBlocks;
import io.drover.hub.sims.SimMeter;
import io.drover.hub.sims.SimsApi;
import io.drover.hub.storage.Database;
import io.drover.hub.tls.DtlsServerCertificate;
import io.drover.hub.tls.NodeCertificate;
import io.drover.hub.tracker.ConfigIndexLoader;
import io.drover.hub.tracker.LocationRecorder;
import io.drover.hub.tracker.LocationsApi;
import io.drover.hub.tracker.TrackerConfigApi;
import io.drover.hub.tracker.TrackerConfigRepository;
import io.drover.hub.tracker.TrackerVerticle;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.system.DiskSpaceMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Deployable;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.drover.hub.billing.AccountLocks;
import io.drover.hub.billing.Billing;
import io.drover.hub.billing.BillingApi;
import io.drover.hub.billing.BillingRepository;
import io.drover.hub.billing.BillingScheduler;
import io.drover.hub.billing.TestGateway;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.security.KeyPair;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running Drover node with the roles its configuration asks for: hub, gateway, or both (the
 * default), alone or in a Hazelcast cluster. Starting blocks the calling thread (the database and its
 * migrations come first); stopping undeploys in the reverse order of the data flow (listeners first,
 * the event writer last) so that every accepted event is written before the database goes away, and
 * only then leaves the cluster.
 */
public final class Node {

  private static final Logger LOG = LoggerFactory.getLogger(Node.class);
  private static final long STEP_TIMEOUT_SECONDS = 60;

  private final NodeConfig config;
  private final Database database;
  private final Vertx vertx;
  private final ClusterView cluster;
  private final Pool pool;
  /** Deployment IDs, last deployed first: the order in which they are undeployed. */
  private final Deque<String> deployments = new ArrayDeque<>();
  private final AtomicBoolean stopped = new AtomicBoolean();
  /** drover_eventloop_delay_seconds; null until the node is started. */
  private EventLoopDelay eventLoopDelay;
  private final Clock billingClock;
  private ApiVerticle api;
  private Gateway gateway;
  private BillingScheduler billing;
  /** The events verticle's own connection for event id reservations; null on a gateway-only node. */
  private Pool reservations;

  private Node(NodeConfig config, Database database, Vertx vertx, ClusterView cluster, Pool pool, Clock billingClock) {
    this.billingClock = billingClock;
    this.config = config;
    this.database = database;
    this.vertx = vertx;
    this.cluster = cluster;
    this.pool = pool;
  }

  public static Node start(NodeConfig config) {
    return start(config, new VertxOptions());
  }

  /** @param vertxOptions Vert.x's own settings; tests lower the event-loop execute time, for one */
  public static Node start(NodeConfig config, VertxOptions vertxOptions) {
    return start(config, vertxOptions, Clock.systemUTC());
  }

  /** @param billingClock billing's time (periods, invoices, retries, card expiry): tests give one they move */
  public static Node start(NodeConfig config, VertxOptions vertxOptions, Clock billingClock) {
    NodeRoles roles = config.roles();
    // a gateway keeps nothing: only a hub has a database
    Database database = roles.hub() ? Database.open(config.database()) : null;
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    // disk_free_bytes{path} and disk_total_bytes{path} of the data directory (the embedded PostgreSQL's too)
    new DiskSpaceMetrics(config.dataDir().toFile()).bindTo(registry);
    VertxOptions options = new VertxOptions(vertxOptions)
        // not Vert.x's net-server metrics: drover_listener_connections counts the same connections, and
        // Vert.x's keep an object per connection (32 bytes of every idle MQTT session) and register a
        // gauge at every connect. Nor its event-bus metrics: they look their counters up in the registry
        // by address for every message sent, received and delivered (a device event is four messages:
        // request, reply and its live publish), which cost the CoAP path a share of its CPU (the CoAP
        // benchmark, docs/benchmarks.md); drover_events_* count the events themselves
        .setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true).setJvmMetricsEnabled(true)
            .addDisabledMetricsCategory(MetricsDomain.NET_SERVER)
            .addDisabledMetricsCategory(MetricsDomain.EVENT_BUS));
    VertxBuilder builder = Vertx.builder().withMetrics(new MicrometerMetricsFactory(registry));
    Vertx vertx;
    ClusterView cluster;
    try {
      if (config.cluster().enabled()) {
        HazelcastCluster.Joined joined = await(HazelcastCluster.join(builder, options, config.cluster(), roles));
        vertx = joined.vertx();
        cluster = joined.view();
        LOG.info("joined the cluster [name: {}, node-id: {}, members: {}]", config.cluster().name(), cluster.nodeId(), cluster.size());
      } else {
        vertx = builder.with(options).build();
        cluster = ClusterView.standalone(UUID.randomUUID().toString(), roles);
      }
    } catch (RuntimeException e) {
      if (database != null) {
        database.close();
      }
      throw e;
    }
    vertx.eventBus().registerCodec(new DeviceEventCodec());
    vertx.eventBus().registerCodec(new LocalDurableEvent.Codec());
    vertx.eventBus().registerCodec(new SessionNoticeCodec());
    vertx.eventBus().registerCodec(new LiveEventCodec());
    vertx.eventBus().registerCodec(new LiveEventsCodec());
    Pool pool = database == null ? null : PgBuilder.pool()
        .with(new PoolOptions().setMaxSize(config.database().poolSize()))
        .connectingTo(database.connectOptions())
        .using(vertx)
        .build();
    Node node = new Node(config, database, vertx, cluster, pool, billingClock);
    node.eventLoopDelay = EventLoopDelay.start(vertx, registry);
    try {
      node.deployRoles(registry);
    } catch (RuntimeException e) {
      node.stop();
      throw e;
    }
    return node;
  }

  /**
   * {@code drover_tls_certificate_expiry_seconds}: when the certificate served on the TLS ports stops
   * being valid (its notAfter, seconds since the epoch), as read at start; the alert on its expiry reads it.
   */
  private static void registerCertificateExpiry(ServerTls tls, PrometheusMeterRegistry registry) {
    if (tls == null) {
      return;
    }
    try {
      X509Certificate served = (X509Certificate) CertificateFactory.getInstance("X.509")
          .generateCertificate(new ByteArrayInputStream(tls.certificateChain().getBytes()));
      long notAfter = served.getNotAfter().toInstant().getEpochSecond();
      Gauge.builder("drover.tls.certificate.expiry", () -> notAfter)
          .description("When the certificate served on the TLS ports expires, in seconds since the epoch")
          .baseUnit("seconds")
          .register(registry);
    } catch (CertificateException e) {
      LOG.warn("the served certificate's expiry is not measured [cause: {}]", e.getMessage());
    }
  }

  private void deployRoles(PrometheusMeterRegistry registry) {
    NodeRoles roles = config.roles();
    SessionOwnership ownership = await(SessionOwnership.open(vertx, cluster.nodeId()));
    HealthChecks health = HealthChecks.create(vertx).register("cluster", promise -> promise.complete(Status.OK(new JsonObject()
        .put("node_id", cluster.nodeId())
        .put("roles", roles.toString())
        .put("members", cluster.size())
        .put("leader", cluster.leads()))));
    ClusterMetrics.register(registry, cluster);

    // blocks (files, and key generation on the first start): before any listener, on this thread
    ServerTls tls = NodeCertificate.loadAtStart(config.tls(), config.dataDir());
    registerCertificateExpiry(tls, registry);
    MetricsToken metricsToken = MetricsToken.loadAtStart(config.metrics());
    Map<String, String> demoDevices = Map.of();
    DeviceDirectory directory = null;
    ProductSeries productSeries = null;
    if (roles.hub()) {
      TokenService tokens = TokenService.createAtStart(vertx, pool, config.accounts().refreshTokenLifetime());
      // billing: the plans SQL holds the fleets to, and the accounts locked after failed payments
      BillingRepository billingRepository = new BillingRepository(pool);
      await(billingRepository.syncPlans(config.billing().plans().values()));
      AccountLocks accountLocks = AccountLocks.loadAtStart(billingRepository, vertx.eventBus());
      AccessCheck access = new AccessCheck(AdminTokens.loadAtStart(pool, config.dataDir()), tokens, accountLocks);
      directory = DeviceDirectory.loadAtStart(pool, vertx.eventBus());
      ProductAccess productAccess = new ProductAccess(pool, accountLocks);
      SecretSealer sealer = SecretSealer.loadAtStart(config.masterKeyFile());
      sealer.checkSharedAtStart(pool, config.masterKeyFile());
      // X.509 device identities: the node's device CA (made on the first start), the operator's, the products'
      DeviceCas deviceCas = DeviceCas.loadAtStart(config.dataDir().resolve(NodeCertificate.DIRECTORY), config.deviceCaFile());
      CertificateIndex certificates = CertificateIndex.loadAtStart(pool, vertx.eventBus(), deviceCas);
      CertificateRepository certificateRepository = new CertificateRepository(pool);
      EventMetrics eventMetrics = new EventMetrics(registry);
      productSeries = new ProductSeries(registry, config.metrics().productLabels(), roles.gateway());
      health.register("database", 2000, promise ->
          pool.query("SELECT 1").execute().onComplete(result -> promise.complete(result.succeeded()
              ? Status.OK()
              : Status.KO(new JsonObject().put("cause", result.cause().getMessage())))));
      demoDevices = config.demoDevices() > 0 && roles.gateway() ? DemoFleet.registerAtStart(pool, config.demoDevices()) : Map.of();

      // The hub: events first, since everything else publishes into it.
      // event ids are reserved over a connection of their own, never behind the writer's INSERTs (EventIds)
      reservations = PgBuilder.pool().with(new PoolOptions().setMaxSize(1)).connectingTo(database.connectOptions()).using(vertx).build();
      // integrations: where they may send, one rule for the API and the delivery engine; it reads this machine's
      // interface addresses, so here on the launcher thread
      TargetPolicy integrationTargets = TargetPolicy.loadAtStart(config.integrations().allowPrivateTargets());
      // integrations: the webhook delivery engine before the events, so that it is stopped after the writer has drained into it
      DeliveryVerticle integrations = new DeliveryVerticle(pool, sealer, config.delivery(), integrationTargets, new DeliveryMetrics(registry),
          cluster, new DeviceCommands(vertx.eventBus(), ownership));
      deploy(integrations);
      deploy(new EventsVerticle(pool, reservations, config.events(), config.quotas(), eventMetrics, productSeries, directory, cluster, integrations.outbox(),
          database::jdbcConnection));
      // SIMs: devices whose SIM is not active are refused at connect, from memory
      SimBlocks simBlocks = SimBlocks.loadAtStart(pool, vertx.eventBus());
      deploy(new DevicesVerticle(pool, sealer, directory, certificates, cluster, config.connectivityFlushInterval(), simBlocks));
      // claiming: the claim codes devices report, handed over by the events verticle
      ClaimCodes claimCodes = new ClaimCodes(pool);
      PersonClaims personClaims = new PersonClaims(pool);
      CustomerClaims customerClaims = new CustomerClaims(pool);
      deploy(new ClaimCodeReports(claimCodes, personClaims, customerClaims, new ReportedImport(pool, vertx.eventBus()), directory));
      DeviceDirectory devices = directory;
      DeviceCommands commands = new DeviceCommands(vertx.eventBus(), ownership);
      // SIM metering: the gateways' wire bytes into each SIM's daily usage, and the data limits;
      // the carrier SIM actions go through (sims.carrier), made once for the API's verticles and the meter
      Carrier simCarrier = Carriers.named(config.simCarrier());
      deploy(new SimMeter(pool, commands, simCarrier, registry));
      TargetingIndex firmwareTargets = FirmwareIndexLoader.loadAtStart(pool);
      FirmwareIndexLoader firmwareLoader = new FirmwareIndexLoader(pool, firmwareTargets);
      FirmwareRepository firmware = new FirmwareRepository(pool);
      deploy(new FirmwareVerticle(firmwareTargets, firmwareLoader, firmware, new AutoApproval(pool, vertx.eventBus(), registry), commands, registry));
      // Asset Tracker: settings and the index of each device's effective checksum
      ConfigIndexLoader trackerConfig = new ConfigIndexLoader(pool, ConfigIndexLoader.loadAtStart(pool));
      deploy(new TrackerVerticle(trackerConfig, pool, registry));
      deploy(new LocationRecorder(pool, trackerConfig.index()));
      AttemptLimits attempts = new AttemptLimits(pool, config.accounts().maxBackoff());
      PasswordGuard passwords = new PasswordGuard(
          new PasswordHashing(vertx, config.accounts().passwordHashThreads(), config.accounts().passwordHashQueue()),
          attempts, config.accounts(), registry);
      deploy(new AttemptPruner(attempts, cluster));
      CustomerAccounts customers = new CustomerAccounts(passwords, pool, tokens);
      PersonLogIn personLogIn = new PersonLogIn(passwords, pool, tokens);
      StreamTickets streamTickets = new StreamTickets(pool, access);
      IntegrationsApi.prepareAtStart();
      TestGateway paymentGateway = new TestGateway(pool, access, billingClock);
      Billing billingRules = new Billing(billingRepository, config.billing(), paymentGateway, accountLocks, vertx.eventBus(),
          config.mail().smtp() ? MailOutbox.create(vertx, config.mail()) : null);
      billing = new BillingScheduler(billingRules, cluster, billingClock, registry);
      deploy(billing);
      // the event streams' live feed and per-account limits: the node's, shared by the API instances
      LiveFeed liveFeed = new LiveFeed(config.events(), devices);
      deploy(liveFeed);
      api = new ApiVerticle(config.http(), tls, registry, v -> List.of(
          new OperationsApi(health, registry, metricsToken),
          new AccountsApi(passwords, new AccountRepository(pool), access, config.accounts().openSignup()),
          new PasswordChangeApi(passwords, pool, access),
          new OAuthApi(personLogIn, pool, tokens, access, new CustomerGrants(pool, customers)),
          new ConsoleSessionApi(personLogIn, tokens, config.accounts().consoleSessionLifetime()),
          new DeviceProvisioningApi(v.eventBus(), access, deviceCas),
          // the streams before the device routes, whose /v1/devices/:id/:variable would take their paths
          streamTickets,
          new EventStreamApi(v, pool, access, streamTickets, devices, productAccess, config.events(), eventMetrics, liveFeed),
          new EventHistoryApi(pool, access, devices, productAccess),
          // event quotas: per account and product, and who lost events
          new QuotasApi(v.eventBus(), access, productAccess, new QuotaRepository(pool), config.quotas()),
          // integrations: a delivery log, counts and dead letters (the engine answers over the bus)
          new IntegrationLogApi(pool, v.eventBus(), access, productAccess),
          // before the device routes too: /v1/devices/:id/certificates is not a function or a variable
          new DeviceCertificatesApi(access, certificateRepository, certificates, deviceCas, commands),
          new DeviceClaimsApi(pool, access, productAccess, claimCodes),
          // before the device routes: a multipart PUT /v1/devices/:id (and a product's) is a cloud flash
          new DeviceFlashApi(v, access, productAccess, firmware, commands, config.dataDir().resolve("uploads")),
          new DevicesApi(pool, v.eventBus(), access, devices, commands, config.deviceCallTimeout(), personClaims, customerClaims,
              firmwareTargets),
          new ProductsApi(v.eventBus(), access, productAccess, new ProductRepository(pool)),
          new TeamApi(access, productAccess, new TeamRepository(pool), tokens),
          new ProductDeviceCasApi(access, productAccess, certificateRepository, certificates),
          // before the product device routes: its PUT .../devices/:id takes the firmware fields and passes the rest on
          new FirmwareApi(v, access, productAccess, firmware, firmwareTargets, firmwareLoader, config.dataDir().resolve("uploads"), commands),
          new ProductDevicesApi(v, pool, access, productAccess, devices, config.dataDir().resolve("uploads"), firmwareTargets),
          // after every other product device route: its .../devices/:id/:variable would take their paths
          new ProductDeviceCallsApi(pool, access, productAccess, new DeviceCalls(commands, config.deviceCallTimeout())),
          new GroupsApi(pool, v.eventBus(), access, productAccess),
          // SIMs: the cards, their actions and data usage
          new SimsApi(v, pool, access, productAccess, commands, simCarrier, config.dataDir().resolve("uploads")),
          // integrations (webhooks); the delivery engine reads what this stores
          new IntegrationsApi(v, pool, access, productAccess, sealer, integrationTargets, config.integrations()),
          // customers: product clients, customers, activation codes, Login with Drover's consent
          new ProductClientsApi(pool, access, productAccess),
          new CustomersApi(pool, access, productAccess, customers, devices),
          new ActivationCodesApi(pool, access, productAccess, config.maxUnusedActivationCodes()),
          new ConsentApi(pool, access, tokens, customers),
          // email verification: Login with Drover links a customer by a verified email only
          new EmailVerificationApi(pool, access, MailOutbox.create(v, config.mail()), config.mail()),
          new TrackerConfigApi(v.eventBus(), access, productAccess, new TrackerConfigRepository(pool), trackerConfig, commands, pool),
          new LocationsApi(pool, access, productAccess),
          // billing, and the built-in payment gateway's tokenising endpoint
          new BillingApi(access, productAccess, billingRules, billingClock),
          paymentGateway,
          new ConsoleRoutes(v, config.mapTiles())));
    } else {
      // a gateway node still answers /health and /metrics, for its load balancer and Prometheus
      api = new ApiVerticle(config.http(), tls, registry, v -> List.of(new OperationsApi(health, registry, metricsToken)));
    }
    deploy(api);

    if (roles.gateway()) {
      // The gateway: it speaks to the hub only over the event bus.
      // the DTLS key is the node's own (devices may pin it); its certificate, for devices with X.509
      // certificates, is issued at every start under the node's TLS CA (its device CA with an operator's certificate)
      KeyPair dtlsKey = DtlsServerKey.loadAtStart(config.dataDir().resolve(DtlsServerKey.FILE_NAME));
      gateway = new Gateway(config.gateway(), ownership, registry, new DtlsServerIdentity(dtlsKey, DtlsServerCertificate.issueAtStart(config.tls(),
          config.dataDir(), dtlsKey.getPublic(), () -> DeviceCas.nodeCa(config.dataDir().resolve(NodeCertificate.DIRECTORY)))), tls);
      deploy(gateway);
      if (!demoDevices.isEmpty()) {
        boolean plain = config.gateway().mqtt().plainEnabled();
        deploy(DemoFleet.of(demoDevices, pool, directory, config.gateway().mqtt().host(), plain ? mqttPort() : mqttTlsPort(), plain ? null : tls));
      }
    }
    if (roles.hub()) {
      // after the gateway: on a node with both roles it counts this node's sessions by product
      DeviceSessions liveSessions = gateway == null ? null : gateway.sessions();
      deploy(new ProductMetrics(productSeries, pool, directory, liveSessions));
    }
    LOG.info("node started [roles: {}, node-id: {}, http-port: {}, https-port: {}, mqtt-port: {}, mqtts-port: {}, coaps-port: {}, data-dir: {}]",
        roles, cluster.nodeId(), portOrOff(httpPort()), httpsPort(), gateway == null ? "-" : portOrOff(mqttPort()), gateway == null ? "-" : mqttTlsPort(),
        gateway == null ? "-" : coapPort(), config.dataDir());
    warnOfPlainPorts();
    if (roles.hub() && pool.query("SELECT 1 FROM users WHERE is_admin LIMIT 1").execute().await().size() == 0) {
      String base = config.http().plainEnabled() ? "http://127.0.0.1:" + httpPort() : "https://127.0.0.1:" + httpsPort();
      LOG.warn("no administrator yet: signing up never makes one. Make the first with the bootstrap admin token: "
          + "curl -H \"Authorization: Bearer $(cat {})\" -d username=you@example.com -d password=... -d admin=true {}/v1/admin/users "
          + "(or stop the node and run: drover admin create --username you@example.com)", adminTokenFile(), base);
    }
  }

  /** Plain ports stay on by default for now (existing devices and scripts use them): say what they cost. */
  private void warnOfPlainPorts() {
    if (gateway != null && mqttPort() >= 0) {
      LOG.warn("plain MQTT is on [port: {}]: a device's secret crosses the network in clear text in its CONNECT. Connect devices to "
          + "MQTT over TLS [port: {}] and turn plain MQTT off with --mqtt.plain-enabled=false (DROVER_MQTT_PLAIN_ENABLED=false)",
          mqttPort(), mqttTlsPort());
    }
    if (httpPort() >= 0) {
      LOG.warn("plain HTTP is on [port: {}]: passwords and access tokens cross the network in clear text. Use HTTPS [port: {}] and "
          + "turn plain HTTP off with --http.plain-enabled=false (DROVER_HTTP_PLAIN_ENABLED=false)", httpPort(), httpsPort());
    }
  }

  private static Object portOrOff(int port) {
    return port < 0 ? "off" : port;
  }

  private void deploy(Deployable verticle) {
    deployments.push(await(vertx.deployVerticle(verticle)));
  }

  /**
   * Stops the node: listeners close (device sessions end and are recorded offline), queued events are
   * written, then the pool, Vert.x and the embedded database close. Safe to call more than once; the
   * shutdown hook calls it on SIGTERM.
   */
  public void stop() {
    if (!stopped.compareAndSet(false, true)) {
      return;
    }
    LOG.info("node stopping");
    if (eventLoopDelay != null) {
      eventLoopDelay.close();
    }
    while (!deployments.isEmpty()) {
      String id = deployments.pop();
      try {
        await(vertx.undeploy(id));
      } catch (RuntimeException e) {
        LOG.warn("undeploy failed [deployment: {}, cause: {}]", id, e.getMessage());
      }
    }
    try {
      if (pool != null) {
        await(pool.close());
      }
      if (reservations != null) {
        await(reservations.close());
      }
      // leaves the cluster last: until now this node's sessions and queued events were still its own
      await(vertx.close());
    } catch (RuntimeException e) {
      LOG.warn("shutdown step failed [cause: {}]", e.getMessage());
    }
    if (database != null) {
      database.close();
    }
    LOG.info("node stopped");
  }

  /** Every HTTP route this node serves ({@link ApiVerticle#routes()}). */
  public List<String> httpRoutes() {
    return api.routes();
  }

  /** The plain HTTP port, -1 when {@code http.plain-enabled} is false. */
  public int httpPort() {
    return api.actualPort();
  }

  public int httpsPort() {
    return api.actualTlsPort();
  }

  /** The plain MQTT port, -1 when {@code mqtt.plain-enabled} is false. */
  public int mqttPort() {
    return gateway.mqttPort();
  }

  public int mqttTlsPort() {
    return gateway.mqttTlsPort();
  }

  /** The CA of the node's own certificate, which clients are told to trust; absent when the operator gave one. */
  public Path certificateAuthorityFile() {
    return config.dataDir().resolve(NodeCertificate.DIRECTORY).resolve("ca.pem");
  }

  public int coapPort() {
    return gateway.coapPort();
  }

  public Path adminTokenFile() {
    return config.dataDir().resolve(AdminTokens.FILE_NAME);
  }

  /** The node's event bus, for embedding the node and for tests that speak the bus contract directly. */
  public io.vertx.core.eventbus.EventBus eventBus() {
    return vertx.eventBus();
  }

  /** The billing scheduler (hub nodes only): tests move its clock and call {@link BillingScheduler#tick()}. */
  public BillingScheduler billing() {
    return billing;
  }

  /** This node's view of its cluster (a cluster of one when not clustered). */
  public ClusterView cluster() {
    return cluster;
  }

  public Database database() {
    return database;
  }

  private static <T> T await(Future<T> future) {
    try {
      return future.await(STEP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("a start or stop step took longer than " + STEP_TIMEOUT_SECONDS + " s", e);
    }
  }
}
