package io.drover.hub.support;

import io.drover.gateway.contract.BusAddresses;
import io.drover.gateway.contract.DeviceEvent;
import io.drover.gateway.contract.DeviceEventCodec;
import io.drover.hub.launcher.Node;
import io.drover.hub.launcher.NodeConfig;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** A real node on free ports, started the way the launcher starts one, with helpers to drive it. */
public final class TestNode implements AutoCloseable {

  /**
   * HTTP/1.1 on purpose: the JDK client's default first request over http:// asks for an h2c upgrade,
   * which the node's server accepts, and a run was seen to hang there for good, past the request
   * timeout. The API is HTTP/1.1 to its real clients anyway.
   */
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  /**
   * Given as the environment of every test node but those of {@link #startWithDefaultLimits}: a test
   * class signs up many accounts from 127.0.0.1, more than the default allowance of sign-ups per
   * client address. An environment variable, not a flag, so that a node without the option ignores it.
   */
  private static final Map<String, String> ROOMY_SIGNUPS = Map.of("DROVER_ACCOUNTS_SIGNUPS_PER_ADDRESS", "1000000");

  private final Node node;
  private final String adminToken;
  private io.vertx.core.Vertx deviceVertx;
  private final String metricsToken;

  private TestNode(Node node) throws IOException {
    this.node = node;
    // a gateway-only node has no database, so no bootstrap token
    this.adminToken = Files.exists(node.adminTokenFile()) ? Files.readString(node.adminTokenFile()).trim() : null;
    Path metrics = node.adminTokenFile().resolveSibling("metrics-token");
    this.metricsToken = Files.exists(metrics) ? Files.readString(metrics).trim() : null;
  }

  /**
   * A member of a test cluster: {@code databaseUrl} null for a gateway-only node, else the database
   * the cluster's hub nodes share; {@code flags} name its roles and cluster settings.
   */
  public static TestNode startMember(String databaseUrl, List<String> flags) throws IOException {
    List<String> all = new ArrayList<>(flags);
    if (databaseUrl != null) {
      all.add("--database.url=" + databaseUrl);
    }
    return startWith(Files.createTempDirectory("drover-member"), all, ROOMY_SIGNUPS);
  }

  public Node node() {
    return node;
  }

  /** A node on its own fresh database in the shared test PostgreSQL. */
  public static TestNode start(String... extraFlags) throws IOException {
    List<String> flags = new ArrayList<>(List.of("--database.url=" + TestPostgres.newDatabase()));
    flags.addAll(List.of(extraFlags));
    return startWith(Files.createTempDirectory("drover-test"), flags, ROOMY_SIGNUPS);
  }

  /** As {@link #start}, with billing's time taken from {@code billingClock} (a {@link MovableClock} the test moves). */
  public static TestNode startWithClock(java.time.Clock billingClock, String... extraFlags) throws IOException {
    List<String> flags = new ArrayList<>(List.of("--database.url=" + TestPostgres.newDatabase()));
    flags.addAll(List.of(extraFlags));
    return startWith(Files.createTempDirectory("drover-test"), flags, ROOMY_SIGNUPS, billingClock);
  }

  /** As {@link #start}, with every limit on sign-in and sign-up at its default: for the tests of those limits. */
  public static TestNode startWithDefaultLimits(String... extraFlags) throws IOException {
    List<String> flags = new ArrayList<>(List.of("--database.url=" + TestPostgres.newDatabase()));
    flags.addAll(List.of(extraFlags));
    return startWith(Files.createTempDirectory("drover-test"), flags, Map.of());
  }

  /** A node with the default storage: the embedded PostgreSQL in {@code dataDir}. */
  public static TestNode startEmbedded(Path dataDir, String... extraFlags) throws IOException {
    return startWith(dataDir, List.of(extraFlags), ROOMY_SIGNUPS);
  }

  private static TestNode startWith(Path dataDir, List<String> extraFlags, Map<String, String> environment) throws IOException {
    return startWith(dataDir, extraFlags, environment, java.time.Clock.systemUTC());
  }

  private static TestNode startWith(Path dataDir, List<String> extraFlags, Map<String, String> environment, java.time.Clock billingClock)
      throws IOException {
    List<String> flags = new ArrayList<>(List.of(
        "--data-dir=" + dataDir,
        "--http.host=127.0.0.1", "--http.port=0", "--http.tls-port=0",
        "--mqtt.host=127.0.0.1", "--mqtt.port=0", "--mqtt.tls-port=0",
        "--coap.host=127.0.0.1", "--coap.port=0",
        "--devices.connectivity-flush-ms=20",
        "--events.flush-interval-ms=20"));
    flags.addAll(extraFlags);
    BlockedEventLoops.forget();
    // Vert.x only warns of a blocked event loop; a short limit plus BlockedEventLoops turns that into a failure
    VertxOptions strict = new VertxOptions()
        .setMaxEventLoopExecuteTime(1000).setMaxEventLoopExecuteTimeUnit(TimeUnit.MILLISECONDS)
        .setBlockedThreadCheckInterval(100).setBlockedThreadCheckIntervalUnit(TimeUnit.MILLISECONDS);
    return new TestNode(Node.start(NodeConfig.from(flags, environment), strict, billingClock));
  }

  /** The node's own event bus: for sending what no edge would let through. */
  public io.vertx.core.eventbus.EventBus eventBus() {
    return node.eventBus();
  }

  public int httpPort() {
    return node.httpPort();
  }

  public int mqttPort() {
    return node.mqttPort();
  }

  public int httpsPort() {
    return node.httpsPort();
  }

  public int mqttTlsPort() {
    return node.mqttTlsPort();
  }

  /** The CA of the certificate the node made for itself ({@code DATA_DIR/tls/ca.pem}), for clients to trust. */
  public Path caFile() {
    return node.certificateAuthorityFile();
  }

  /** The CoAP over DTLS port. */
  public int coapPort() {
    return node.coapPort();
  }

  /** The node's data directory (admin token, master key, DTLS server key). */
  public Path dataDir() {
    return node.adminTokenFile().getParent();
  }

  /** Registers a device with an ECDSA public key (base64 DER) besides its secret. */
  public DeviceIdentity provisionDevice(String publicKeyBase64) throws IOException, InterruptedException {
    HttpResponse<String> response = post("/v1/admin/devices", new JsonObject().put("public_key", publicKeyBase64).encode(), adminToken);
    if (response.statusCode() != 201) {
      throw new IllegalStateException("provisioning failed: " + response.statusCode() + " " + response.body());
    }
    JsonObject body = new JsonObject(response.body());
    return new DeviceIdentity(body.getString("id"), body.getString("secret"));
  }

  public String adminToken() {
    return adminToken;
  }

  /** The node's own metrics token ({@code DATA_DIR/metrics-token}), for /metrics and /health's detail; null when it made none. */
  public String metricsToken() {
    return metricsToken;
  }

  /** GET of /metrics or /health as Prometheus or the operator reads them: with the metrics token. */
  public HttpResponse<String> operations(String path) throws IOException, InterruptedException {
    return get(path, metricsToken);
  }

  /** Registers a device through the admin route, as an operator would. */
  public DeviceIdentity provisionDevice() throws IOException, InterruptedException {
    HttpResponse<String> response = post("/v1/admin/devices", "{}", adminToken);
    if (response.statusCode() != 201) {
      throw new IllegalStateException("provisioning failed: " + response.statusCode() + " " + response.body());
    }
    JsonObject body = new JsonObject(response.body());
    return new DeviceIdentity(body.getString("id"), body.getString("secret"));
  }

  public HttpResponse<String> get(String path, String token) throws IOException, InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10)).GET();
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  public HttpResponse<String> post(String path, String json, String token) throws IOException, InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Any method, a JSON body or none, a bearer token or none. */
  public HttpResponse<String> send(String method, String path, String json, String token) throws IOException, InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(20))
        .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
    if (json != null) {
      request.header("Content-Type", "application/json");
    }
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** A form post, as OAuth clients send to /oauth/token. */
  public HttpResponse<String> postForm(String path, Map<String, String> form, String basicAuth) throws IOException, InterruptedException {
    StringBuilder body = new StringBuilder();
    form.forEach((key, value) -> body.append(body.length() == 0 ? "" : "&")
        .append(java.net.URLEncoder.encode(key, java.nio.charset.StandardCharsets.UTF_8)).append('=')
        .append(java.net.URLEncoder.encode(value, java.nio.charset.StandardCharsets.UTF_8)));
    HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(20))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
    if (basicAuth != null) {
      request.header("Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString(basicAuth.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Creates an account and logs in as particle-api-js does; returns the access token. */
  public String signUpAndLogIn(String username, String password) throws IOException, InterruptedException {
    HttpResponse<String> created = post("/v1/users", new JsonObject().put("username", username).put("password", password).encode(), null);
    if (created.statusCode() != 200) {
      throw new IllegalStateException("sign-up failed: " + created.statusCode() + " " + created.body());
    }
    return logIn(username, password);
  }

  /**
   * Makes the node's first administrator with the bootstrap admin token, as an operator would, and
   * logs in as it; returns the access token.
   */
  public String createAdministrator(String username, String password) throws IOException, InterruptedException {
    HttpResponse<String> created = post("/v1/admin/users",
        new JsonObject().put("username", username).put("password", password).put("admin", true).encode(), adminToken);
    if (created.statusCode() != 201) {
      throw new IllegalStateException("making the administrator failed: " + created.statusCode() + " " + created.body());
    }
    return logIn(username, password);
  }

  public String logIn(String username, String password) throws IOException, InterruptedException {
    HttpResponse<String> token = postForm("/oauth/token", Map.of("grant_type", "password", "username", username, "password", password,
        "client_id", "particle-api", "client_secret", "particle-api"), null);
    if (token.statusCode() != 200) {
      throw new IllegalStateException("login failed: " + token.statusCode() + " " + token.body());
    }
    return new JsonObject(token.body()).getString("access_token");
  }

  /**
   * Claims a registered device for the account whose token this is, the way Particle's set-up does it
   * (api.md, "Claiming"): a claim code made with the token, reported for the device as the gateway
   * reports its {@code spark/device/claim/code} event, which claims it. Fails unless the device is then
   * the account's.
   */
  public void claim(String deviceId, String token) throws IOException, InterruptedException {
    reportClaimCode(deviceId, claimCode("/v1/device_claims", token));
    HttpResponse<String> claimed = get("/v1/devices/" + deviceId, token);
    if (claimed.statusCode() != 200) {
      throw new IllegalStateException("claim failed: the device is not the account's after its report: " + claimed.statusCode() + " "
          + claimed.body());
    }
  }

  /** A claim code made with {@code token} at {@code path} ({@code /v1/device_claims} or a product's). */
  public String claimCode(String path, String token) throws IOException, InterruptedException {
    HttpResponse<String> made = post(path, "{}", token);
    if (made.statusCode() != 200) {
      throw new IllegalStateException("no claim code: " + made.statusCode() + " " + made.body());
    }
    return new JsonObject(made.body()).getString("claim_code");
  }

  /**
   * What the gateway hands the hub when a device publishes {@code spark/device/claim/code} over MQTT
   * or CoAP (sent on the node's bus, so that no session opens and no {@code spark/status} follows);
   * returns once the hub has recorded the report and acted on it.
   */
  public void reportClaimCode(String deviceId, String code) {
    try {
      eventBus().request(BusAddresses.PUBLISH_EVENT, new DeviceEvent(deviceId, "spark/device/claim/code", code, System.currentTimeMillis(),
          DeviceEvent.DEFAULT_TTL, false), new DeliveryOptions().setCodecName(DeviceEventCodec.NAME)).await(10, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("the claim code report was not answered", e);
    }
  }

  /**
   * A product customer's claim with an activation code or none, as a customer's app makes it: the
   * device, online over MQTT, reports a claim code of the customer's (a claim by itself, unless the
   * product is in private beta), then the claim by ID. Answers the claim, whatever it is.
   */
  public HttpResponse<String> claimAsCustomer(DeviceIdentity device, String customerToken, String activationCode) throws Exception {
    return whileReportingClaimCode(device, customerToken, () -> claimById(device, customerToken, activationCode));
  }

  /** The claim by ID a customer's app makes once the device has reported its claim code; answers it, whatever it is. */
  public HttpResponse<String> claimById(DeviceIdentity device, String customerToken, String activationCode) throws Exception {
    JsonObject body = new JsonObject().put("id", device.id());
    if (activationCode != null) {
      body.put("activation_code", activationCode);
    }
    return post("/v1/devices", body.encode(), customerToken);
  }

  /** Runs {@code claims} while the device is online over MQTT, having reported a claim code of the customer's. */
  public <T> T whileReportingClaimCode(DeviceIdentity device, String customerToken, java.util.concurrent.Callable<T> claims) throws Exception {
    String code = claimCode("/v1/device_claims", customerToken);
    try (TestDevice online = TestDevice.connect(deviceVertx(), mqttPort(), device.id(), device.secret()).await(10, TimeUnit.SECONDS)) {
      eventually(Duration.ofSeconds(10), () -> {
        try {
          return Boolean.TRUE.equals(deviceRow(device.id()).get("online"));
        } catch (SQLException e) {
          throw new IllegalStateException(e);
        }
      }, "the device online before its claim");
      online.publishAcknowledged("e/spark/device/claim/code", io.vertx.core.buffer.Buffer.buffer(code));
      return claims.call();
    }
  }

  /** The Vert.x that helpers' devices run on, apart from the tests' own. */
  private synchronized io.vertx.core.Vertx deviceVertx() {
    if (deviceVertx == null) {
      deviceVertx = io.vertx.core.Vertx.vertx();
    }
    return deviceVertx;
  }

  /**
   * Verifies the email address of the person whose token this is, as they would: the node (with no
   * SMTP server) logs the mail's link, whose token the person opens. Fails unless the address is then verified.
   */
  public void verifyEmail(String personToken) throws IOException, InterruptedException {
    String email = new JsonObject(get("/v1/user/verify_email", personToken).body()).getString("email");
    try (OutboxLog outbox = OutboxLog.open()) {
      HttpResponse<String> mailed = post("/v1/user/verify_email", "{}", personToken);
      if (mailed.statusCode() != 200) {
        throw new IllegalStateException("no verification mail: " + mailed.statusCode() + " " + mailed.body());
      }
      String token = OutboxLog.token(outbox.awaitLink(email, Duration.ofSeconds(10)));
      HttpResponse<String> confirmed = post("/v1/user/verify_email/confirm", new JsonObject().put("token", token).encode(), null);
      if (confirmed.statusCode() != 200) {
        throw new IllegalStateException("not verified: " + confirmed.statusCode() + " " + confirmed.body());
      }
    }
  }

  /** A metric's value from /metrics, as Prometheus scrapes it; 0 when the series is absent. */
  public double metric(String series) throws IOException, InterruptedException {
    for (String line : operations("/metrics").body().split("\n")) {
      if (line.startsWith(series + " ")) {
        return Double.parseDouble(line.substring(series.length() + 1).trim());
      }
    }
    return 0;
  }

  /** One row of the devices table, read with plain JDBC. */
  public Map<String, Object> deviceRow(String deviceId) throws SQLException {
    try (Connection connection = node.database().jdbcConnection();
         PreparedStatement query = connection.prepareStatement(
             "SELECT online, last_heard, last_handshake_at, last_ip_address FROM device_connectivity WHERE device_id = ?")) {
      query.setString(1, deviceId);
      try (ResultSet row = query.executeQuery()) {
        if (!row.next()) {
          return null;
        }
        java.util.HashMap<String, Object> values = new java.util.HashMap<>();
        values.put("online", row.getBoolean(1));
        values.put("last_heard", row.getObject(2));
        values.put("last_handshake_at", row.getObject(3));
        values.put("last_ip_address", row.getString(4));
        return values;
      }
    }
  }

  /** The first column of the first row of a query, as text: for checking what is stored. */
  public String query(String sql) throws SQLException {
    try (Connection connection = node.database().jdbcConnection(); ResultSet row = connection.createStatement().executeQuery(sql)) {
      return row.next() ? row.getString(1) : null;
    }
  }

  /** Runs a statement with plain JDBC: for state a test sets up behind the node's back. */
  public int execute(String sql) throws SQLException {
    try (Connection connection = node.database().jdbcConnection()) {
      return connection.createStatement().executeUpdate(sql);
    }
  }

  /** Sets a device's platform and whether it is cellular, which the device protocol does not report yet. */
  public void setHardware(String deviceId, int platformId, boolean cellular) throws SQLException {
    try (Connection connection = node.database().jdbcConnection();
         PreparedStatement update = connection.prepareStatement("UPDATE devices SET platform_id = ?, cellular = ? WHERE id = ?")) {
      update.setInt(1, platformId);
      update.setBoolean(2, cellular);
      update.setString(3, deviceId);
      if (update.executeUpdate() != 1) {
        throw new IllegalStateException("no device " + deviceId);
      }
    }
  }

  public long countEvents(String deviceId, String name) throws SQLException {
    try (Connection connection = node.database().jdbcConnection();
         PreparedStatement query = connection.prepareStatement("SELECT count(*) FROM events WHERE device_id = ? AND name = ?")) {
      query.setString(1, deviceId);
      query.setString(2, name);
      try (ResultSet row = query.executeQuery()) {
        row.next();
        return row.getLong(1);
      }
    }
  }

  /**
   * Stops the node exactly as SIGTERM does (the shutdown hook calls the same method), then fails if
   * any event loop was blocked while it ran.
   */
  @Override
  public void close() {
    synchronized (this) {
      if (deviceVertx != null) {
        deviceVertx.close();
      }
    }
    String drift = connectivityDrift();
    node.stop();
    BlockedEventLoops.assertNone();
    if (drift != null) {
      throw new AssertionError(drift);
    }
  }

  /**
   * Whatever a test did, every device has its device_connectivity row with the device's own product_id
   * (V24): a description of the first device that does not, or null. Null too when the database is
   * not there to ask (a test that stopped it).
   */
  private String connectivityDrift() {
    try {
      return query("""
          SELECT 'device_connectivity out of step with devices: ' || coalesce(d.id, c.device_id)
                 || ' in product ' || coalesce(d.product_id::text, 'none') || ', its copy ' || coalesce(c.product_id::text, 'none')
          FROM devices d FULL JOIN device_connectivity c ON c.device_id = d.id
          WHERE d.id IS NULL OR c.device_id IS NULL OR c.product_id IS DISTINCT FROM d.product_id LIMIT 1""");
    } catch (SQLException | RuntimeException e) {
      return null;
    }
  }

  /** Polls until {@code condition} holds: for state the node writes in batches. */
  public static void eventually(Duration timeout, BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + timeout + ": " + what);
      }
      Thread.sleep(20);
    }
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + httpPort() + path);
  }

  public record DeviceIdentity(String id, String secret) {
  }
}
