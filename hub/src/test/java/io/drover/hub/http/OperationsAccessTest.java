package io.drover.hub.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.support.TestNode;
import io.drover.hub.support.TestPostgres;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Operations' access: {@code /metrics} and the detail of {@code /health} (node IDs, roles, the
 * database's error text) are for the operator's metrics token only; load balancers still get
 * {@code /health/live} and the UP/DOWN of {@code /health/ready} and {@code /health} without one.
 */
class OperationsAccessTest {

  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private static TestNode node;
  private static String token;

  @BeforeAll
  static void startNode() throws Exception {
    node = TestNode.start();
    Path file = node.dataDir().resolve("metrics-token");
    token = Files.exists(file) ? Files.readString(file).trim() : "no metrics token was made";
  }

  @AfterAll
  static void stopNode() {
    node.close();
  }

  @Test
  void aNewNodeMakesItsMetricsTokenForItsOperatorOnly() throws Exception {
    Path file = node.dataDir().resolve("metrics-token");

    assertTrue(token.matches("[0-9a-f]{64}"), token);
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
  }

  @Test
  void metricsNeedTheMetricsToken() throws Exception {
    assertRefused(get("/metrics", null));
    assertRefused(get("/metrics", "not the token"));
    assertRefused(get("/metrics", node.adminToken()));
    assertRefused(get("/metrics?access_token=" + token, null));

    HttpResponse<String> metrics = get("/metrics", token);
    assertEquals(200, metrics.statusCode());
    assertTrue(metrics.body().contains("drover_cluster_members 1.0"), "Prometheus text");
  }

  @Test
  void healthShowsItsDetailToTheMetricsTokenOnly() throws Exception {
    HttpResponse<String> anyone = get("/health", null);
    assertEquals(200, anyone.statusCode());
    assertEquals(new JsonObject().put("status", "UP"), new JsonObject(anyone.body()));
    assertEquals(new JsonObject().put("status", "UP"), new JsonObject(get("/health/ready", null).body()));
    assertEquals(new JsonObject().put("status", "UP"), new JsonObject(get("/health", "not the token").body()));

    HttpResponse<String> operator = get("/health", token);
    assertEquals(200, operator.statusCode());
    assertTrue(operator.body().contains(node.node().cluster().nodeId()), "the node's ID for its operator: " + operator.body());
    assertTrue(get("/health/ready", token).body().contains("\"database\""), "the checks for its operator");
  }

  @Test
  void liveAnswersEveryone() throws Exception {
    HttpResponse<String> live = get("/health/live", null);

    assertEquals(200, live.statusCode());
    assertEquals(new JsonObject().put("status", "UP"), new JsonObject(live.body()));
  }

  /** The database refuses connections: a load balancer learns DOWN, only the operator why. */
  @Test
  void aDatabaseFailureIsToldWithoutItsTextToAnyone() throws Exception {
    String database = node.query("SELECT current_database()");
    String server = "postgresql://postgres@localhost:" + node.query("SHOW port") + "/postgres";
    try (Connection admin = TestPostgres.connect(server); Statement sql = admin.createStatement()) {
      sql.execute("ALTER DATABASE " + database + " ALLOW_CONNECTIONS false");
      try {
        sql.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + database + "'");
        TestNode.eventually(Duration.ofSeconds(20), () -> status("/health/ready") == 503, "the database check down");

        HttpResponse<String> anyone = get("/health/ready", null);
        assertEquals(new JsonObject().put("status", "DOWN"), new JsonObject(anyone.body()));
        assertFalse(anyone.body().contains("accepting connections"), anyone.body());
        assertEquals(503, get("/health", null).statusCode());
        HttpResponse<String> operator = get("/health", token);
        assertEquals(503, operator.statusCode());
        assertTrue(operator.body().contains("not currently accepting connections"), "the cause for the operator: " + operator.body());
      } finally {
        sql.execute("ALTER DATABASE " + database + " ALLOW_CONNECTIONS true");
      }
    }
    TestNode.eventually(Duration.ofSeconds(20), () -> status("/health/ready") == 200, "the database check up again");
  }

  @Test
  void anOperatorsTokenFileIsUsedAndMetricsAuthNoneOpensThem() throws Exception {
    Path file = Files.createTempFile("drover-metrics", ".token");
    Files.writeString(file, "an operator's own metrics token, long enough\n");
    try (TestNode own = TestNode.start("--metrics.token-file=" + file)) {
      assertEquals(401, get(own, "/metrics", null).statusCode());
      assertEquals(401, get(own, "/metrics", token).statusCode(), "another node's token");
      assertEquals(200, get(own, "/metrics", "an operator's own metrics token, long enough").statusCode());
      assertFalse(Files.exists(own.dataDir().resolve("metrics-token")), "no token of its own made");
    }
    try (TestNode open = TestNode.start("--metrics.auth=none")) {
      assertEquals(200, get(open, "/metrics", null).statusCode());
      assertTrue(get(open, "/health", null).body().contains("\"checks\""), "the detail for anyone, as asked");
      assertFalse(Files.exists(open.dataDir().resolve("metrics-token")));
    }
  }

  private static int status(String path) {
    try {
      return get(path, null).statusCode();
    } catch (Exception e) {
      return -1;
    }
  }

  private static HttpResponse<String> get(String path, String bearer) throws Exception {
    return get(node, path, bearer);
  }

  private static HttpResponse<String> get(TestNode target, String path, String bearer) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + target.httpPort() + path))
        .timeout(Duration.ofSeconds(10)).GET();
    if (bearer != null) {
      request.header("Authorization", "Bearer " + bearer);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static void assertRefused(HttpResponse<String> response) {
    assertEquals(401, response.statusCode(), response.body());
    assertEquals(false, new JsonObject(response.body()).getBoolean("ok"), "the API's error shape");
    assertFalse(response.body().contains("drover_"), "no metric in the refusal");
  }
}
