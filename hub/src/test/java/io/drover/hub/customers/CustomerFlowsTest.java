package io.drover.hub.customers;

import static io.drover.hub.customers.ProductFixture.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.drover.hub.support.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The three ways a product's customers get in, end to end over real HTTP: simple auth (a customer
 * made with the product's client, then a password log-in), two-legged auth (the product's server makes
 * a customer without a password and asks for its token), and Login with Drover (the authorization-code
 * redirect through the consent endpoints to a real web app's redirect URI, and the code's exchange).
 * Each product accepts only the method its authentication setting names.
 */
class CustomerFlowsTest {

  private static final String OWNER = "owner@flows.example";
  private static final String PASSWORD = "owner's password";
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private static TestNode node;
  private static String owner;

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.start();
    owner = node.signUpAndLogIn(OWNER, PASSWORD);
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @Test
  void simpleAuthMakesCustomersWithTheProductsClientAndLogsThemIn() throws Exception {
    ProductFixture product = ProductFixture.create(node, "simple-lamp", OWNER, owner, "{}");
    JsonObject client = product.client("installed", null);
    String basic = client.getString("id") + ":" + client.getString("secret");

    HttpResponse<String> made = node.postForm("/v1/products/simple-lamp/customers",
        Map.of("email", "Carol@Example.com", "password", "carol's password"), basic);
    assertEquals(200, made.statusCode(), made.body());
    JsonObject grant = new JsonObject(made.body());
    assertEquals("bearer", grant.getString("token_type"));
    assertEquals("customer=carol@example.com", grant.getString("scope"));
    assertNotNull(grant.getString("refresh_token"));
    assertEquals("carol@example.com", new JsonObject(node.get("/v1/user", grant.getString("access_token")).body()).getString("username"));
    assertEquals("[]", node.get("/v1/devices", grant.getString("access_token")).body(), "a new customer owns nothing");

    HttpResponse<String> login = node.postForm("/oauth/token",
        Map.of("grant_type", "password", "username", "carol@example.com", "password", "carol's password"), basic);
    assertEquals(200, login.statusCode(), login.body());
    String token = new JsonObject(login.body()).getString("access_token");
    assertEquals(200, node.get("/v1/devices", token).statusCode());
    HttpResponse<String> refreshed = node.postForm("/oauth/token",
        Map.of("grant_type", "refresh_token", "refresh_token", new JsonObject(login.body()).getString("refresh_token")), basic);
    assertEquals(200, refreshed.statusCode(), "a customer's refresh token works with its client: " + refreshed.body());

    assertError(node.postForm("/oauth/token", Map.of("grant_type", "password", "username", "carol@example.com", "password", "wrong password"),
        basic), 400, "invalid_grant");
    assertError(node.postForm("/oauth/token", Map.of("grant_type", "password", "username", OWNER, "password", PASSWORD), basic),
        400, "invalid_grant"); // a product's client logs in its customers, not people
    assertError(node.postForm("/oauth/token", Map.of("grant_type", "password", "username", "carol@example.com", "password",
        "carol's password", "client_id", "particle-api", "client_secret", "particle-api"), null), 400, "invalid_grant");
    assertError(node.postForm("/v1/products/simple-lamp/customers", Map.of("email", "carol@example.com", "password", "another one"), basic),
        400, "customer_exists");
    assertError(node.postForm("/v1/products/simple-lamp/customers", Map.of("email", "dave@example.com", "password", "short"), basic),
        400, "invalid_request");
    assertError(node.postForm("/v1/products/simple-lamp/customers", Map.of("email", "not-an-email", "password", "long enough"), basic),
        400, "invalid_request");
    assertError(node.postForm("/v1/products/simple-lamp/customers", Map.of("email", "dave@example.com", "password", "long enough"),
        client.getString("id") + ":wrong"), 401, "invalid_client");
    assertError(node.postForm("/v1/products/simple-lamp/customers", Map.of("email", "dave@example.com", "password", "long enough"),
        "particle-api:particle-api"), 401, "invalid_client");

    HttpResponse<String> twoLegged = node.postForm("/v1/products/simple-lamp/customers",
        Map.of("email", "dave@example.com", "no_password", "true"), basic);
    assertError(twoLegged, 403, "forbidden");
    assertTrue(twoLegged.body().contains("\\\"simple\\\"") && twoLegged.body().contains("authentication setting"),
        "the refusal names the setting: " + twoLegged.body());
    HttpResponse<String> scoped = node.postForm("/oauth/token",
        Map.of("grant_type", "client_credentials", "scope", "customer=carol@example.com"), basic);
    assertError(scoped, 400, "unauthorized_client");
    assertTrue(scoped.body().contains("authentication setting"), scoped.body());

    ProductFixture other = ProductFixture.create(node, "other-lamp", OWNER, owner, "{}");
    JsonObject othersClient = other.client("installed", null);
    assertError(node.postForm("/v1/products/simple-lamp/customers", Map.of("email", "erin@example.com", "password", "long enough"),
        othersClient.getString("id") + ":" + othersClient.getString("secret")), 403, "forbidden");
    assertError(node.postForm("/oauth/token", Map.of("grant_type", "password", "username", "carol@example.com", "password",
        "carol's password"), othersClient.getString("id") + ":" + othersClient.getString("secret")), 400, "invalid_grant");
    assertEquals(200, node.postForm("/v1/products/" + other.id + "/customers", Map.of("email", "carol@example.com", "password",
        "carol elsewhere"), othersClient.getString("id") + ":" + othersClient.getString("secret")).statusCode(),
        "an email is unique within a product, not across products");
  }

  @Test
  void twoLeggedAuthMakesPasswordlessCustomersAndScopedTokens() throws Exception {
    ProductFixture product = ProductFixture.create(node, "two-legged-lamp", OWNER, owner, "{\"authentication\":\"two_legged\"}");
    JsonObject client = product.client("installed", null);
    // client credentials as form fields this time, as a server without Basic auth sends them
    HttpResponse<String> made = node.postForm("/v1/products/" + product.id + "/customers", Map.of("email", "frank@example.com",
        "no_password", "true", "client_id", client.getString("id"), "client_secret", client.getString("secret")), null);
    assertEquals(200, made.statusCode(), made.body());

    HttpResponse<String> scoped = node.postForm("/oauth/token", Map.of("grant_type", "client_credentials", "scope",
        "customer=frank@example.com", "client_id", client.getString("id"), "client_secret", client.getString("secret")), null);
    assertEquals(200, scoped.statusCode(), scoped.body());
    String token = new JsonObject(scoped.body()).getString("access_token");
    assertEquals("frank@example.com", new JsonObject(node.get("/v1/user", token).body()).getString("username"));
    assertEquals("customer=frank@example.com", node.query("SELECT scope FROM access_tokens ORDER BY created_at DESC LIMIT 1"));

    String basic = client.getString("id") + ":" + client.getString("secret");
    assertError(node.postForm("/oauth/token", Map.of("grant_type", "client_credentials", "scope", "customer=nobody@example.com"), basic),
        400, "invalid_grant");
    assertError(node.postForm("/oauth/token", Map.of("grant_type", "client_credentials"), basic), 400, "invalid_scope");
    HttpResponse<String> withPassword = node.postForm("/v1/products/" + product.id + "/customers",
        Map.of("email", "gina@example.com", "password", "gina's password"), basic);
    assertError(withPassword, 403, "forbidden");
    assertTrue(withPassword.body().contains("two_legged"), withPassword.body());
    assertError(node.postForm("/oauth/token", Map.of("grant_type", "password", "username", "frank@example.com", "password", "anything at all"),
        basic), 400, "unauthorized_client");
  }

  @Test
  void loginWithDroverRedirectsWithACodeThatBuysOneCustomerToken() throws Exception {
    BlockingQueue<Map<String, String>> arrivals = new ArrayBlockingQueue<>(10);
    HttpServer app = webApp(arrivals);
    try {
      String redirectUri = "http://127.0.0.1:" + app.getAddress().getPort() + "/callback";
      ProductFixture product = ProductFixture.create(node, "oauth-lamp", OWNER, owner, "{\"authentication\":\"oauth\"}");
      JsonObject client = product.client("web", redirectUri);
      String basic = client.getString("id") + ":" + client.getString("secret");
      String person = node.signUpAndLogIn("hana@example.com", "hana's password");
      node.verifyEmail(person); // the app will know her by it (EmailVerificationTest)
      String authorize = "/oauth/authorize?response_type=code&client_id=" + client.getString("id") + "&redirect_uri="
          + URLEncoder.encode(redirectUri, StandardCharsets.UTF_8) + "&state=xyz%20123";

      // the browser lands on the consent page (the Console's), which asks what to show
      HttpResponse<String> page = node.get(authorize, null);
      assertEquals(200, page.statusCode());
      assertTrue(page.headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
      HttpResponse<String> details = node.get(authorize.replace("/oauth/authorize?", "/oauth/authorize/details?"), person);
      assertEquals(200, details.statusCode(), details.body());
      JsonObject asked = new JsonObject(details.body());
      assertEquals("Product oauth-lamp", asked.getJsonObject("product").getString("name"));
      assertEquals("App web", asked.getJsonObject("client").getString("name"));
      assertEquals("hana@example.com", asked.getString("account"));

      // Allow: the page posts the decision and follows the redirect it is given
      JsonObject decision = new JsonObject().put("decision", "allow").put("client_id", client.getString("id"))
          .put("redirect_uri", redirectUri).put("state", "xyz 123").put("consent_token", asked.getString("consent_token"));
      HttpResponse<String> allowed = node.post("/oauth/authorize", decision.encode(), person);
      assertEquals(200, allowed.statusCode(), allowed.body());
      HttpResponse<String> landed = HTTP.send(HttpRequest.newBuilder(URI.create(new JsonObject(allowed.body()).getString("redirect_to"))).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals("signed in", landed.body());
      Map<String, String> callback = arrivals.poll(5, TimeUnit.SECONDS);
      assertEquals("xyz 123", callback.get("state"));
      String code = callback.get("code");
      assertNotNull(code);

      // the web app's server exchanges the code for the customer's token
      assertError(node.postForm("/oauth/token", Map.of("grant_type", "authorization_code", "code", code, "redirect_uri",
          redirectUri + "/elsewhere"), basic), 400, "invalid_grant");
      // that try spent the code (RFC 6749 section 10.5): get another
      code = allowAndGetCode(person, client, redirectUri, arrivals);
      HttpResponse<String> exchanged = node.postForm("/oauth/token", Map.of("grant_type", "authorization_code", "code", code,
          "redirect_uri", redirectUri), basic);
      assertEquals(200, exchanged.statusCode(), exchanged.body());
      String customerToken = new JsonObject(exchanged.body()).getString("access_token");
      assertEquals("hana@example.com", new JsonObject(node.get("/v1/user", customerToken).body()).getString("username"));
      assertEquals("customer", node.query("SELECT kind FROM access_tokens t JOIN users u ON u.id = t.user_id WHERE t.client_id = '"
          + client.getString("id") + "'"));
      assertError(node.postForm("/oauth/token", Map.of("grant_type", "authorization_code", "code", code, "redirect_uri", redirectUri), basic),
          400, "invalid_grant"); // single use

      // a second consent finds the same customer
      String again = allowAndGetCode(person, client, redirectUri, arrivals);
      assertEquals(200, node.postForm("/oauth/token", Map.of("grant_type", "authorization_code", "code", again, "redirect_uri", redirectUri),
          basic).statusCode());
      assertEquals("1", node.query("SELECT count(*) FROM users WHERE kind = 'customer' AND product_id = " + product.id));

      // an expired code buys nothing
      String stale = allowAndGetCode(person, client, redirectUri, arrivals);
      node.execute("UPDATE authorization_codes SET expires_at = now() - interval '1 second'");
      assertError(node.postForm("/oauth/token", Map.of("grant_type", "authorization_code", "code", stale, "redirect_uri", redirectUri), basic),
          400, "invalid_grant");

      // Deny: back to the app with access_denied and the state
      JsonObject denied = new JsonObject(node.post("/oauth/authorize", decision.copy().put("decision", "deny")
          .put("consent_token", consentToken(person, authorize)).encode(), person).body());
      assertTrue(denied.getString("redirect_to").startsWith(redirectUri + "?error=access_denied&state=xyz+123"), denied.encode());
    } finally {
      app.stop(0);
    }
  }

  @Test
  void theConsentCannotBeForgedOrMisdirected() throws Exception {
    String redirectUri = "http://127.0.0.1:9/callback";
    ProductFixture product = ProductFixture.create(node, "guarded-lamp", OWNER, owner, "{\"authentication\":\"oauth\"}");
    JsonObject client = product.client("web", redirectUri);
    String person = node.signUpAndLogIn("ivan@example.com", "ivan's password");
    node.verifyEmail(person);
    String otherSession = node.logIn("ivan@example.com", "ivan's password");
    String query = "response_type=code&client_id=" + client.getString("id") + "&state=s1";
    String consent = new JsonObject(node.get("/oauth/authorize/details?" + query, person).body()).getString("consent_token");
    JsonObject decision = new JsonObject().put("decision", "allow").put("client_id", client.getString("id")).put("state", "s1");

    assertError(node.post("/oauth/authorize", decision.encode(), person), 403, "invalid_consent");
    assertError(node.post("/oauth/authorize", decision.copy().put("consent_token", consent).encode(), otherSession), 403, "invalid_consent");
    assertError(node.post("/oauth/authorize", decision.copy().put("consent_token", consent).put("state", "s2").encode(), person),
        403, "invalid_consent");
    assertError(node.get("/v1/devices", consent), 401, "invalid_token"); // the consent token is no access token
    HttpResponse<String> allowed = node.post("/oauth/authorize", decision.copy().put("consent_token", consent).encode(), person);
    assertEquals(200, allowed.statusCode(), allowed.body());
    assertTrue(new JsonObject(allowed.body()).getString("redirect_to").startsWith(redirectUri + "?code="),
        "without a redirect_uri in the request, the registered one");

    JsonObject withQuery = product.client("web", "http://127.0.0.1:9/cb?tenant=7");
    String tenantConsent = new JsonObject(node.get("/oauth/authorize/details?response_type=code&client_id=" + withQuery.getString("id"),
        person).body()).getString("consent_token");
    String tenantLocation = new JsonObject(node.post("/oauth/authorize", new JsonObject().put("decision", "allow")
        .put("client_id", withQuery.getString("id")).put("consent_token", tenantConsent).encode(), person).body()).getString("redirect_to");
    assertTrue(tenantLocation.startsWith("http://127.0.0.1:9/cb?tenant=7&code=") && !tenantLocation.contains("state="),
        "the registered URI's query is kept; no state when none was sent: " + tenantLocation);

    assertError(node.get("/oauth/authorize/details?response_type=code&client_id=nobody", person), 400, "invalid_client");
    assertError(node.get("/oauth/authorize/details?" + query + "&redirect_uri=https%3A%2F%2Fevil.example%2Fcb", person), 400, "invalid_request");
    assertError(node.get("/oauth/authorize/details?response_type=token&client_id=" + client.getString("id"), person),
        400, "unsupported_response_type");
    assertError(node.get("/oauth/authorize/details?" + query, null), 401, "invalid_request");
    JsonObject installed = product.client("installed", null);
    assertError(node.get("/oauth/authorize/details?response_type=code&client_id=" + installed.getString("id"), person), 400, "invalid_client");

    product.settings("{\"authentication\":\"simple\"}");
    HttpResponse<String> refused = node.get("/oauth/authorize/details?" + query, person);
    assertError(refused, 403, "forbidden");
    assertTrue(refused.body().contains("\\\"oauth\\\""), refused.body());
    String customer = product.customer(installed, "judy@example.com", "judy's password");
    assertError(node.get("/oauth/authorize/details?" + query, customer), 403, "forbidden"); // a customer gives no consent
  }

  @Test
  void clientsAreTheProductTeamsToManage() throws Exception {
    ProductFixture product = ProductFixture.create(node, "managed-lamp", OWNER, owner, "{}");
    String viewer = node.signUpAndLogIn("viewer@flows.example", "viewer's password");
    String stranger = node.signUpAndLogIn("stranger@flows.example", "stranger's password");
    product.addMember("viewer@flows.example", "view_only");
    JsonObject client = product.client("installed", null);

    JsonArray listed = new JsonObject(node.get("/v1/products/managed-lamp/clients", viewer).body()).getJsonArray("clients");
    assertEquals(1, listed.size());
    assertFalse(listed.getJsonObject(0).containsKey("secret"), "the secret is shown once, at creation");
    assertError(node.post("/v1/products/managed-lamp/clients", "{\"name\":\"x\",\"type\":\"installed\"}", viewer), 403, "forbidden");
    assertError(node.get("/v1/products/managed-lamp/clients", stranger), 404, "not_found");
    assertError(node.post("/v1/products/managed-lamp/clients", "{\"name\":\"web\",\"type\":\"web\"}", owner), 400, "invalid_request");
    assertError(node.post("/v1/products/managed-lamp/clients", "{\"name\":\"web\",\"type\":\"web\",\"redirect_uri\":\"ftp://x/cb\"}", owner),
        400, "invalid_request");
    assertError(node.post("/v1/products/managed-lamp/clients", "{\"name\":\"x\",\"type\":\"other\"}", owner), 400, "invalid_request");
    assertError(node.send("DELETE", "/v1/products/managed-lamp/clients/" + client.getString("id"), null, viewer), 403, "forbidden");
    assertEquals(200, node.send("DELETE", "/v1/products/managed-lamp/clients/" + client.getString("id"), null, owner).statusCode());
    assertError(node.send("DELETE", "/v1/products/managed-lamp/clients/" + client.getString("id"), null, owner), 404, "not_found");
    assertError(node.postForm("/v1/products/managed-lamp/customers", Map.of("email", "k@example.com", "password", "long enough"),
        client.getString("id") + ":" + client.getString("secret")), 401, "invalid_client");
    assertEquals("0", node.query("SELECT count(*) FROM oauth_clients WHERE product_id IS NOT NULL AND owner_id IS NOT NULL"));
  }

  private static String consentToken(String person, String authorize) throws Exception {
    return new JsonObject(node.get(authorize.replace("/oauth/authorize?", "/oauth/authorize/details?"), person).body()).getString("consent_token");
  }

  private static String allowAndGetCode(String person, JsonObject client, String redirectUri, BlockingQueue<Map<String, String>> arrivals)
      throws Exception {
    String authorize = "/oauth/authorize?response_type=code&client_id=" + client.getString("id") + "&redirect_uri="
        + URLEncoder.encode(redirectUri, StandardCharsets.UTF_8) + "&state=again";
    JsonObject decision = new JsonObject().put("decision", "allow").put("client_id", client.getString("id"))
        .put("redirect_uri", redirectUri).put("state", "again").put("consent_token", consentToken(person, authorize));
    String location = new JsonObject(node.post("/oauth/authorize", decision.encode(), person).body()).getString("redirect_to");
    HTTP.send(HttpRequest.newBuilder(URI.create(location)).build(), HttpResponse.BodyHandlers.ofString());
    return arrivals.poll(5, TimeUnit.SECONDS).get("code");
  }

  /** A product's web app: its redirect URI records the query each arrival brings. */
  static HttpServer webApp(BlockingQueue<Map<String, String>> arrivals) throws Exception {
    HttpServer app = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    app.createContext("/callback", exchange -> {
      Map<String, String> query = new HashMap<>();
      String raw = exchange.getRequestURI().getRawQuery();
      for (String pair : raw == null ? new String[0] : raw.split("&")) {
        int eq = pair.indexOf('=');
        query.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8), URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      }
      arrivals.add(query);
      byte[] body = "signed in".getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "text/plain");
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    app.start();
    return app;
  }
}
