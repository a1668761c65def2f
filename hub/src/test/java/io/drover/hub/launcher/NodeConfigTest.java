package io.drover.hub.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.quotas.Quota;
import io.drover.hub.storage.Durability;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeConfigTest {

  @Test
  void defaultsRunAllRolesOnTheStandardPortsWithTheEmbeddedDatabase() {
    NodeConfig config = NodeConfig.from(List.of(), Map.of());

    assertEquals(8080, config.http().port());
    assertEquals(1883, config.gateway().mqtt().port());
    assertTrue(config.database().embedded());
    assertNull(config.database().url());
    assertEquals(Path.of("drover-data").toAbsolutePath(), config.dataDir());
  }

  @Test
  void integrationsRefusePrivateTargetsAndHoldAHundredPerOwnerByDefault() {
    NodeConfig defaults = NodeConfig.from(List.of(), Map.of());
    assertEquals(new io.drover.hub.integrations.IntegrationSettings(false, 100), defaults.integrations());

    NodeConfig set = NodeConfig.from(List.of("--integrations.allow-private-targets=true"), Map.of("DROVER_INTEGRATIONS_MAX_PER_OWNER", "5"));
    assertEquals(new io.drover.hub.integrations.IntegrationSettings(true, 5), set.integrations());
    ConfigException none = assertThrows(ConfigException.class, () -> NodeConfig.from(List.of("--integrations.max-per-owner=0"), Map.of()));
    assertTrue(none.getMessage().startsWith("integrations.max-per-owner must be a whole number from 1 to 100000"), none.getMessage());
    assertThrows(ConfigException.class, () -> NodeConfig.from(List.of("--integrations.allow-private-targets=yes"), Map.of()));
  }

  @Test
  void tlsPortsAreOnByDefaultBesideThePlainOnesWithTheNodesOwnCertificate() {
    NodeConfig config = NodeConfig.from(List.of(), Map.of());

    assertEquals(8883, config.gateway().mqtt().tlsPort());
    assertTrue(config.gateway().mqtt().plainEnabled());
    assertEquals(8443, config.http().tlsPort());
    assertTrue(config.http().plainEnabled());
    assertEquals(Duration.ofDays(365), config.http().hstsMaxAge());
    assertFalse(config.tls().operatorCertificate());
  }

  @Test
  void httpConnectionsAreBoundedInTimeAndNumberAndTheIdleTimeoutOutlastsStreamKeepAlives() {
    NodeConfig defaults = NodeConfig.from(List.of(), Map.of());
    assertEquals(Duration.ofSeconds(60), defaults.http().idleTimeout());
    assertEquals(Duration.ofSeconds(30), defaults.http().requestTimeout());
    assertEquals(500, defaults.http().maxConnections());
    assertTrue(defaults.http().idleTimeout().compareTo(defaults.events().streamKeepAlive()) > 0);

    NodeConfig shorter = NodeConfig.from(List.of("--http.idle-timeout-seconds=5", "--events.stream-keepalive-seconds=2"), Map.of());
    assertEquals(Duration.ofSeconds(5), shorter.http().idleTimeout());

    String refused = assertThrows(ConfigException.class,
        () -> NodeConfig.from(List.of("--http.idle-timeout-seconds=10"), Map.of("DROVER_EVENTS_STREAM_KEEPALIVE_SECONDS", "10"))).getMessage();
    assertTrue(refused.startsWith("http.idle-timeout-seconds (10, flag --http.idle-timeout-seconds) must be longer than "
        + "events.stream-keepalive-seconds (10, environment variable DROVER_EVENTS_STREAM_KEEPALIVE_SECONDS)"), refused);
    assertTrue(assertThrows(ConfigException.class, () -> NodeConfig.from(List.of("--http.max-connections=0"), Map.of()))
        .getMessage().startsWith("http.max-connections must be a whole number from 1 to"));
  }

  @Test
  void refreshTokensLastNinetyDaysUnlessConfiguredOtherwise() {
    assertEquals(Duration.ofDays(90), NodeConfig.from(List.of(), Map.of()).accounts().refreshTokenLifetime());
    assertEquals(Duration.ofDays(7),
        NodeConfig.from(List.of(), Map.of("DROVER_ACCOUNTS_REFRESH_TOKEN_LIFETIME_DAYS", "7")).accounts().refreshTokenLifetime());
    assertTrue(assertThrows(ConfigException.class, () -> NodeConfig.from(List.of("--accounts.refresh-token-lifetime-days=0"), Map.of()))
        .getMessage().startsWith("accounts.refresh-token-lifetime-days must be a whole number from 1 to 3650"));
  }

  @Test
  void signInLimitsHaveTheDefaultsApiMdStates() {
    io.drover.hub.auth.AccountSettings accounts = NodeConfig.from(List.of(), Map.of()).accounts();

    assertEquals(5, accounts.loginFailuresPerAccount());
    assertEquals(20, accounts.loginFailuresPerAddress());
    assertEquals(30, accounts.signupsPerAddress());
    assertEquals(Duration.ofMinutes(15), accounts.maxBackoff());
    assertEquals(0, accounts.passwordHashThreads());
    assertEquals(32, accounts.passwordHashQueue());
    assertTrue(accounts.openSignup());
  }

  @Test
  void metricsNeedTheNodesOwnTokenByDefaultOrTheOperatorsFile(@TempDir Path dir) throws Exception {
    NodeConfig defaults = NodeConfig.from(List.of("--data-dir=" + dir), Map.of());
    assertTrue(defaults.metrics().tokenRequired());
    assertEquals(dir.resolve("metrics-token"), defaults.metrics().tokenFile());
    assertFalse(defaults.metrics().givenByOperator());

    Path file = Files.writeString(dir.resolve("prometheus.token"), "x".repeat(32));
    NodeConfig given = NodeConfig.from(List.of(), Map.of("DROVER_METRICS_TOKEN_FILE", file.toString()));
    assertEquals(file, given.metrics().tokenFile());
    assertTrue(given.metrics().givenByOperator());
    assertFalse(NodeConfig.from(List.of("--metrics.auth=none"), Map.of()).metrics().tokenRequired());

    assertTrue(assertThrows(ConfigException.class, () -> NodeConfig.from(List.of("--metrics.token-file=" + dir.resolve("absent")), Map.of()))
        .getMessage().startsWith("metrics.token-file must name a readable file"));
    assertTrue(assertThrows(ConfigException.class, () -> NodeConfig.from(List.of("--metrics.auth=open"), Map.of()))
        .getMessage().startsWith("metrics.auth must be one of token, none"));
  }

  @Test
  void plainPortsCanBeTurnedOff() {
    NodeConfig config = NodeConfig.from(List.of("--mqtt.plain-enabled=false"), Map.of("DROVER_HTTP_PLAIN_ENABLED", "false"));

    assertFalse(config.gateway().mqtt().plainEnabled());
    assertFalse(config.http().plainEnabled());
  }

  @Test
  void anOperatorsCertificateNeedsBothFilesAndThemReadable(@TempDir Path dir) throws Exception {
    Path cert = Files.writeString(dir.resolve("cert.pem"), "x");
    Path key = Files.writeString(dir.resolve("key.pem"), "x");

    assertEquals("tls.cert-file and tls.key-file go together, but tls.key-file is empty",
        assertThrows(ConfigException.class, () -> NodeConfig.from(List.of("--tls.cert-file=" + cert), Map.of())).getMessage());
    assertTrue(assertThrows(ConfigException.class, () -> NodeConfig.from(
            List.of("--tls.cert-file=" + cert, "--tls.key-file=" + dir.resolve("absent.pem")), Map.of()))
        .getMessage().startsWith("tls.key-file must name a readable file"));

    NodeConfig config = NodeConfig.from(List.of("--tls.cert-file=" + cert, "--tls.key-file=" + key), Map.of());
    assertTrue(config.tls().operatorCertificate());
    assertEquals(key, config.tls().keyFile());
  }

  @Test
  void anOperatorsDeviceCaFileIsOptionalAndMustBeReadable(@TempDir Path dir) throws Exception {
    Path cas = Files.writeString(dir.resolve("device-cas.pem"), "x");

    assertNull(NodeConfig.from(List.of(), Map.of()).deviceCaFile());
    assertEquals(cas, NodeConfig.from(List.of(), Map.of("DROVER_DEVICES_CA_FILE", cas.toString())).deviceCaFile());
    assertTrue(assertThrows(ConfigException.class, () -> NodeConfig.from(List.of("--devices.ca-file=" + dir.resolve("absent.pem")), Map.of()))
        .getMessage().startsWith("devices.ca-file must name a readable file"));
  }

  @Test
  void flagsWinOverTheEnvironmentWhichWinsOverTheFile(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("drover.json");
    Files.writeString(file, """
        {"http": {"port": 1000}, "mqtt.port": 2000, "events": {"batch-size": 7}}""");

    NodeConfig config = NodeConfig.from(
        List.of("--config", file.toString(), "--http.port=3000"),
        Map.of("DROVER_HTTP_PORT", "4000", "DROVER_MQTT_PORT", "5000"));

    assertEquals(3000, config.http().port());
    assertEquals(5000, config.gateway().mqtt().port());
    assertEquals(7, config.events().batchSize());
  }

  @Test
  void externalDatabaseUrlSwitchesOffTheEmbeddedOne() {
    NodeConfig config = NodeConfig.from(List.of("--database.url", "postgresql://drover:pw@db.example:5432/drover"), Map.of());

    assertEquals("postgresql://drover:pw@db.example:5432/drover", config.database().url());
    assertTrue(!config.database().embedded());
  }

  @Test
  void productLabelsDefaultToTwoHundredZeroTurnsThemOffAndABadValueIsRefusedAtStart() {
    assertEquals(200, NodeConfig.from(List.of(), Map.of()).metrics().productLabels());
    assertEquals(0, NodeConfig.from(List.of("--metrics.product-labels=0"), Map.of()).metrics().productLabels());
    assertEquals(5, NodeConfig.from(List.of(), Map.of("DROVER_METRICS_PRODUCT_LABELS", "5")).metrics().productLabels());

    assertEquals("metrics.product-labels must be a whole number from 0 to 10000, but flag --metrics.product-labels gives '-1'",
        assertThrows(ConfigException.class, () -> NodeConfig.from(List.of("--metrics.product-labels=-1"), Map.of())).getMessage());
    assertEquals("metrics.product-labels must be a whole number from 0 to 10000, but environment variable DROVER_METRICS_PRODUCT_LABELS "
            + "gives 'all'",
        assertThrows(ConfigException.class, () -> NodeConfig.from(List.of(), Map.of("DROVER_METRICS_PRODUCT_LABELS", "all"))).getMessage());
    assertTrue(assertThrows(ConfigException.class, () -> NodeConfig.from(List.of("--metrics.product-labels=10001"), Map.of()))
        .getMessage().startsWith("metrics.product-labels must be a whole number from 0 to 10000"));
  }

  @Test
  void badNumberIsReportedWithItsKeyValueAndSource() {
    ConfigException flag = assertThrows(ConfigException.class, () -> NodeConfig.from(List.of("--http.port=eighty"), Map.of()));
    assertEquals("http.port must be a whole number from 0 to 65535, but flag --http.port gives 'eighty'", flag.getMessage());

    ConfigException env = assertThrows(ConfigException.class, () -> NodeConfig.from(List.of(), Map.of("DROVER_MQTT_PORT", "70000")));
    assertTrue(env.getMessage().contains("environment variable DROVER_MQTT_PORT"), env.getMessage());
  }

  @Test
  void unknownOptionsAndMalformedInputAreRefused(@TempDir Path dir) throws Exception {
    assertEquals("unknown option --htp.port (see --help)",
        assertThrows(ConfigException.class, () -> NodeConfig.from(List.of("--htp.port=1"), Map.of())).getMessage());
    assertEquals("option --http.port needs a value",
        assertThrows(ConfigException.class, () -> NodeConfig.from(List.of("--http.port"), Map.of())).getMessage());
    assertTrue(assertThrows(ConfigException.class, () -> NodeConfig.from(List.of("--database.url=mysql://x/y"), Map.of()))
        .getMessage().startsWith("database.url must look like postgresql://"));

    Path file = dir.resolve("bad.json");
    Files.writeString(file, "{\"http\": {\"prot\": 1}}");
    assertTrue(assertThrows(ConfigException.class, () -> NodeConfig.from(List.of("--config=" + file), Map.of()))
        .getMessage().startsWith("unknown key 'http.prot' in config file"));
    Files.writeString(file, "{not json");
    assertTrue(assertThrows(ConfigException.class, () -> NodeConfig.from(List.of("--config=" + file), Map.of()))
        .getMessage().contains("is not a JSON object"));
  }

  @Test
  void coapDefaultsAreSizedForAFleetWithPlainCoapOffAndBadValuesAreNamed() {
    NodeConfig defaults = NodeConfig.from(List.of("--data-dir=/tmp/drover-x"), Map.of());

    assertEquals(5684, defaults.gateway().coap().securePort());
    assertFalse(defaults.gateway().coap().plainEnabled());
    assertTrue(defaults.gateway().coap().maxConnections() >= 200_000);
    assertTrue(defaults.gateway().coap().maxActivePeers() >= 200_000);
    assertEquals(java.nio.file.Path.of("/tmp/drover-x/master-key"), defaults.masterKeyFile());
    assertTrue(NodeConfig.from(List.of(), Map.of("DROVER_COAP_PLAIN_ENABLED", "true")).gateway().coap().plainEnabled());
    assertEquals("coap.plain-enabled must be one of true, false, but flag --coap.plain-enabled gives 'yes'",
        assertThrows(ConfigException.class, () -> NodeConfig.from(List.of("--coap.plain-enabled=yes"), Map.of())).getMessage());
    assertTrue(assertThrows(ConfigException.class, () -> NodeConfig.from(List.of("--coap.idle-timeout-seconds=0"), Map.of()))
        .getMessage().startsWith("coap.idle-timeout-seconds must be a whole number from 1"));
  }

  @Test
  void coapExecutorsAndCaliforniumThreadsAreReadWithZeroMeaningTheDefault() {
    io.drover.coap.CoapThreads defaults = NodeConfig.from(List.of(), Map.of()).gateway().coap().threads();
    assertEquals(new io.drover.coap.CoapThreads(1, 0, 0, 2), defaults);

    io.drover.coap.CoapThreads set = NodeConfig.from(List.of("--coap.executors=0", "--coap.dtls-connector-threads=1",
        "--coap.protocol-stage-threads=1"), Map.of("DROVER_COAP_DTLS_RECEIVER_THREADS", "2")).gateway().coap().threads();
    assertEquals(new io.drover.coap.CoapThreads(0, 2, 1, 1), set);
    assertEquals(Runtime.getRuntime().availableProcessors(), set.effectiveSessionExecutors());
    assertTrue(assertThrows(ConfigException.class, () -> NodeConfig.from(List.of("--coap.executors=-1"), Map.of()))
        .getMessage().startsWith("coap.executors must be a whole number from 0"));
  }

  @Test
  void eventsAreDurableByDefaultAndRelaxedReachesTheDatabaseAndTheWriter() {
    NodeConfig defaults = NodeConfig.from(List.of(), Map.of());
    assertEquals(Durability.DURABLE, defaults.database().durability());
    assertEquals(Durability.DURABLE, defaults.events().durability());

    NodeConfig relaxed = NodeConfig.from(List.of(), Map.of("DROVER_EVENTS_DURABILITY", "relaxed"));
    assertEquals(Durability.RELAXED, relaxed.database().durability());
    assertEquals(Durability.RELAXED, relaxed.events().durability());
    assertEquals("events.durability must be one of durable, relaxed, but flag --events.durability gives 'fast'",
        assertThrows(ConfigException.class, () -> NodeConfig.from(List.of("--events.durability=fast"), Map.of())).getMessage());
  }

  @Test
  void aClusterWithoutCertificatesRefusesToStartAndNamesTheCommand() {
    ConfigException refused = assertThrows(ConfigException.class,
        () -> NodeConfig.from(List.of("--cluster.enabled=true"), Map.of()));

    assertTrue(refused.getMessage().contains("drover cluster-ca --out DIR --nodes"), refused.getMessage());
    assertTrue(refused.getMessage().contains("cluster.insecure=true"), refused.getMessage());
  }

  @Test
  void anInsecureClusterMustSayItAndCannotAlsoNameCertificates(@TempDir Path dir) throws Exception {
    NodeConfig insecure = NodeConfig.from(List.of("--cluster.enabled=true", "--cluster.insecure=true"), Map.of());
    assertNull(insecure.cluster().tls());

    Path cert = Files.writeString(dir.resolve("a.crt"), "x");
    ConfigException both = assertThrows(ConfigException.class, () -> NodeConfig.from(List.of("--cluster.enabled=true",
        "--cluster.insecure=true", "--cluster.tls-cert-file=" + cert, "--cluster.tls-key-file=" + cert, "--cluster.tls-ca-file=" + cert), Map.of()));
    assertTrue(both.getMessage().contains("choose one"), both.getMessage());
  }

  @Test
  void clusterCertificatesComeAsThreeReadableFiles(@TempDir Path dir) throws Exception {
    Path cert = Files.writeString(dir.resolve("a.crt"), "x");
    Path key = Files.writeString(dir.resolve("a.key"), "x");
    Path ca = Files.writeString(dir.resolve("ca.crt"), "x");

    NodeConfig config = NodeConfig.from(List.of("--cluster.enabled=true",
        "--cluster.tls-cert-file=" + cert, "--cluster.tls-key-file=" + key, "--cluster.tls-ca-file=" + ca), Map.of());
    assertEquals(cert, config.cluster().tls().certificate());
    assertEquals(key, config.cluster().tls().key());
    assertEquals(ca, config.cluster().tls().ca());

    ConfigException partial = assertThrows(ConfigException.class, () -> NodeConfig.from(List.of("--cluster.enabled=true",
        "--cluster.tls-cert-file=" + cert), Map.of()));
    assertTrue(partial.getMessage().startsWith("cluster.tls-key-file and cluster.tls-ca-file must be set too"), partial.getMessage());

    ConfigException missing = assertThrows(ConfigException.class, () -> NodeConfig.from(List.of("--cluster.enabled=true",
        "--cluster.tls-cert-file=" + cert, "--cluster.tls-key-file=" + key, "--cluster.tls-ca-file=" + dir.resolve("none.crt")), Map.of()));
    assertTrue(missing.getMessage().startsWith("cluster.tls-ca-file names a file that cannot be read"), missing.getMessage());
  }

  @Test
  void quotasDefaultAboveWhatANodeWritesWithNoDailyLimitAndAreReadFromFlagsAndEnvironment() {
    NodeConfig defaults = NodeConfig.from(List.of(), Map.of());
    assertEquals(new Quota(50_000, 100_000, 0), defaults.quotas().account());
    assertEquals(new Quota(50_000, 100_000, 0), defaults.quotas().product());
    assertEquals(Duration.ofSeconds(5), defaults.quotas().flushInterval());

    NodeConfig set = NodeConfig.from(List.of("--quotas.account-events-per-second=10", "--quotas.product-events-per-day=1000000"),
        Map.of("DROVER_QUOTAS_ACCOUNT_EVENTS_BURST", "4"));
    assertEquals(new Quota(10, 10, 0), set.quotas().account(), "a burst below the rate is one second's worth");
    assertEquals(1_000_000, set.quotas().product().perDay());

    ConfigException negative = assertThrows(ConfigException.class,
        () -> NodeConfig.from(List.of("--quotas.account-events-per-day=-1"), Map.of()));
    assertTrue(negative.getMessage().startsWith("quotas.account-events-per-day must be a whole number from 0 to 1000000000000"),
        negative.getMessage());
  }

  @Test
  void deviceQuotaOverloadRetryAndOutboundStallHaveDefaultsAndAreRead() {
    NodeConfig defaults = NodeConfig.from(List.of(), Map.of());
    assertEquals(new io.drover.gateway.intake.EventQuota(50, 100), defaults.gateway().eventQuota());
    assertEquals(Duration.ofSeconds(10), defaults.gateway().overloadRetry());
    assertEquals(Duration.ofSeconds(30), defaults.gateway().mqtt().outboundStall());

    NodeConfig set = NodeConfig.from(List.of("--devices.events-per-second=5", "--gateway.overload-retry-ms=0"),
        Map.of("DROVER_DEVICES_EVENTS_BURST", "8", "DROVER_MQTT_OUTBOUND_STALL_SECONDS", "120"));
    assertEquals(new io.drover.gateway.intake.EventQuota(5, 8), set.gateway().eventQuota());
    assertEquals(Duration.ZERO, set.gateway().overloadRetry());
    assertEquals(Duration.ofSeconds(120), set.gateway().mqtt().outboundStall());

    assertThrows(ConfigException.class, () -> NodeConfig.from(List.of("--devices.events-per-second=0"), Map.of()));
    ConfigException renamed = assertThrows(ConfigException.class, () -> NodeConfig.from(List.of("--coap.requests-per-second=20"), Map.of()));
    assertTrue(renamed.getMessage().contains("unknown option --coap.requests-per-second"), renamed.getMessage());
  }

  @Test
  void cloudEndpointsDefaultToTheServicesAndTakeOnlyABaseUrl() {
    NodeConfig defaults = NodeConfig.from(List.of(), Map.of());
    assertEquals("https://{hub}.azure-devices.net", defaults.delivery().azureEndpoint());
    assertEquals("https://pubsub.googleapis.com", defaults.delivery().pubsubEndpoint());
    NodeConfig set = NodeConfig.from(List.of("--integrations.azure-endpoint=http://127.0.0.1:8443"),
        Map.of("DROVER_INTEGRATIONS_PUBSUB_ENDPOINT", "https://pubsub.example:9443"));
    assertEquals("http://127.0.0.1:8443", set.delivery().azureEndpoint());
    assertEquals("https://pubsub.example:9443", set.delivery().pubsubEndpoint());
    for (String bad : List.of("pubsub.googleapis.com", "https://pubsub.googleapis.com/", "https://pubsub.googleapis.com/v1", "ftp://x")) {
      ConfigException refused = assertThrows(ConfigException.class, () -> NodeConfig.from(List.of("--integrations.pubsub-endpoint=" + bad), Map.of()));
      assertTrue(refused.getMessage().startsWith("integrations.pubsub-endpoint must be an http(s) base URL without path"), refused.getMessage());
    }
  }

  @Test
  void preparedStatementsAreCachedUnlessTurnedOffForAPooler() {
    assertTrue(NodeConfig.from(List.of(), Map.of()).database().cachePreparedStatements());
    assertFalse(NodeConfig.from(List.of("--database.cache-prepared-statements=false"), Map.of()).database().cachePreparedStatements());
    assertFalse(NodeConfig.from(List.of(), Map.of("DROVER_DATABASE_CACHE_PREPARED_STATEMENTS", "false")).database().cachePreparedStatements());
    assertThrows(ConfigException.class, () -> NodeConfig.from(List.of("--database.cache-prepared-statements=off"), Map.of()));
  }

  @Test
  void helpListsEveryOptionWithItsEnvironmentVariable() {
    String help = Main.help();

    for (ConfigOption option : ConfigOption.ALL) {
      assertTrue(help.contains("--" + option.key() + "="), option.key());
      assertTrue(help.contains(option.environmentVariable()), option.environmentVariable());
    }
    assertEquals(Duration.ofSeconds(10), NodeConfig.from(List.of(), Map.of()).events().streamKeepAlive());
  }
}
