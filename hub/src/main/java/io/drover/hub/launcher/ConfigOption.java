package io.drover.hub.launcher;

import java.util.List;
import java.util.Locale;

/** One configuration key, with its default and what it means; {@code --help} prints the table. */
record ConfigOption(String key, String defaultValue, String description) {

  static final List<ConfigOption> ALL = List.of(
      new ConfigOption("data-dir", "./drover-data", "Directory for the embedded database, the bootstrap admin token, the node's keys and its own TLS certificate (tls/)"),
      new ConfigOption("node.roles", "hub,gateway", "What this node runs: hub (API, Console, database), gateway (device listeners), or hub,gateway"),
      new ConfigOption("cluster.enabled", "false", "true joins a Hazelcast cluster of Drover nodes (see docs/operations.md)"),
      new ConfigOption("cluster.name", "drover", "Cluster name: nodes join only a cluster of the same name"),
      new ConfigOption("cluster.host", "", "Address this node is reached at by the other nodes (Hazelcast and the event bus); empty: Hazelcast picks one"),
      new ConfigOption("cluster.port", "5701", "Hazelcast member port"),
      new ConfigOption("cluster.members", "", "Static member list, host:port separated by commas (include this node or not)"),
      new ConfigOption("cluster.multicast", "false", "true discovers members by multicast instead of the static list"),
      new ConfigOption("cluster.eventbus-port", "0", "Port of the clustered event bus (0 picks a free port)"),
      new ConfigOption("cluster.heartbeat-timeout-seconds", "15", "A member silent this long is declared dead and its work taken over"),
      new ConfigOption("cluster.tls-cert-file", "", "This node's certificate (PEM) for the clustered event bus, made by drover cluster-ca; required with cluster.enabled"),
      new ConfigOption("cluster.tls-key-file", "", "This node's private key (PEM, PKCS#8) for the clustered event bus, made by drover cluster-ca"),
      new ConfigOption("cluster.tls-ca-file", "", "The cluster CA's certificate (PEM): the event bus trusts only nodes it signed"),
      new ConfigOption("cluster.insecure", "false", "true runs the clustered event bus without TLS, trusting whoever joins the cluster: for tests and trusted labs only"),
      new ConfigOption("http.host", "0.0.0.0", "Address the API and Console listen on"),
      new ConfigOption("http.port", "8080", "Port of the API and Console over plain HTTP (0 picks a free port)"),
      new ConfigOption("http.plain-enabled", "true", "false serves the API and Console over HTTPS only (http.tls-port); plain HTTP carries passwords and tokens in clear text"),
      new ConfigOption("http.tls-port", "8443", "Port of the API and Console over HTTPS, HTTP/2 or HTTP/1.1 (0 picks a free port)"),
      new ConfigOption("http.hsts-max-age-seconds", "31536000", "max-age of the Strict-Transport-Security header on HTTPS responses; 0 sends none"),
      new ConfigOption("http.idle-timeout-seconds", "60",
          "An HTTP connection on which nothing is read or written this long is closed; must be longer than events.stream-keepalive-seconds"),
      new ConfigOption("http.request-timeout-seconds", "30",
          "Time a client has to send a request's headers (from the connection's opening or its previous response), then its body; else 408 or the connection is closed"),
      new ConfigOption("http.max-connections", "500", "HTTP connections the API and Console ports hold at once; past it a new one is closed at once"),
      new ConfigOption("metrics.auth", "token", "token: /metrics and the detail of /health need the metrics token (Authorization: Bearer); none: anyone who reaches the HTTP port reads them"),
      new ConfigOption("metrics.token-file", "", "File holding the metrics token (Prometheus's credentials_file can read the same); empty means DATA_DIR/metrics-token, made on first start (mode 0600)"),
      new ConfigOption("mqtt.host", "0.0.0.0", "Address the MQTT device listener binds"),
      new ConfigOption("mqtt.port", "1883", "Port of plain MQTT (0 picks a free port)"),
      new ConfigOption("mqtt.plain-enabled", "true", "false serves MQTT over TLS only (mqtt.tls-port); plain MQTT carries each device's secret in clear text"),
      new ConfigOption("mqtt.tls-port", "8883", "Port of MQTT over TLS (0 picks a free port)"),
      new ConfigOption("mqtt.max-message-size", "16384", "Largest MQTT packet in bytes; a larger one closes the connection"),
      new ConfigOption("mqtt.connect-timeout", "10", "Seconds a TCP connection may take from its accept to its CONNECT, the TLS handshake included; it is closed then"),
      new ConfigOption("mqtt.outbound-stall-seconds", "30",
          "A connection whose messages to the device have not moved for this long while its outbound queue is full is closed (the device stopped reading)"),
      new ConfigOption("coap.host", "0.0.0.0", "Address the CoAP device listener binds"),
      new ConfigOption("coap.port", "5684", "Port of CoAP over DTLS (0 picks a free port)"),
      new ConfigOption("coap.plain-enabled", "false", "true also serves unencrypted CoAP, which carries no device identity: for probes on trusted networks only"),
      new ConfigOption("coap.plain-port", "5683", "Port of unencrypted CoAP when coap.plain-enabled is true (0 picks a free port)"),
      new ConfigOption("coap.idle-timeout-seconds", "1800", "A CoAP device silent this long is reported offline"),
      new ConfigOption("coap.max-connections", "200000", "DTLS sessions held at once (Scandium's DTLS.MAX_CONNECTIONS)"),
      new ConfigOption("coap.max-active-peers", "200000", "CoAP peers tracked at once (Californium's COAP.MAX_ACTIVE_PEERS)"),
      new ConfigOption("coap.stale-session-seconds", "3600", "A DTLS session silent this long may be evicted when the session store is full"),
      new ConfigOption("coap.receive-buffer-bytes", "4194304", "UDP receive buffer of the CoAP sockets (capped by the kernel's net.core.rmem_max); 0 keeps the OS default"),
      new ConfigOption("coap.exchange-lifetime-seconds", "60", "How long a CoAP exchange is remembered to drop duplicates"),
      new ConfigOption("coap.executors", "1", "Event-loop contexts the CoAP sessions are spread over by device ID; 0: one per core"),
      new ConfigOption("coap.dtls-receiver-threads", "0", "Threads receiving DTLS datagrams (Scandium's DTLS.RECEIVER_THREAD_COUNT); 0: Scandium's default, 1"),
      new ConfigOption("coap.dtls-connector-threads", "0", "Threads decrypting records and running handshakes (Scandium's DTLS.CONNECTOR_THREAD_COUNT); 0: one per core"),
      new ConfigOption("coap.protocol-stage-threads", "2", "Threads of CoAP's protocol stage and resources (Californium's COAP.PROTOCOL_STAGE_THREAD_COUNT); 0: none, the stage runs on the first CoAP session executor (faster, not yet the default)"),
      new ConfigOption("tls.cert-file", "", "PEM file of the certificate the TLS ports serve, then its intermediates; empty: the node's own, made in DATA_DIR/tls"),
      new ConfigOption("tls.key-file", "", "PEM file of that certificate's private key (set with tls.cert-file)"),
      new ConfigOption("tls.host-names", "", "Host names and addresses, separated by commas, the node's own certificate is made for besides localhost and the machine's name"),
      new ConfigOption("devices.ca-file", "", "PEM file of one or more device CAs (CA certificates) whose certificates identify devices of every product by their subject CN; "
          + "checked at start. The node's own device CA (DATA_DIR/tls/device-ca.pem) is trusted besides"),
      new ConfigOption("secrets.master-key-file", "", "File of the key that seals device secrets at rest (made on first start, mode 0600); empty means DATA_DIR/master-key. Share it between the nodes of a cluster"),
      new ConfigOption("gateway.hub-timeout-ms", "5000", "How long a device session waits for the hub to answer"),
      new ConfigOption("gateway.listener-instances", "0", "MQTT listener instances, each on its own event loop; 0: one per core"),
      new ConfigOption("gateway.max-connections", "0",
          "Device connections this process holds before refusing more, counted from the TCP accept (TLS handshakes included); 0: the open-files limit less 1000"),
      new ConfigOption("gateway.overload-retry-ms", "10000",
          "How long a QoS 1 event the hub could not take (overloaded, unavailable) is offered to it again while the device waits for its PUBACK, "
              + "reading from it paused; past it the device is answered as before (MQTT 3.1.1: the connection is closed; MQTT 5: PUBACK 0x97 or 0x83)"),
      new ConfigOption("gateway.data-usage-flush-seconds", "30",
          "How often a gateway sends the hub the bytes each device's sessions moved on the wire (summed in memory); a SIM's usage and its data "
              + "limit are this late at most"),
      new ConfigOption("devices.events-per-second", "50",
          "Events (and descriptions) one device may send per second on average, over any transport; more are refused for good as quota_exceeded "
              + "(MQTT 5 PUBACK 0x97, MQTT 3.1.1 PUBACK and c/err, CoAP 4.29)"),
      new ConfigOption("devices.events-burst", "100", "Events one device may send at once after a quiet spell, above devices.events-per-second"),
      new ConfigOption("database.url", "", "External PostgreSQL as postgresql://user:password@host:port/db; empty runs the embedded one"),
      new ConfigOption("database.embedded-port", "0", "Port of the embedded PostgreSQL (0 picks a free port)"),
      new ConfigOption("database.pool-size", "8", "Connections in the PostgreSQL pool"),
      new ConfigOption("events.durability", "durable",
          "durable: an event is acknowledged (PUBACK, 2.04) once its commit is on disk (fsync on, synchronous_commit on); "
              + "relaxed: commits do not wait for the disk, so acknowledged events can be lost on a crash of PostgreSQL or the machine"),
      new ConfigOption("events.queue-capacity", "100000", "Events accepted but not yet written; beyond it new events are refused"),
      new ConfigOption("events.batch-size", "500", "Most events written by one INSERT"),
      new ConfigOption("events.writers", "1",
          "Event batches written at once, each on its own connection of the pool (a device's events always share one, so they stay in order)"),
      new ConfigOption("events.flush-interval-ms", "50", "How often the event writer looks for events it has not yet started writing (it writes as soon as the previous commit returns)"),
      new ConfigOption("events.stream-keepalive-seconds", "10", "Keep-alive interval of silent event streams"),
      new ConfigOption("events.max-streams-per-user", "100", "Event streams one account may hold open at once; more are refused with 429"),
      new ConfigOption("events.stream-opens-per-minute", "60", "Event streams one account may open per minute; more are refused with 429"),
      new ConfigOption("events.retention-days", "30", "Days events are kept; older ones are deleted"),
      new ConfigOption("events.retention-check-seconds", "3600", "How often events past the retention are deleted"),
      new ConfigOption("events.usage-flush-seconds", "30", "How often counts of events delivered to streams are written for billing"),
      new ConfigOption("quotas.account-events-per-second", "50000",
          "Events an account may publish a second, across the cluster (its devices in no product, and the API); 0: unlimited. An administrator may set another per account"),
      new ConfigOption("quotas.account-events-burst", "100000", "Events an account may publish at once after a quiet spell; below the rate means one second's worth"),
      new ConfigOption("quotas.account-events-per-day", "0", "Events an account may have stored a UTC day, across the cluster; 0: unlimited"),
      new ConfigOption("quotas.product-events-per-second", "50000", "Events a product's devices may publish a second, across the cluster; 0: unlimited. An administrator may set another per product"),
      new ConfigOption("quotas.product-events-burst", "100000", "Events a product's devices may publish at once after a quiet spell; below the rate means one second's worth"),
      new ConfigOption("quotas.product-events-per-day", "0", "Events a product's devices may have stored a UTC day, across the cluster; 0: unlimited"),
      new ConfigOption("quotas.flush-seconds", "5",
          "How often each hub node adds its per-account and per-product event counts to PostgreSQL and reads back the day's totals (the per-day quota across the cluster)"),
      new ConfigOption("devices.connectivity-flush-ms", "100", "How often online/offline changes are written"),
      new ConfigOption("devices.call-timeout-ms", "30000", "How long a function call or variable read waits for the device"),
      new ConfigOption("demo.devices", "0", "Simulated devices to run inside the node (0 to 1000), claimed by the node's first administrator"),
      new ConfigOption("console.map-tiles", "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
          "Raster tile URL template of the Console's Map page ({z}/{x}/{y}); its origin is allowed in the Console's CSP img-src. Empty: no tiles, a plain grid"),
      new ConfigOption("accounts.signup", "open", "open: anyone may create an account (never an administrator); closed: nobody signs up, administrators make accounts"),
      new ConfigOption("accounts.refresh-token-lifetime-days", "90", "Days a refresh token can be spent after it was issued; each refresh issues a new one"),
      new ConfigOption("accounts.login-failures-per-account", "5",
          "Wrong passwords for one account before each further attempt waits (1 s, doubling); addresses it signed in from lately are spared the wait others cause"),
      new ConfigOption("accounts.login-failures-per-address", "20", "Wrong passwords from one client address, for any accounts, before each further attempt waits"),
      new ConfigOption("accounts.signups-per-address", "30", "Sign-ups and customer creations with a password from one client address before each further one waits"),
      new ConfigOption("accounts.max-backoff-seconds", "900", "Longest wait imposed by the limits above; counts are forgotten after an hour without attempts (or this, if longer)"),
      new ConfigOption("accounts.password-hash-threads", "0", "Threads that hash and check passwords (PBKDF2); 0: half the cores, at least one"),
      new ConfigOption("accounts.password-hash-queue", "32", "Password checks that may wait for those threads; more are refused at once with 503 and Retry-After"),
      new ConfigOption("mail.smtp-host", "", "SMTP server the node sends its mails through (email verification links); empty: each mail is a line of the node's log"),
      new ConfigOption("mail.smtp-port", "587", "Port of the SMTP server"),
      new ConfigOption("mail.smtp-security", "starttls", "starttls (RFC 3207), tls (TLS from the start, port 465) or none (a relay on a trusted network)"),
      new ConfigOption("mail.smtp-ca-file", "", "PEM file of the CA(s) that sign the SMTP server's certificate; empty: the JVM's trusted CAs"),
      new ConfigOption("mail.smtp-username", "", "User name for SMTP AUTH PLAIN, over starttls or tls only; empty: no AUTH"),
      new ConfigOption("mail.smtp-password", "", "Password for SMTP AUTH PLAIN"),
      new ConfigOption("mail.from", "drover@localhost", "The From address of the node's mails"),
      new ConfigOption("console.public-url", "", "The Console's address as people reach it (https://drover.example.com), for links in mails; empty: the links are paths on the Console"),
      new ConfigOption("integrations.timeout-seconds", "20", "A webhook request's whole time, from connecting to the answer's last byte; then it fails and is retried"),
      new ConfigOption("integrations.retry-seconds", "30,60,300",
          "Waits before each retry of a webhook request that failed with 5xx, a timeout or a connection error; after the last, a dead letter (4xx is never retried)"),
      new ConfigOption("integrations.lease-seconds", "120",
          "How long a hub node's claim on an outbox row lasts; a node that dies leaves its deliveries to the others after it. At least integrations.timeout-seconds + 10"),
      new ConfigOption("integrations.poll-interval-ms", "1000", "How often a hub node claims due webhook deliveries (retries, and rows no node claimed at once)"),
      new ConfigOption("integrations.queue-capacity", "20000", "Webhook deliveries a hub node holds in memory at once; past it they wait in the outbox"),
      new ConfigOption("integrations.max-in-flight", "512", "Webhook requests in flight at once on a hub node"),
      new ConfigOption("integrations.max-per-host", "32", "Webhook requests in flight at once to one target host, so one slow receiver cannot take every slot"),
      new ConfigOption("integrations.per-host-rate", "1000", "Webhook requests a second to one target host (a second's worth of burst); more wait, counted as throttled"),
      new ConfigOption("integrations.log-retention-days", "7", "Days webhook delivery attempts and dead letters are kept"),
      new ConfigOption("customers.max-unused-activation-codes", "1000",
          "Unused private-beta activation codes one product may hold at once; making more is refused with 409 (each unused code is one a guesser may hit)"),
      new ConfigOption("integrations.allow-private-targets", "false",
          "true lets integrations send to loopback (127.0.0.0/8, ::1), link-local (169.254.0.0/16, fe80::/10) and this machine's own addresses; "
              + "private LAN ranges are allowed either way"),
      new ConfigOption("integrations.max-per-owner", "100", "Integrations one account's sandbox or one product may hold; creating more is refused with 409"));

  /** {@code mqtt.max-message-size} is read from {@code DROVER_MQTT_MAX_MESSAGE_SIZE}. */
  String environmentVariable() {
    return "DROVER_" + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
  }

  static ConfigOption find(String key) {
    for (ConfigOption option : ALL) {
      if (option.key.equals(key)) {
        return option;
      }
    }
    return null;
  }
}
