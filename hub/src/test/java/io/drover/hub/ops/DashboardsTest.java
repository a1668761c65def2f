package io.drover.hub.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.drover.hub.support.SseClient;
import io.drover.hub.support.TestDevice;
import io.drover.hub.support.TestNode;
import io.drover.hub.support.TestNode.DeviceIdentity;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The dashboards ({@code dashboards/grafana/*.json}) and alert rules ({@code dashboards/alerts.yml})
 * against Debian's real Prometheus scraping a real node: every expression must parse, and every metric
 * it names must be one the node exports once it has had some traffic. Also runs promtool's checks and
 * unit tests of the rules, and checks the dashboards' JSON as Grafana 10.4 provisions it.
 */
class DashboardsTest {

  private static final Path DASHBOARDS = Path.of("..", "dashboards").toAbsolutePath().normalize();
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  /** Concrete values for the dashboards' template variables, as Grafana substitutes them. */
  private static final Map<String, String> VARIABLES = Map.of(
      "$__rate_interval", "1m", "$__interval", "15s", "$__range", "1h", "$node", ".*", "$product", ".*");

  private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\((.+),\\s*([a-zA-Z_]\\w*)\\)");
  private static final Pattern QUERY_RESULT = Pattern.compile("query_result\\((.+)\\)");

  private static TestNode node;
  private static Process prometheus;
  private static Path work;
  private static String prometheusUrl;
  private static Vertx vertx;
  /** The product the traffic was made in: its series are labelled by its ID. */
  private static int productId;

  @BeforeAll
  static void startNodeAndPrometheus() throws Exception {
    requireBinary("prometheus");
    node = TestNode.start();
    work = Files.createTempDirectory("drover-prometheus");
    Path token = work.resolve("metrics-token");
    Files.writeString(token, node.metricsToken());
    int port = freePort();
    prometheusUrl = "http://127.0.0.1:" + port;
    Path config = work.resolve("prometheus.yml");
    Files.writeString(config, """
        global:
          scrape_interval: 1s
          evaluation_interval: 1s
        rule_files:
          - %s
        scrape_configs:
          - job_name: drover
            metrics_path: /metrics
            authorization:
              type: Bearer
              credentials_file: %s
            static_configs:
              - targets: ["127.0.0.1:%d"]
        """.formatted(DASHBOARDS.resolve("alerts.yml"), token, node.httpPort()));
    prometheus = new ProcessBuilder("prometheus", "--config.file=" + config, "--storage.tsdb.path=" + work.resolve("data"),
        "--web.listen-address=127.0.0.1:" + port)
        .redirectErrorStream(true)
        .redirectOutput(work.resolve("prometheus.log").toFile())
        .start();
    vertx = Vertx.vertx();
    makeTraffic();
    // the JVM's GC timer exists from the first collection on
    System.gc();
    awaitScrape();
  }

  @AfterAll
  static void stop() throws Exception {
    if (prometheus != null) {
      prometheus.destroy();
      if (!prometheus.waitFor(10, TimeUnit.SECONDS)) {
        prometheus.destroyForcibly();
      }
    }
    if (vertx != null) {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
    if (work != null) {
      // Prometheus' data directory: megabytes per run
      try (Stream<Path> files = Files.walk(work)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(file -> file.toFile().delete());
      }
    }
    if (node != null) {
      node.close();
    }
  }

  @Test
  void everyDashboardAndAlertExpressionParsesAndNamesOnlyExportedMetrics() throws Exception {
    Set<String> exported = new HashSet<>();
    JsonArray names = api("/api/v1/label/__name__/values").getJsonArray("data");
    names.forEach(name -> exported.add((String) name));
    assertTrue(exported.contains("drover_events_written_total"), "the node was scraped: " + exported.size() + " names");

    Map<String, String> expressions = new java.util.LinkedHashMap<>();
    for (Path file : dashboardFiles()) {
      JsonObject dashboard = new JsonObject(Files.readString(file));
      for (Object v : dashboard.getJsonObject("templating").getJsonArray("list")) {
        JsonObject variable = (JsonObject) v;
        if ("query".equals(variable.getString("type"))) {
          // label_values(SELECTOR, LABEL) or query_result(EXPRESSION): what Grafana asks Prometheus for
          expressions.put(file.getFileName() + " / variable " + variable.getString("name"), variableExpression(variable));
        }
      }
      for (Object p : dashboard.getJsonArray("panels")) {
        JsonObject panel = (JsonObject) p;
        if ("row".equals(panel.getString("type"))) {
          continue;
        }
        for (Object t : panel.getJsonArray("targets")) {
          JsonObject target = (JsonObject) t;
          expressions.put(file.getFileName() + " / " + panel.getString("title") + " / " + target.getString("refId"),
              substitute(target.getString("expr")));
        }
      }
    }
    List<String> alertNames = new ArrayList<>();
    for (Object g : api("/api/v1/rules").getJsonObject("data").getJsonArray("groups")) {
      for (Object r : ((JsonObject) g).getJsonArray("rules")) {
        JsonObject rule = (JsonObject) r;
        assertEquals("ok", rule.getString("health"), rule.encode());
        alertNames.add(rule.getString("name"));
        expressions.put("alerts.yml / " + rule.getString("name"), rule.getString("query"));
      }
    }
    assertEquals(11, alertNames.size(), "Prometheus loaded every rule of alerts.yml: " + alertNames);
    assertTrue(expressions.size() > 60, "every panel's targets were read: " + expressions.size());

    List<String> problems = new ArrayList<>();
    for (Map.Entry<String, String> entry : expressions.entrySet()) {
      HttpResponse<String> answer = get("/api/v1/query?query=" + URLEncoder.encode(entry.getValue(), StandardCharsets.UTF_8));
      if (answer.statusCode() != 200 || !"success".equals(new JsonObject(answer.body()).getString("status"))) {
        problems.add(entry.getKey() + ": does not evaluate: " + answer.body());
      }
      Set<String> used = PromQlNames.metricNames(entry.getValue());
      if (used.isEmpty()) {
        problems.add(entry.getKey() + ": names no metric: " + entry.getValue());
      }
      for (String name : used) {
        if (!exported.contains(name)) {
          problems.add(entry.getKey() + ": " + name + " is not exported; exported names like it: " + alike(name, exported));
        }
      }
    }
    assertTrue(problems.isEmpty(), String.join("\n", problems));

    // every alert is unit-tested
    String tests = Files.readString(DASHBOARDS.resolve("alerts-test.yml"));
    for (String alert : alertNames) {
      assertTrue(tests.contains("alertname: " + alert), alert + " has no test in alerts-test.yml");
    }
  }

  @Test
  void theExtractorCatchesAMisspelledMetric() {
    Set<String> exported = Set.of("drover_events_written_total", "drover_events_write_latency_seconds_bucket", "up");

    Set<String> names = PromQlNames.metricNames("sum(rate(drover_events_writen_total{job=\"drover\"}[5m]))");

    assertEquals(Set.of("drover_events_writen_total"), names);
    assertFalse(exported.containsAll(names));
  }

  @Test
  void theExtractorSkipsFunctionsKeywordsLabelsAndDurations() {
    Set<String> names = PromQlNames.metricNames(
        "histogram_quantile(0.99, sum by (instance, le) (rate(a_bucket{job=\"drover\", instance=~\"x|y\"}[5m]))) > 1e3"
            + " and on (instance) b offset 5m unless ignoring(reason) sum without (reason) (c:rate5m) > bool 0.5"
            + " or label_replace(d, \"dst\", \"$1\", \"src\", \"(.*)\") * time() - e[1h:1m]");

    assertEquals(new TreeSet<>(Set.of("a_bucket", "b", "c:rate5m", "d", "e")), new TreeSet<>(names));
  }

  @Test
  void promtoolChecksAndUnitTestsTheAlertRules() throws Exception {
    requireBinary("promtool");

    Result check = run("promtool", "check", "rules", DASHBOARDS.resolve("alerts.yml").toString());
    Result tests = run("promtool", "test", "rules", DASHBOARDS.resolve("alerts-test.yml").toString());

    assertEquals(0, check.exit(), check.output());
    assertTrue(check.output().contains("SUCCESS: 11 rules found"), check.output());
    assertEquals(0, tests.exit(), tests.output());
    assertTrue(tests.output().contains("SUCCESS"), tests.output());
  }

  @Test
  void everyDashboardIsProvisionableGrafanaJson() throws Exception {
    List<Path> files = dashboardFiles();
    assertEquals(4, files.size(), files.toString());
    Set<String> uids = new HashSet<>();
    for (Path file : files) {
      JsonObject dashboard = new JsonObject(Files.readString(file));
      String where = file.getFileName().toString();
      assertTrue(dashboard.getString("uid", "").matches("[a-z0-9-]{1,40}"), where + " uid");
      assertTrue(uids.add(dashboard.getString("uid")), where + " uid is unique");
      assertFalse(dashboard.getString("title", "").isBlank(), where + " title");
      assertEquals(39, dashboard.getInteger("schemaVersion"), where + ": Grafana 10.4's schema");
      JsonArray variables = dashboard.getJsonObject("templating").getJsonArray("list");
      JsonObject datasource = variable(variables, "datasource");
      assertEquals("datasource", datasource.getString("type"), where);
      assertEquals("prometheus", datasource.getString("query"), where);
      JsonObject nodeVariable = variable(variables, "node");
      assertEquals("query", nodeVariable.getString("type"), where);
      assertTrue(nodeVariable.getBoolean("multi") && nodeVariable.getBoolean("includeAll"), where);
      assertEquals("${datasource}", nodeVariable.getJsonObject("datasource").getString("uid"), where);

      JsonArray panels = dashboard.getJsonArray("panels");
      assertFalse(panels.isEmpty(), where + " has panels");
      Set<Integer> ids = new HashSet<>();
      for (Object p : panels) {
        JsonObject panel = (JsonObject) p;
        String title = where + " / " + panel.getString("title");
        assertTrue(ids.add(panel.getInteger("id")), title + ": panel id unique");
        assertFalse(panel.getString("title", "").isBlank(), title);
        JsonObject grid = panel.getJsonObject("gridPos");
        if ("row".equals(panel.getString("type"))) {
          // an open row: its panels follow it in the dashboard's list
          assertEquals(24, grid.getInteger("w"), title + " spans the width");
          assertFalse(panel.getBoolean("collapsed"), title + " open");
          continue;
        }
        assertTrue(Set.of("timeseries", "stat").contains(panel.getString("type")), title + " type");
        assertTrue(grid.getInteger("w") > 0 && grid.getInteger("w") <= 24 && grid.getInteger("h") > 0, title + " gridPos");
        assertEquals("${datasource}", panel.getJsonObject("datasource").getString("uid"), title + ": datasource by the variable");
        JsonArray targets = panel.getJsonArray("targets");
        assertFalse(targets.isEmpty(), title + " has targets");
        Set<String> refIds = new HashSet<>();
        for (Object t : targets) {
          JsonObject target = (JsonObject) t;
          assertTrue(refIds.add(target.getString("refId")), title + ": refId unique");
          assertEquals("${datasource}", target.getJsonObject("datasource").getString("uid"), title);
          assertTrue(target.getString("expr").contains("instance=~\"$node\""), title + ": filtered by $node: " + target.getString("expr"));
          assertFalse(substitute(target.getString("expr")).contains("$"), title + ": an unknown variable: " + target.getString("expr"));
        }
      }
    }
    String provider = Files.readString(DASHBOARDS.resolve("grafana/provisioning/dashboards/drover.yml"));
    assertTrue(provider.contains("path: /var/lib/grafana/dashboards/drover"), provider);
    String source = Files.readString(DASHBOARDS.resolve("grafana/provisioning/datasources/drover.yml"));
    assertTrue(source.contains("type: prometheus"), source);
  }

  @Test
  void theFleetDashboardHasAProductVariableNamingProductsByTheirSlugAndAPerProductRowFilteredByIt() throws Exception {
    JsonObject dashboard = new JsonObject(Files.readString(DASHBOARDS.resolve("grafana/fleet.json")));
    JsonObject product = variable(dashboard.getJsonObject("templating").getJsonArray("list"), "product");
    assertEquals("query", product.getString("type"));
    assertTrue(product.getBoolean("multi") && product.getBoolean("includeAll"), "several products, or all");
    assertEquals(".*", product.getString("allValue"), "All takes every product, other included, not the list as loaded");
    assertEquals("${datasource}", product.getJsonObject("datasource").getString("uid"));
    assertEquals(2, product.getInteger("refresh"), "reloaded with the time range: products come and go");
    String expression = variableExpression(product);
    assertTrue(expression.contains("drover_product{job=\"drover\", instance=~\".*\"}"), expression);

    // Grafana lists query_result's series as `{label="value",...} value timestamp` and takes the regex's named groups
    // as each option's value and text: the product's ID, shown by its slug
    Pattern regex = Pattern.compile(product.getString("regex").substring(1, product.getString("regex").length() - 1));
    Map<String, String> options = new java.util.TreeMap<>();
    for (Object r : api("/api/v1/query?query=" + URLEncoder.encode(expression, StandardCharsets.UTF_8)).getJsonObject("data").getJsonArray("result")) {
      JsonObject series = (JsonObject) r;
      List<String> labels = new ArrayList<>();
      series.getJsonObject("metric").forEach(label -> labels.add(label.getKey() + "=\"" + label.getValue() + "\""));
      String line = "{" + String.join(",", labels) + "} " + series.getJsonArray("value").getString(1) + " 1700000000000";
      Matcher option = regex.matcher(line);
      assertTrue(option.find(), line);
      options.put(option.group("value"), option.group("text"));
    }
    assertEquals("dashboards-fleet", options.get(Integer.toString(productId)), "the product with traffic, by its slug: " + options);
    assertEquals("other", options.get("other"), options.toString());

    boolean inRow = false;
    int perProduct = 0;
    for (Object p : dashboard.getJsonArray("panels")) {
      JsonObject panel = (JsonObject) p;
      if ("row".equals(panel.getString("type"))) {
        inRow = "Per product".equals(panel.getString("title"));
        continue;
      }
      if (inRow) {
        perProduct++;
        for (Object t : panel.getJsonArray("targets")) {
          String expr = ((JsonObject) t).getString("expr");
          assertTrue(expr.contains("product=~\"$product\""), panel.getString("title") + ": filtered by $product: " + expr);
        }
      }
    }
    assertTrue(perProduct >= 3, "the Per product row holds the product panels: " + perProduct);
  }

  /** The expression Grafana evaluates for a query variable, its other variables replaced. */
  private static String variableExpression(JsonObject variable) {
    String query = variable.getJsonObject("query").getString("query");
    Matcher labelValues = LABEL_VALUES.matcher(query);
    if (labelValues.matches()) {
      return substitute(labelValues.group(1));
    }
    Matcher queryResult = QUERY_RESULT.matcher(query);
    assertTrue(queryResult.matches(), "variable " + variable.getString("name") + ": label_values(...) or query_result(...): " + query);
    return substitute(queryResult.group(1));
  }

  /**
   * A device of a product publishing over MQTT (QoS 1, so its events are written) and an SSE stream
   * reading them: the product's series ({@code drover_product_*}) once the node has labelled it.
   */
  private static void makeTraffic() throws Exception {
    String owner = node.signUpAndLogIn("dashboards@example.com", "a long enough password");
    productId = new JsonObject(node.post("/v1/products", new JsonObject().put("product", new JsonObject().put("name", "Dashboards Fleet")
        .put("slug", "dashboards-fleet").put("platform_id", 12)).encode(), owner).body()).getJsonObject("product").getInteger("id");
    DeviceIdentity identity = node.provisionDevice();
    assertEquals(200, node.post("/v1/products/" + productId + "/devices", new JsonObject().put("id", identity.id()).encode(), node.adminToken())
        .statusCode());
    // the node labels a product at its next refresh, a second after its fleet changed: its events before then count as other
    TestNode.eventually(Duration.ofSeconds(15), () -> {
      try {
        return node.operations("/metrics").body().contains("drover_product{product=\"" + productId + "\"");
      } catch (Exception e) {
        return false;
      }
    }, "the product labelled");
    try (SseClient stream = SseClient.open(vertx, node.httpPort(), "/v1/devices/events", node.adminToken());
         TestDevice device = TestDevice.connect(vertx, node.mqttPort(), identity.id(), identity.secret()).await(10, TimeUnit.SECONDS)) {
      for (int i = 0; i < 5; i++) {
        device.publishAcknowledged("e/dashboards", Buffer.buffer("event " + i));
      }
      stream.awaitEvent(e -> "dashboards".equals(e.name()), Duration.ofSeconds(10));
    }
  }

  /** Until Prometheus has scraped the node after the traffic and evaluated its rules. */
  private static void awaitScrape() throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      try {
        JsonArray up = api("/api/v1/query?query=" + URLEncoder.encode("up{job=\"drover\"} == 1", StandardCharsets.UTF_8))
            .getJsonObject("data").getJsonArray("result");
        JsonArray written = api("/api/v1/query?query=" + URLEncoder.encode("drover_events_written_total > 0", StandardCharsets.UTF_8))
            .getJsonObject("data").getJsonArray("result");
        String productWritten = "drover_product_events_total{outcome=\"written\", product=\"" + productId + "\"} > 0";
        JsonArray ofProduct = api("/api/v1/query?query=" + URLEncoder.encode(productWritten, StandardCharsets.UTF_8))
            .getJsonObject("data").getJsonArray("result");
        if (!up.isEmpty() && !written.isEmpty() && !ofProduct.isEmpty() && rulesEvaluated()) {
          return;
        }
      } catch (IOException | IllegalStateException notYet) {
        // Prometheus is still starting
      }
      if (System.nanoTime() > deadline || !prometheus.isAlive()) {
        fail("Prometheus did not scrape the node: " + Files.readString(work.resolve("prometheus.log")));
      }
      Thread.sleep(250);
    }
  }

  /** The exported names that share {@code name}'s first two words, to say what was meant. */
  private static Set<String> alike(String name, Set<String> exported) {
    String[] words = name.split("_");
    String prefix = words.length > 1 ? words[0] + "_" + words[1] : name;
    return exported.stream().filter(n -> n.startsWith(prefix)).collect(java.util.stream.Collectors.toCollection(TreeSet::new));
  }

  /** Every rule has been evaluated once (its health is no longer "unknown"). */
  private static boolean rulesEvaluated() throws IOException, InterruptedException {
    JsonArray groups = api("/api/v1/rules").getJsonObject("data").getJsonArray("groups");
    boolean any = false;
    for (Object g : groups) {
      for (Object r : ((JsonObject) g).getJsonArray("rules")) {
        any = true;
        if ("unknown".equals(((JsonObject) r).getString("health"))) {
          return false;
        }
      }
    }
    return any;
  }

  private static String substitute(String expression) {
    String result = expression;
    for (Map.Entry<String, String> variable : VARIABLES.entrySet()) {
      result = result.replace(variable.getKey(), variable.getValue());
    }
    return result;
  }

  private static JsonObject variable(JsonArray variables, String name) {
    return variables.stream().map(JsonObject.class::cast).filter(v -> name.equals(v.getString("name"))).findFirst()
        .orElseThrow(() -> new AssertionError("no template variable " + name));
  }

  private static List<Path> dashboardFiles() throws IOException {
    try (Stream<Path> files = Files.list(DASHBOARDS.resolve("grafana"))) {
      return files.filter(f -> f.toString().endsWith(".json")).sorted().toList();
    }
  }

  private static JsonObject api(String path) throws IOException, InterruptedException {
    HttpResponse<String> answer = get(path);
    if (answer.statusCode() != 200) {
      throw new IllegalStateException(path + ": " + answer.statusCode() + " " + answer.body());
    }
    return new JsonObject(answer.body());
  }

  private static HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return HTTP.send(HttpRequest.newBuilder(URI.create(prometheusUrl + path)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /**
   * bin/test installs Debian's prometheus (and its promtool): in CI a missing binary fails the test;
   * elsewhere it is skipped, saying why.
   */
  private static void requireBinary(String name) {
    boolean found = Stream.of(System.getenv().getOrDefault("PATH", "").split(":"))
        .anyMatch(dir -> Files.isExecutable(Path.of(dir, name)));
    if (!found && System.getenv("CI") != null) {
      fail(name + " is not installed: bin/test installs Debian's prometheus package");
    }
    Assumptions.assumeTrue(found, name + " is not installed (apt-get install prometheus, as bin/test does): the dashboards are not checked");
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private record Result(int exit, String output) {
  }

  private static Result run(String... command) throws Exception {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      fail(String.join(" ", command) + " did not finish");
    }
    return new Result(process.exitValue(), output);
  }
}
