package io.drover.hub.support;

import io.drover.hub.launcher.Node;
import io.drover.hub.launcher.NodeConfig;
import io.vertx.core.VertxOptions;
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

  private final Node node;
  private final String adminToken;
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
    return startWith(Files.createTempDirectory("drover-member"), all);
  }

  public Node node() {
    return node;
  }

  /** A node on its own fresh database in the shared test PostgreSQL. */
  public static TestNode start(String... extraFlags) throws IOException {
    List<String> flags = new ArrayList<>(List.of("--database.url=" + TestPostgres.newDatabase()));
    flags.addAll(List.of(extraFlags));
    return startWith(Files.createTempDirectory("drover-test"), flags);
  }

  /** A node with the default storage: the embedded PostgreSQL in {@code dataDir}. */
  public static TestNode startEmbedded(Path dataDir, String... extraFlags) throws IOException {
    return startWith(dataDir, List.of(extraFlags));
  }

  private static TestNode startWith(Path dataDir, List<String> extraFlags) throws IOException {
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
    return new TestNode(Node.start(NodeConfig.from(flags, Map.of()), strict));
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

  public String logIn(String username, String password) throws IOException, InterruptedException {
    HttpResponse<String> token = postForm("/oauth/token", Map.of("grant_type", "password", "username", username, "password", password,
        "client_id", "particle-api", "client_secret", "particle-api"), null);
    if (token.statusCode() != 200) {
      throw new IllegalStateException("login failed: " + token.statusCode() + " " + token.body());
    }
    return new JsonObject(token.body()).getString("access_token");
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
             "SELECT online, last_heard, last_handshake_at, last_ip_address FROM devices WHERE id = ?")) {
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
    node.stop();
    BlockedEventLoops.assertNone();
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
