package io.drover.hub.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.support.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every route the node serves, against every kind of caller, from the table in
 * {@code authorization-matrix.txt}: a route the router has and the table lacks fails the build, and so
 * does a table line for a route that is gone. A caller the table does not allow must get 401, 403 or
 * 404 with the API's error JSON (never data, never a validation answer that tells the route exists
 * for them); a caller it allows must not get 401 or 403, and its 2xx answers must not show another
 * tenant's device IDs, private event data or customers (streams excepted: their status only). Routes marked {@code destructive} (they would
 * remove the fixture the other lines need) are checked for the callers they refuse only.
 *
 * <p>The callers: nobody, an outsider account, the owner of a personal device, the four roles of a
 * product's team, an API user of that product with every read scope and six more with one write scope
 * each (one per write permission), a customer of that product, and the node's administrator.
 *
 * <p>Run with {@code -Dmatrix.print=true} to print what every caller gets, to write a new line.
 */
class AuthorizationMatrixTest {

  /**
   * The product's API users beyond the reader: each holds one write scope, and so reads the product and
   * has exactly one write permission (see ApiUserScopes: a scope grants a permission, which routes ask for).
   */
  private static final Map<String, String> SCOPED_API_USERS = new LinkedHashMap<>();

  static {
    SCOPED_API_USERS.put("api_operate", "devices.function:call");
    SCOPED_API_USERS.put("api_fleet", "devices:import");
    SCOPED_API_USERS.put("api_firmware", "firmware:create");
    SCOPED_API_USERS.put("api_customers", "customers:create");
    SCOPED_API_USERS.put("api_settings", "products:update");
    SCOPED_API_USERS.put("api_team", "teams.users:invite");
  }

  private static final List<String> CALLERS = List.of("anonymous", "outsider", "customer", "api_user", "api_operate", "api_fleet",
      "api_firmware", "api_customers", "api_settings", "api_team", "view_only", "support", "developer", "administrator", "owner",
      "node_admin");
  private static final List<String> API_USERS = List.of("api_user", "api_operate", "api_fleet", "api_firmware", "api_customers",
      "api_settings", "api_team");
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private static final Set<Integer> REFUSED = Set.of(401, 403, 404);

  private static TestNode node;
  private static final Map<String, String> TOKENS = new LinkedHashMap<>();
  private static final Map<String, String> PARAMETERS = new LinkedHashMap<>();

  @BeforeAll
  static void world() throws Exception {
    node = TestNode.start();
    node.signUpAndLogIn("first@matrix.example", "the first account's password");
    TOKENS.put("anonymous", null);
    TOKENS.put("node_admin", node.adminToken());
    for (String caller : List.of("outsider", "owner", "administrator", "developer", "support", "view_only")) {
      TOKENS.put(caller, node.signUpAndLogIn(caller.replace('_', '-') + "@matrix.example", "the password of " + caller));
    }
    JsonObject product = ok(node.post("/v1/products", new JsonObject().put("product", new JsonObject()
        .put("name", "Matrix Lamp").put("platform_id", 12)).encode(), TOKENS.get("administrator")), 200, 201)
        .getJsonObject("product");
    String productId = String.valueOf(product.getValue("id"));
    PARAMETERS.put("productIdOrSlug", productId);
    PARAMETERS.put("product", productId);
    for (String role : List.of("developer", "support", "view_only")) {
      node.execute("INSERT INTO product_members (product_id, user_id, role) SELECT " + productId + ", id, '" + role
          + "' FROM users WHERE username = '" + role.replace('_', '-') + "@matrix.example'");
    }
    JsonArray readScopes = new JsonArray(List.of("devices:list", "devices:get", "devices.variable:get", "events:get", "firmware:list",
        "firmware:get", "groups:list", "groups:get", "customers:list", "customers:get", "teams.users:list", "products:get",
        "configuration:get"));
    JsonObject apiUser = ok(node.post("/v1/products/" + productId + "/team",
        new JsonObject().put("friendly_name", "Matrix reader").put("scopes", readScopes).encode(), TOKENS.get("administrator")), 201)
        .getJsonObject("created");
    TOKENS.put("api_user", apiUser.getJsonArray("tokens").getJsonObject(0).getString("token"));
    for (Map.Entry<String, String> scoped : SCOPED_API_USERS.entrySet()) {
      JsonObject made = ok(node.post("/v1/products/" + productId + "/team",
          new JsonObject().put("friendly_name", "Matrix " + scoped.getKey()).put("scopes", new JsonArray().add(scoped.getValue())).encode(),
          TOKENS.get("administrator")), 201).getJsonObject("created");
      TOKENS.put(scoped.getKey(), made.getJsonArray("tokens").getJsonObject(0).getString("token"));
    }
    JsonObject client = ok(node.post("/v1/products/" + productId + "/clients",
        new JsonObject().put("name", "Matrix app").put("type", "installed").encode(), TOKENS.get("administrator")), 201)
        .getJsonObject("client");
    PARAMETERS.put("clientId", client.getString("id"));
    HttpResponse<String> customer = node.postForm("/v1/products/" + productId + "/customers",
        Map.of("email", "customer@matrix.example", "password", "the customer's password"), client.getString("id") + ":" + client.getString("secret"));
    TOKENS.put("customer", ok(customer, 200).getString("access_token"));
    PARAMETERS.put("email", "customer@matrix.example");
    PARAMETERS.put("username", "view-only@matrix.example");

    TestNode.DeviceIdentity personal = node.provisionDevice();
    node.claim(personal.id(), TOKENS.get("owner"));
    TestNode.DeviceIdentity productDevice = node.provisionDevice();
    ok(node.post("/v1/products/" + productId + "/devices", new JsonObject().put("id", productDevice.id()).encode(), TOKENS.get("node_admin")),
        200, 201);
    PARAMETERS.put("personalDevice", personal.id());
    PARAMETERS.put("productDevice", productDevice.id());
    PARAMETERS.put("variable", "temperature");
    PARAMETERS.put("function", "led");
    PARAMETERS.put("version", "1");
    PARAMETERS.put("rollout", "1");
    PARAMETERS.put("group", "beta");
    // a certificate fingerprint no one registered: the routes that take one answer 404 to those they let in
    PARAMETERS.put("fingerprint", "00".repeat(32));
    // the owner's second token, which no one else may revoke
    PARAMETERS.put("token", node.logIn("owner@matrix.example", "the password of owner"));
    JsonObject ownerClient = ok(node.post("/v1/clients", new JsonObject().put("name", "Owner's script").put("type", "installed").encode(),
        TOKENS.get("owner")), 200, 201);
    PARAMETERS.put("id", ownerClient.getJsonObject("client").getString("id"));

    // what each tenant has that the others must never be shown: its devices' IDs (also as the coreid
    // of their events) and a private event's data
    String ownerId = node.query("SELECT id FROM users WHERE username = 'owner@matrix.example'");
    node.execute("INSERT INTO events (device_id, name, data, published_at, ttl, public, owner_id) VALUES ('" + personal.id()
        + "', 'matrix/reading', '" + OWNER_MARKER + "', now(), 60, false, " + ownerId + ")");
    node.execute("INSERT INTO events (device_id, name, data, published_at, ttl, public, product_id) VALUES ('" + productDevice.id()
        + "', 'matrix/reading', '" + PRODUCT_MARKER + "', now(), 60, false, " + productId + ")");
    ok(node.post("/v1/devices/events", new JsonObject().put("name", "matrix/note").put("data", OUTSIDER_MARKER).put("private", true).encode(),
        TOKENS.get("outsider")), 200);
    for (String caller : CALLERS) {
      FOREIGN.put(caller, new LinkedHashSet<>());
    }
    for (String caller : CALLERS) {
      if (!caller.equals("owner") && !caller.equals("node_admin")) {
        FOREIGN.get(caller).addAll(List.of(personal.id(), OWNER_MARKER));
      }
      if (!caller.equals("outsider") && !caller.equals("node_admin")) {
        FOREIGN.get(caller).add(OUTSIDER_MARKER);
      }
    }
    for (String caller : List.of("anonymous", "outsider", "customer", "owner")) {
      FOREIGN.get(caller).addAll(List.of(productDevice.id(), PRODUCT_MARKER));
    }
    for (String caller : List.of("anonymous", "outsider", "owner")) {
      FOREIGN.get(caller).add("customer@matrix.example");
    }

    // SIMs: one of the owner's account in the personal device, one of the product in the product's device
    String personalIccid = "89440000000000000010";
    String productIccid = "89440000000000000028";
    ok(node.post("/v1/sims", new JsonObject().put("sims", new JsonArray().add(new JsonObject().put("iccid", personalIccid)
        .put("device_id", personal.id()))).encode(), TOKENS.get("owner")), 200);
    ok(node.post("/v1/products/" + productId + "/sims", new JsonObject().put("sims", new JsonArray().add(new JsonObject().put("iccid", productIccid)
        .put("device_id", productDevice.id()))).encode(), TOKENS.get("administrator")), 200);
    PARAMETERS.put("personalIccid", personalIccid);
    PARAMETERS.put("productIccid", productIccid);
    for (String caller : CALLERS) {
      if (!caller.equals("owner") && !caller.equals("node_admin")) {
        FOREIGN.get(caller).add(personalIccid);
      }
    }
    for (String caller : List.of("anonymous", "outsider", "customer", "owner")) {
      FOREIGN.get(caller).add(productIccid);
    }

    // an integration of the owner's sandbox, and one of the product
    JsonObject hook = new JsonObject().put("event", "matrix").put("url", "https://203.0.113.7/matrix");
    PARAMETERS.put("personalIntegration", ok(node.post("/v1/webhooks", hook.encode(), TOKENS.get("owner")), 201).getString("id"));
    PARAMETERS.put("productIntegration", ok(node.post("/v1/products/" + productId + "/integrations", hook.encode(),
        TOKENS.get("administrator")), 201).getString("id"));
  }

  private static final String OWNER_MARKER = "owner-private-reading-5b1e";
  private static final String PRODUCT_MARKER = "product-private-reading-9c2d";
  private static final String OUTSIDER_MARKER = "outsider-private-note-3f7a";
  /** What each caller must never find in an answer it is allowed (the node's administrator may see all). */
  private static final Map<String, Set<String>> FOREIGN = new LinkedHashMap<>();

  @AfterAll
  static void stop() {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void everyRouteAnswersEveryCallerAsTheTableSays() throws Exception {
    Map<String, Line> table = table();
    List<String> routes = node.node().httpRoutes();
    assertEquals(new TreeSet<>(table.keySet()), new TreeSet<>(routes),
        "authorization-matrix.txt must have one line for each route the node serves, and no other");
    boolean print = Boolean.getBoolean("matrix.print");
    List<String> wrong = new ArrayList<>();
    List<Line> ordered = new ArrayList<>();
    table.values().stream().filter(line -> !line.destructive).forEach(ordered::add);
    table.values().stream().filter(line -> line.destructive).forEach(ordered::add);
    for (Line line : ordered) {
      StringBuilder seen = new StringBuilder(line.route);
      for (String caller : CALLERS) {
        boolean allowed = line.allowed.contains(caller);
        if (allowed && line.destructive && !print) {
          continue;
        }
        Answer answer = call(line.route, TOKENS.get(caller));
        seen.append("  ").append(caller).append('=').append(answer.status);
        if (allowed && REFUSED_FOR_ALLOWED.contains(answer.status)) {
          wrong.add(line.route + ": " + caller + " is allowed but got " + answer.status + " " + answer.head);
        } else if (allowed && answer.status / 100 == 2) {
          for (String foreign : FOREIGN.get(caller)) {
            if (answer.body.contains(foreign)) {
              wrong.add(line.route + ": " + caller + " was shown another tenant's " + foreign);
            }
          }
        } else if (!allowed && !(REFUSED.contains(answer.status) && (answer.isApiError() || line.route.startsWith("HEAD ")))) {
          // a HEAD answer has no body (RFC 9110 section 9.3.2): its status is all it says
          wrong.add(line.route + ": " + caller + " is not allowed but got " + answer.status + " " + answer.head);
        }
      }
      if (print) {
        System.out.println("MATRIX " + seen);
      }
    }
    assertEquals(List.of(), wrong);
  }

  /** The markers the leak check looks for are where they belong, so that its silence means something. */
  @Test
  void eachTenantSeesItsOwnMarkers() throws Exception {
    assertTrue(call("GET /v1/history/events", TOKENS.get("owner")).body.contains(OWNER_MARKER));
    assertTrue(call("GET /v1/history/events", TOKENS.get("outsider")).body.contains(OUTSIDER_MARKER));
    assertTrue(call("GET /v1/products/:productIdOrSlug/history/events", TOKENS.get("view_only")).body.contains(PRODUCT_MARKER));
    assertTrue(call("GET /v1/products/:productIdOrSlug/devices", TOKENS.get("view_only")).body.contains(PARAMETERS.get("productDevice")));
    assertTrue(call("GET /v1/devices", TOKENS.get("owner")).body.contains(PARAMETERS.get("personalDevice")));
  }

  private static final Set<Integer> REFUSED_FOR_ALLOWED = Set.of(401, 403);

  private record Line(String route, Set<String> allowed, boolean destructive) {
  }

  /** @param head the first 300 characters of the body; body: all of it up to 1 MiB (nothing of a stream) */
  private record Answer(int status, String head, String body) {
    boolean isApiError() {
      try {
        JsonObject body = new JsonObject(head);
        return body.containsKey("error");
      } catch (RuntimeException notJson) {
        return false;
      }
    }
  }

  private static Map<String, Line> table() throws IOException {
    Map<String, Line> lines = new LinkedHashMap<>();
    try (InputStream in = Objects.requireNonNull(AuthorizationMatrixTest.class.getResourceAsStream("/authorization-matrix.txt"))) {
      for (String raw : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        String text = raw.strip();
        if (text.isEmpty() || text.startsWith("#")) {
          continue;
        }
        String[] columns = text.split("\\s+");
        String route = columns[0] + " " + columns[1];
        Set<String> allowed = new LinkedHashSet<>();
        boolean destructive = false;
        for (int i = 2; i < columns.length; i++) {
          for (String name : columns[i].split(",")) {
            switch (name) {
              case "none" -> { }
              case "destructive" -> destructive = true;
              case "everyone" -> allowed.addAll(CALLERS);
              case "signed_in" -> CALLERS.stream().filter(c -> !c.equals("anonymous")).forEach(allowed::add);
              case "people" -> allowed.addAll(List.of("outsider", "view_only", "support", "developer", "administrator", "owner", "node_admin"));
              case "team" -> allowed.addAll(List.of("view_only", "support", "developer", "administrator"));
              case "readers" -> {
                allowed.addAll(List.of("view_only", "support", "developer", "administrator", "node_admin"));
                allowed.addAll(API_USERS);
              }
              case "api_users" -> allowed.addAll(API_USERS);
              case "builders" -> allowed.addAll(List.of("developer", "administrator", "node_admin"));
              case "operators" -> allowed.addAll(List.of("support", "developer", "administrator", "node_admin"));
              case "admins" -> allowed.addAll(List.of("administrator", "node_admin"));
              default -> {
                if (!CALLERS.contains(name)) {
                  throw new IllegalStateException("authorization-matrix.txt: no caller " + name + " in " + text);
                }
                allowed.add(name);
              }
            }
          }
        }
        if (lines.put(route, new Line(route, allowed, destructive)) != null) {
          throw new IllegalStateException("authorization-matrix.txt: two lines for " + route);
        }
      }
    }
    return lines;
  }

  /** Calls the route with its parameters filled from the fixture; streams are closed once their status is in. */
  private static Answer call(String route, String token) throws IOException, InterruptedException {
    int space = route.indexOf(' ');
    String method = route.substring(0, space);
    String path = path(route.substring(space + 1));
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.httpPort() + path))
        .timeout(Duration.ofSeconds(20));
    if (method.equals("GET") || method.equals("DELETE") || method.equals("HEAD")) {
      request.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      request.method(method, HttpRequest.BodyPublishers.ofString("{}")).header("Content-Type", "application/json");
    }
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    HttpResponse<InputStream> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
    try (InputStream body = response.body()) {
      String contentType = response.headers().firstValue("Content-Type").orElse("");
      String all = contentType.startsWith("text/event-stream") ? "(stream)" : new String(body.readNBytes(1 << 20), StandardCharsets.UTF_8);
      return new Answer(response.statusCode(), all.substring(0, Math.min(300, all.length())), all);
    }
  }

  private static String path(String template) {
    if (template.startsWith("~")) {
      return "/login";
    }
    boolean product = template.startsWith("/v1/products/");
    StringBuilder path = new StringBuilder();
    for (String segment : template.split("/", -1)) {
      if (!path.isEmpty() || !segment.isEmpty()) {
        path.append('/');
      }
      if (segment.startsWith(":")) {
        String name = segment.substring(1);
        String value = name.equals("device") || name.equals("deviceId")
            ? PARAMETERS.get(product ? "productDevice" : "personalDevice")
            : name.equals("integrationId") ? PARAMETERS.get(product ? "productIntegration" : "personalIntegration")
            : name.equals("iccid") ? PARAMETERS.get(product ? "productIccid" : "personalIccid")
            : PARAMETERS.get(name);
        if (value == null) {
          throw new IllegalStateException("the matrix has no value for the path parameter " + name + " of " + template);
        }
        path.append(value);
      } else {
        path.append(segment);
      }
    }
    String filled = path.toString();
    // a wildcard route ends in '/': give it a name to match
    return filled.endsWith("/") && filled.length() > 1 ? filled + "matrix" : filled;
  }

  private static JsonObject ok(HttpResponse<String> response, int... statuses) {
    for (int status : statuses) {
      if (response.statusCode() == status) {
        return new JsonObject(response.body());
      }
    }
    throw new IllegalStateException("fixture step failed: " + response.statusCode() + " " + response.body());
  }
}
