package io.drover.hub.launcher;

import io.drover.coap.CoapSettings;
import io.drover.coap.CoapThreads;
import io.drover.gateway.GatewaySettings;
import io.drover.gateway.intake.EventQuota;
import io.drover.gateway.mqtt.MqttSettings;
import io.drover.hub.auth.AccountSettings;
import io.drover.hub.cluster.ClusterSettings;
import io.drover.hub.cluster.NodeRoles;
import io.drover.hub.console.MapTiles;
import io.drover.hub.events.EventSettings;
import io.drover.hub.http.HttpSettings;
import io.drover.hub.billing.BillingSettings;
import io.drover.hub.integrations.IntegrationSettings;
import io.drover.hub.integrations.delivery.DeliverySettings;
import io.drover.hub.http.MetricsSettings;
import io.drover.hub.http.MetricsToken;
import io.drover.hub.mail.MailSettings;
import io.drover.hub.quotas.Quota;
import io.drover.hub.quotas.QuotaSettings;
import io.drover.hub.storage.DatabaseSettings;
import io.drover.hub.storage.Durability;
import io.drover.hub.tls.TlsSettings;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Everything a node needs to start, read and validated once; deep code never sees raw config. */
public record NodeConfig(
    NodeRoles roles,
    ClusterSettings cluster,
    Path dataDir,
    HttpSettings http,
    MetricsSettings metrics,
    GatewaySettings gateway,
    TlsSettings tls,
    Path deviceCaFile,
    Path masterKeyFile,
    DatabaseSettings database,
    EventSettings events,
    QuotaSettings quotas,
    Duration connectivityFlushInterval,
    Duration deviceCallTimeout,
    AccountSettings accounts,
    int maxUnusedActivationCodes,
    MailSettings mail,
    int demoDevices,
    MapTiles mapTiles,
    IntegrationSettings integrations,
    DeliverySettings delivery,
    BillingSettings billing,
    String simCarrier) {

  /** @throws ConfigException naming the first bad value and where it came from */
  static NodeConfig from(ConfigSources sources) {
    Reader r = new Reader(sources);
    Path dataDir = Path.of(r.text("data-dir")).toAbsolutePath().normalize();
    String url = r.text("database.url").trim();
    NodeRoles roles = r.roles("node.roles");
    Durability durability = r.choice("events.durability", "durable", "relaxed").equals("durable") ? Durability.DURABLE : Durability.RELAXED;
    NodeConfig config = new NodeConfig(
        roles,
        new ClusterSettings(
            r.bool("cluster.enabled"),
            r.text("cluster.name").trim(),
            r.text("cluster.host").trim(),
            r.integer("cluster.port", 1, 65535),
            r.members("cluster.members"),
            r.bool("cluster.multicast"),
            r.integer("cluster.eventbus-port", 0, 65535),
            Duration.ofSeconds(r.integer("cluster.heartbeat-timeout-seconds", 2, 3600)),
            r.clusterTls(r.bool("cluster.enabled"))),
        dataDir,
        new HttpSettings(
            r.text("http.host"),
            r.integer("http.port", 0, 65535),
            r.integer("http.tls-port", 0, 65535),
            r.bool("http.plain-enabled"),
            Duration.ofSeconds(r.integer("http.hsts-max-age-seconds", 0, Integer.MAX_VALUE)),
            r.idleTimeout("http.idle-timeout-seconds", "events.stream-keepalive-seconds"),
            Duration.ofSeconds(r.integer("http.request-timeout-seconds", 1, 3600)),
            r.integer("http.max-connections", 1, 1_000_000),
            r.integer("http.instances", 0, 1024)),
        r.metrics(dataDir),
        new GatewaySettings(
        new MqttSettings(
            r.text("mqtt.host"),
            r.integer("mqtt.port", 0, 65535),
            r.integer("mqtt.tls-port", 0, 65535),
            r.bool("mqtt.plain-enabled"),
            r.integer("mqtt.max-message-size", 2048, 268_435_455),
            Duration.ofSeconds(r.integer("mqtt.connect-timeout", 1, 3600)),
            Duration.ofSeconds(r.integer("mqtt.outbound-stall-seconds", 1, 3600))),
        new CoapSettings(
            r.text("coap.host"),
            r.integer("coap.port", 0, 65535),
            r.integer("coap.plain-port", 0, 65535),
            r.bool("coap.plain-enabled"),
            r.integer("coap.max-connections", 1, 10_000_000),
            r.integer("coap.max-active-peers", 1, 10_000_000),
            Duration.ofSeconds(r.integer("coap.stale-session-seconds", 1, 30 * 86_400)),
            r.integer("coap.receive-buffer-bytes", 0, 1 << 30),
            Duration.ofSeconds(r.integer("coap.exchange-lifetime-seconds", 1, 3600)),
            Duration.ofSeconds(r.integer("coap.idle-timeout-seconds", 1, 7 * 86_400)),
            new CoapThreads(
                r.integer("coap.executors", 0, 1024),
                r.integer("coap.dtls-receiver-threads", 0, 1024),
                r.integer("coap.dtls-connector-threads", 0, 1024),
                r.integer("coap.protocol-stage-threads", 0, 1024))),
            Duration.ofMillis(r.integer("gateway.hub-timeout-ms", 100, 600_000)),
            r.integer("gateway.listener-instances", 0, 1024),
            r.integer("gateway.max-connections", 0, 10_000_000),
            roles.hub(),
            new EventQuota(r.integer("devices.events-per-second", 1, 1_000_000), r.integer("devices.events-burst", 1, 1_000_000)),
            Duration.ofMillis(r.integer("gateway.overload-retry-ms", 0, 600_000)),
            Duration.ofSeconds(r.integer("gateway.data-usage-flush-seconds", 1, 3600)),
            r.text("particle.host")),
        r.tls(),
        r.text("devices.ca-file").isBlank() ? null : r.readableFile("devices.ca-file"),
        r.text("secrets.master-key-file").isBlank()
            ? dataDir.resolve("master-key")
            : Path.of(r.text("secrets.master-key-file").trim()).toAbsolutePath().normalize(),
        new DatabaseSettings(
            url.isEmpty() ? null : r.databaseUrl("database.url"),
            dataDir.resolve("postgres"),
            r.integer("database.embedded-port", 0, 65535),
            r.integer("database.pool-size", 1, 1000),
            durability,
            r.bool("database.cache-prepared-statements")),
        new EventSettings(
            r.integer("events.queue-capacity", 1, 10_000_000),
            r.integer("events.batch-size", 1, 10_000),
            r.integer("events.writers", 1, 64),
            Duration.ofMillis(r.integer("events.flush-interval-ms", 1, 60_000)),
            Duration.ofSeconds(r.integer("events.stream-keepalive-seconds", 1, 3600)),
            r.integer("events.max-streams-per-user", 1, 100_000),
            r.integer("events.stream-opens-per-minute", 1, 1_000_000),
            r.integer("events.retention-days", 1, 36_500),
            Duration.ofSeconds(r.integer("events.retention-check-seconds", 1, 86_400)),
            Duration.ofSeconds(r.integer("events.usage-flush-seconds", 1, 3600)),
            durability,
            r.choice("events.write-form", "insert", "copy").equals("copy")),
        new QuotaSettings(
            r.quota("quotas.account-events-"),
            r.quota("quotas.product-events-"),
            Duration.ofSeconds(r.integer("quotas.flush-seconds", 1, 3600))),
        Duration.ofMillis(r.integer("devices.connectivity-flush-ms", 10, 60_000)),
        Duration.ofMillis(r.integer("devices.call-timeout-ms", 100, 300_000)),
        new AccountSettings(
            r.choice("accounts.signup", "open", "closed").equals("open"),
            Duration.ofDays(r.integer("accounts.refresh-token-lifetime-days", 1, 3650)),
            r.integer("accounts.login-failures-per-account", 1, 1000),
            r.integer("accounts.login-failures-per-address", 1, 1_000_000),
            r.integer("accounts.signups-per-address", 1, 1_000_000),
            Duration.ofSeconds(r.integer("accounts.max-backoff-seconds", 1, 86_400)),
            r.integer("accounts.password-hash-threads", 0, 256),
            r.integer("accounts.password-hash-queue", 0, 100_000),
            Duration.ofDays(r.integer("accounts.console-session-days", 1, 90))),
        r.integer("customers.max-unused-activation-codes", 1, 100_000),
        r.mail(),
        r.integer("demo.devices", 0, 1000),
        r.mapTiles("console.map-tiles"),
        new IntegrationSettings(r.bool("integrations.allow-private-targets"), r.integer("integrations.max-per-owner", 1, 100_000)),
        new DeliverySettings(
            Duration.ofSeconds(r.integer("integrations.timeout-seconds", 1, 600)),
            r.seconds("integrations.retry-seconds"),
            Duration.ofSeconds(r.integer("integrations.lease-seconds", 10, 86_400)),
            Duration.ofMillis(r.integer("integrations.poll-interval-ms", 10, 600_000)),
            r.integer("integrations.queue-capacity", 1, 10_000_000),
            r.integer("integrations.max-in-flight", 1, 100_000),
            r.integer("integrations.max-per-host", 1, 10_000),
            r.integer("integrations.per-host-rate", 1, 1_000_000),
            Duration.ofDays(r.integer("integrations.log-retention-days", 1, 3650)),
            r.endpoint("integrations.azure-endpoint"),
            r.endpoint("integrations.pubsub-endpoint")),
        r.billing(),
        r.choice("sims.carrier", io.drover.hub.sims.Carriers.names().toArray(String[]::new)));
    if (config.delivery().lease().compareTo(config.delivery().timeout().plusSeconds(10)) < 0) {
      throw new ConfigException("integrations.lease-seconds must be at least integrations.timeout-seconds + 10: a claim must outlast "
          + "the request it is sent under, or another node could claim the row while it is being sent");
    }
    return config;
  }

  /** Reads {@code args} and {@code environment}; the launcher's entry point into configuration. */
  public static NodeConfig from(List<String> args, Map<String, String> environment) {
    return from(ConfigSources.read(args, environment));
  }

  private record Reader(ConfigSources sources) {

    String text(String key) {
      return sources.get(key).text();
    }

    /** An http(s) base URL without path, query or trailing slash ({@code {hub}} may stand in the host). */
    String endpoint(String key) {
      String value = text(key).trim();
      if (!value.matches("^https?://[A-Za-z0-9.{}\\[\\]:-]+$")) {
        throw new ConfigException(key + " must be an http(s) base URL without path or trailing slash, such as https://example.com:8443, but "
            + sources.get(key).source() + " gives '" + value + "'");
      }
      return value;
    }

    int integer(String key, int min, int max) {
      ConfigSources.Value value = sources.get(key);
      try {
        int parsed = Integer.parseInt(value.text().trim());
        if (parsed >= min && parsed <= max) {
          return parsed;
        }
      } catch (NumberFormatException ignored) {
        // reported below with the range
      }
      throw new ConfigException(key + " must be a whole number from " + min + " to " + max
          + ", but " + value.source() + " gives '" + value.text() + "'");
    }

    long number(String key, long min, long max) {
      ConfigSources.Value value = sources.get(key);
      try {
        long parsed = Long.parseLong(value.text().trim());
        if (parsed >= min && parsed <= max) {
          return parsed;
        }
      } catch (NumberFormatException ignored) {
        // reported below with the range
      }
      throw new ConfigException(key + " must be a whole number from " + min + " to " + max
          + ", but " + value.source() + " gives '" + value.text() + "'");
    }

    /** Whole seconds separated by commas, in order (an empty text: none). */
    List<Duration> seconds(String key) {
      ConfigSources.Value value = sources.get(key);
      List<Duration> waits = new java.util.ArrayList<>();
      for (String entry : value.text().split(",")) {
        if (entry.isBlank()) {
          continue;
        }
        try {
          int parsed = Integer.parseInt(entry.trim());
          if (parsed >= 1 && parsed <= 86_400) {
            waits.add(Duration.ofSeconds(parsed));
            continue;
          }
        } catch (NumberFormatException ignored) {
          // reported below
        }
        throw new ConfigException(key + " must list waits in whole seconds from 1 to 86400 separated by commas, but " + value.source()
            + " gives '" + value.text() + "'");
      }
      return List.copyOf(waits);
    }

    /** {@code prefix}per-second, burst and per-day: one kind of tenant's default quota. */
    Quota quota(String prefix) {
      return new Quota(
          integer(prefix + "per-second", 0, 10_000_000),
          integer(prefix + "burst", 0, 100_000_000),
          number(prefix + "per-day", 0, 1_000_000_000_000L));
    }

    /**
     * The HTTP idle timeout, longer than the event streams' keep-alive: a silent stream's keep-alive is
     * what keeps its connection from being idle.
     */
    Duration idleTimeout(String key, String keepAliveKey) {
      int idle = integer(key, 2, 86_400);
      int keepAlive = integer(keepAliveKey, 1, 3600);
      if (keepAlive >= idle) {
        throw new ConfigException(key + " (" + idle + ", " + sources.get(key).source() + ") must be longer than " + keepAliveKey
            + " (" + keepAlive + ", " + sources.get(keepAliveKey).source() + "): the idle timeout would cut silent event streams");
      }
      return Duration.ofSeconds(idle);
    }

    NodeRoles roles(String key) {
      ConfigSources.Value value = sources.get(key);
      NodeRoles roles = NodeRoles.parse(value.text());
      if (roles == null) {
        throw new ConfigException(key + " must be hub, gateway or hub,gateway, but " + value.source() + " gives '" + value.text() + "'");
      }
      return roles;
    }

    /** host:port entries separated by commas; an empty text is an empty list. */
    List<String> members(String key) {
      ConfigSources.Value value = sources.get(key);
      List<String> members = new java.util.ArrayList<>();
      for (String entry : value.text().split(",")) {
        String member = entry.trim();
        if (member.isEmpty()) {
          continue;
        }
        int colon = member.lastIndexOf(':');
        boolean valid = colon > 0 && colon < member.length() - 1;
        for (int i = colon + 1; valid && i < member.length(); i++) {
          valid = Character.isDigit(member.charAt(i));
        }
        if (!valid) {
          throw new ConfigException(key + " must list host:port entries separated by commas, but " + value.source()
              + " gives '" + member + "'");
        }
        members.add(member);
      }
      return List.copyOf(members);
    }

    /** The operator's certificate and key, both or neither, and the extra names of the node's own. */
    TlsSettings tls() {
      ConfigSources.Value cert = sources.get("tls.cert-file");
      ConfigSources.Value key = sources.get("tls.key-file");
      if (cert.text().isBlank() != key.text().isBlank()) {
        ConfigSources.Value missing = cert.text().isBlank() ? cert : key;
        throw new ConfigException("tls.cert-file and tls.key-file go together, but " + (missing == cert ? "tls.cert-file" : "tls.key-file")
            + " is empty");
      }
      List<String> names = new java.util.ArrayList<>();
      for (String name : text("tls.host-names").split(",")) {
        if (!name.isBlank()) {
          names.add(name.trim());
        }
      }
      // the hosts the listeners bind, when they are names or addresses rather than every interface
      names.addAll(List.of(text("http.host"), text("mqtt.host"), text("cluster.host")));
      return cert.text().isBlank()
          ? new TlsSettings(null, null, List.copyOf(names))
          : new TlsSettings(readableFile("tls.cert-file"), readableFile("tls.key-file"), List.copyOf(names));
    }

    Path readableFile(String key) {
      ConfigSources.Value value = sources.get(key);
      Path file = Path.of(value.text().trim()).toAbsolutePath().normalize();
      if (!java.nio.file.Files.isReadable(file)) {
        throw new ConfigException(key + " must name a readable file, but " + value.source() + " gives '" + value.text() + "'");
      }
      return file;
    }

    /**
     * The cluster's TLS files, checked to be readable now rather than when the event bus starts. A
     * cluster without them refuses to start unless {@code cluster.insecure} says so explicitly: the
     * event bus carries device keys, events and commands, and without client certificates anyone who
     * reaches the Hazelcast port could read and send them.
     */
    ClusterSettings.Tls clusterTls(boolean clusterEnabled) {
      boolean insecure = bool("cluster.insecure");
      String[] keys = {"cluster.tls-cert-file", "cluster.tls-key-file", "cluster.tls-ca-file"};
      List<String> missing = new java.util.ArrayList<>();
      Path[] files = new Path[keys.length];
      for (int i = 0; i < keys.length; i++) {
        String text = text(keys[i]).trim();
        if (text.isEmpty()) {
          missing.add(keys[i]);
        } else {
          files[i] = Path.of(text).toAbsolutePath().normalize();
        }
      }
      if (missing.size() == keys.length) {
        if (clusterEnabled && !insecure) {
          throw new ConfigException("cluster.enabled is true but the event bus has no certificate: make the cluster's CA and "
              + "node certificates once with 'drover cluster-ca --out DIR --nodes NAME,NAME,...', copy each node its files, and set "
              + "cluster.tls-cert-file, cluster.tls-key-file and cluster.tls-ca-file (or cluster.insecure=true on a trusted lab "
              + "network: then anyone who reaches the cluster port reads device keys and events)");
        }
        return null;
      }
      if (insecure) {
        throw new ConfigException("cluster.insecure is true (" + sources.get("cluster.insecure").source()
            + ") and the cluster.tls-* files are set too: choose one");
      }
      if (!missing.isEmpty()) {
        throw new ConfigException(String.join(" and ", missing) + " must be set too: the cluster's TLS needs the node's "
            + "certificate, its key and the cluster CA (drover cluster-ca writes all three)");
      }
      for (int i = 0; i < keys.length; i++) {
        if (!java.nio.file.Files.isReadable(files[i])) {
          throw new ConfigException(keys[i] + " names a file that cannot be read, but " + sources.get(keys[i]).source()
              + " gives '" + text(keys[i]) + "'");
        }
      }
      return new ClusterSettings.Tls(files[0], files[1], files[2]);
    }

    /** The metrics token's file: the operator's, which must exist now, or the node's own in the data directory. */
    MetricsSettings metrics(Path dataDir) {
      boolean required = choice("metrics.auth", "token", "none").equals("token");
      // every product labelled costs a handful of series on every node: bounded well below what a Prometheus holds
      int productLabels = integer("metrics.product-labels", 0, 10_000);
      if (text("metrics.token-file").isBlank()) {
        return new MetricsSettings(required, dataDir.resolve(MetricsToken.FILE_NAME), false, productLabels);
      }
      return new MetricsSettings(required, readableFile("metrics.token-file"), true, productLabels);
    }

    boolean bool(String key) {
      return choice(key, "true", "false").equals("true");
    }

    String choice(String key, String... allowed) {
      ConfigSources.Value value = sources.get(key);
      for (String option : allowed) {
        if (option.equals(value.text().trim())) {
          return option;
        }
      }
      throw new ConfigException(key + " must be one of " + String.join(", ", allowed) + ", but " + value.source() + " gives '" + value.text() + "'");
    }

    /** Plans (the file is read now, on the launcher thread), retries and the lock. */
    BillingSettings billing() {
      String file = text("billing.plans-file").trim();
      java.util.Map<String, io.drover.hub.billing.Plan> plans;
      try {
        plans = file.isEmpty() ? BillingSettings.defaultPlans() : BillingSettings.readPlans(Path.of(file));
      } catch (IllegalArgumentException e) {
        throw new ConfigException(e.getMessage() + " (" + sources.get("billing.plans-file").source() + ")");
      }
      choice("billing.gateway", "test");
      return new BillingSettings(plans,
          Duration.ofHours(integer("billing.retry-interval-hours", 1, 24 * 60)),
          integer("billing.max-attempts", 1, 20),
          Duration.ofDays(integer("billing.charge-delay-days", 0, 60)),
          Duration.ofSeconds(integer("billing.tick-seconds", 1, 86_400)));
    }

    /** The SMTP server, if any, and the Console's public address for links; the CA file is read now, on the launcher thread. */
    MailSettings mail() {
      String host = text("mail.smtp-host").trim();
      MailSettings.Security security = switch (choice("mail.smtp-security", "starttls", "tls", "none")) {
        case "tls" -> MailSettings.Security.TLS;
        case "none" -> MailSettings.Security.NONE;
        default -> MailSettings.Security.STARTTLS;
      };
      String username = text("mail.smtp-username");
      if (!username.isEmpty() && security == MailSettings.Security.NONE) {
        throw new ConfigException("mail.smtp-username is set and mail.smtp-security is none: the SMTP password would cross the network in "
            + "clear text; use starttls or tls");
      }
      String from = text("mail.from").trim();
      if (!from.matches("^[^@\\s<>]+@[^@\\s<>]+$")) {
        throw new ConfigException("mail.from must be an email address, but " + sources.get("mail.from").source() + " gives '" + from + "'");
      }
      String publicUrl = text("console.public-url").trim();
      if (!publicUrl.isEmpty() && !publicUrl.matches("^https?://[^\\s/?#]+(/[^\\s?#]*)?$")) {
        throw new ConfigException("console.public-url must be empty or an http(s) URL such as https://drover.example.com, but "
            + sources.get("console.public-url").source() + " gives '" + publicUrl + "'");
      }
      String caPem = null;
      if (!text("mail.smtp-ca-file").isBlank()) {
        try {
          caPem = java.nio.file.Files.readString(readableFile("mail.smtp-ca-file"));
        } catch (java.io.IOException e) {
          throw new ConfigException("mail.smtp-ca-file cannot be read: " + e.getMessage());
        }
      }
      return new MailSettings(host, integer("mail.smtp-port", 1, 65535), security, caPem, username.isEmpty() ? null : username,
          text("mail.smtp-password"), from, publicUrl);
    }

    MapTiles mapTiles(String key) {
      ConfigSources.Value value = sources.get(key);
      MapTiles tiles = MapTiles.parse(value.text());
      if (tiles == null) {
        throw new ConfigException(key + " must be empty or an http(s) URL template with {z}, {x} and {y}, but "
            + value.source() + " gives '" + value.text() + "'");
      }
      ConfigSources.Value attribution = sources.get("console.map-attribution");
      MapTiles attributed = tiles.withAttribution(attribution.text());
      if (attributed == null) {
        throw new ConfigException("console.map-attribution must be one line of at most " + MapTiles.MAX_ATTRIBUTION + " characters, but "
            + attribution.source() + " gives '" + attribution.text() + "'");
      }
      return attributed;
    }

    String databaseUrl(String key) {
      ConfigSources.Value value = sources.get(key);
      String text = value.text().trim();
      try {
        URI uri = new URI(text);
        if (("postgresql".equals(uri.getScheme()) || "postgres".equals(uri.getScheme())) && uri.getHost() != null) {
          return text;
        }
      } catch (URISyntaxException ignored) {
        // reported below
      }
      throw new ConfigException(key + " must look like postgresql://user:password@host:5432/database, but "
          + value.source() + " gives something else");
    }
  }
}
