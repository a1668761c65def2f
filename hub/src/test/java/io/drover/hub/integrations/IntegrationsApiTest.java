package io.drover.hub.integrations;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.HubAddresses;
import io.drover.hub.devices.SecretSealer;
import io.drover.hub.support.ServiceAccountKeys;
import io.drover.hub.support.TestNode;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The integrations API over real HTTP against a real node and its PostgreSQL, with the node's default
 * target policy (loopback and link-local refused): what is stored (secrets sealed, never in
 * settings), what is answered (masked), who may do what, every bad input, and the notices the
 * delivery engine relies on.
 */
class IntegrationsApiTest {

  private static final String PASSWORD = "the integration tester's password";
  private static TestNode node;
  private static String owner;
  private static String stranger;
  private static String viewer;
  private static String developer;
  private static String customer;
  private static String apiUser;
  private static String productId;
  private static String ownDevice;
  private static String strangersDevice;
  private static String productDevice;

  @BeforeAll
  static void world() throws Exception {
    node = TestNode.start("--integrations.timeout-seconds=2");
    node.signUpAndLogIn("first@integrations.example", PASSWORD);
    owner = node.signUpAndLogIn("owner@integrations.example", PASSWORD);
    stranger = node.signUpAndLogIn("stranger@integrations.example", PASSWORD);
    viewer = node.signUpAndLogIn("viewer@integrations.example", PASSWORD);
    developer = node.signUpAndLogIn("developer@integrations.example", PASSWORD);
    JsonObject product = json(node.post("/v1/products", new JsonObject().put("product", new JsonObject()
        .put("name", "Hook Lamp").put("platform_id", 12)).encode(), owner), 201).getJsonObject("product");
    productId = String.valueOf(product.getValue("id"));
    node.execute("INSERT INTO product_members (product_id, user_id, role) SELECT " + productId
        + ", id, 'view_only' FROM users WHERE username = 'viewer@integrations.example'");
    node.execute("INSERT INTO product_members (product_id, user_id, role) SELECT " + productId
        + ", id, 'developer' FROM users WHERE username = 'developer@integrations.example'");
    JsonObject client = json(node.post("/v1/products/" + productId + "/clients",
        new JsonObject().put("name", "Hook app").put("type", "installed").encode(), owner), 201).getJsonObject("client");
    customer = json(node.postForm("/v1/products/" + productId + "/customers",
        Map.of("email", "customer@integrations.example", "password", PASSWORD), client.getString("id") + ":" + client.getString("secret")), 200)
        .getString("access_token");
    // an API user that may read the product (and its integrations) but change nothing
    apiUser = json(node.post("/v1/products/" + productId + "/team", new JsonObject().put("friendly_name", "Reader")
        .put("scopes", new JsonArray().add("integrations:list").add("integrations:get")).encode(), owner), 201)
        .getJsonObject("created").getJsonArray("tokens").getJsonObject(0).getString("token");
    ownDevice = node.provisionDevice().id();
    node.claim(ownDevice, owner);
    strangersDevice = node.provisionDevice().id();
    node.claim(strangersDevice, stranger);
    productDevice = node.provisionDevice().id();
    json(node.post("/v1/products/" + productId + "/devices", new JsonObject().put("id", productDevice).encode(), node.adminToken()), 200, 201);
  }

  @AfterAll
  static void stop() {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void aCreatedWebhookKeepsItsSecretsSealedOutOfSettingsAndAnnouncesEveryChange() throws Exception {
    List<String> notices = new CopyOnWriteArrayList<>();
    MessageConsumer<JsonObject> consumer = node.eventBus().consumer(HubAddresses.INTEGRATIONS_CHANGED, m -> notices.add(m.body().getString("id")));
    try {
      JsonObject given = new JsonObject()
          .put("event", "temp").put("url", "https://203.0.113.7/ingest/{{PARTICLE_DEVICE_ID}}").put("requestType", "post")
          .put("json", new JsonObject().put("t", "{{{PARTICLE_EVENT_VALUE}}}"))
          .put("headers", new JsonObject().put("Authorization", "Bearer s3cr3t-header-value"))
          .put("auth", new JsonObject().put("username", "hook-user").put("password", "hunter2-hunter2"))
          .put("responseTopic", "{{PARTICLE_DEVICE_ID}}/temp-ok").put("noDefaults", true).put("name", "Temperatures");
      HttpResponse<String> created = node.post("/v1/webhooks", given.encode(), owner);
      JsonObject answer = json(created, 201);
      String id = answer.getString("id");
      assertTrue(id.matches("[0-9a-f]{24}"), id);
      assertEquals(true, answer.getBoolean("ok"));
      assertEquals("temp", answer.getString("event"));
      assertEquals("https://203.0.113.7/ingest/{{PARTICLE_DEVICE_ID}}", answer.getString("url"));
      assertEquals("Temperatures", answer.getString("name"));
      assertEquals("POST", answer.getString("requestType"));
      assertNotNull(answer.getString("created_at"));
      assertEquals("http://127.0.0.1:" + node.httpPort() + "/v1/webhooks/" + id, answer.getString("hookUrl"));
      assertFalse(created.body().contains("s3cr3t-header-value") || created.body().contains("hunter2-hunter2"), created.body());

      Row row = row(id);
      assertEquals("temp", row.event);
      assertEquals("Webhook", row.type);
      JsonObject settings = new JsonObject(row.settings);
      assertNull(settings.getValue("headers"));
      assertNull(settings.getValue("auth"));
      assertFalse(row.settings.contains("s3cr3t") || row.settings.contains("hunter2"), row.settings);
      assertEquals(new JsonObject().put("t", "{{{PARTICLE_EVENT_VALUE}}}"), settings.getJsonObject("json"));
      assertEquals(true, settings.getBoolean("noDefaults"));
      JsonObject secrets = new JsonObject(sealer().open(id, row.sealedSecrets));
      assertEquals(new JsonObject()
          .put("headers", new JsonObject().put("Authorization", "Bearer s3cr3t-header-value"))
          .put("auth", new JsonObject().put("username", "hook-user").put("password", "hunter2-hunter2")), secrets);

      json(node.send("PUT", "/v1/integrations/" + id, new JsonObject().put("event", "temp2").put("url", "https://203.0.113.7/v2").encode(), owner), 200);
      assertEquals(204, node.send("DELETE", "/v1/webhooks/" + id, null, owner).statusCode());
      TestNode.eventually(Duration.ofSeconds(5), () -> notices.size() >= 3, "three notices");
      assertEquals(List.of(id, id, id), notices, "one notice on create, replace and delete each");
    } finally {
      consumer.unregister();
    }
  }

  @Test
  void secretsAreShownMaskedAndAReplaceKeepsOnlyWhatItSendsExceptValuesSentBackMasked() throws Exception {
    JsonObject given = new JsonObject().put("event", "door").put("url", "https://203.0.113.7/door")
        .put("query", new JsonObject().put("k", "{{PARTICLE_EVENT_NAME}}"))
        .put("headers", new JsonObject().put("X-Api-Key", "abcdefghijkl").put("X-Short", "1234"))
        .put("auth", new JsonObject().put("user", "someone").put("pass", "a long password"));
    String id = json(node.post("/v1/integrations", given.encode(), owner), 201).getString("id");

    HttpResponse<String> shown = node.get("/v1/integrations/" + id, owner);
    JsonObject integration = json(shown, 200).getJsonObject("integration");
    assertEquals(new JsonObject().put("X-Api-Key", "ab\u2026").put("X-Short", "\u2026"), integration.getJsonObject("headers"));
    assertEquals(new JsonObject().put("username", "\u2026").put("password", "a \u2026"), integration.getJsonObject("auth"));
    assertFalse(shown.body().contains("abcdefghijkl") || shown.body().contains("a long password") || shown.body().contains("someone"), shown.body());
    assertEquals(new JsonObject().put("k", "{{PARTICLE_EVENT_NAME}}"), integration.getJsonObject("query"));
    assertEquals("Webhook", integration.getString("integration_type"));
    assertEquals(false, integration.getBoolean("disabled"));
    // the legacy route answers the webhook itself
    assertEquals(integration, json(node.get("/v1/webhooks/" + id, owner), 200));

    // an edit form sends the masked header back, a new value for the other, and no query or auth
    JsonObject replacement = new JsonObject().put("event", "door").put("url", "https://203.0.113.7/door2").put("requestType", "PUT")
        .put("headers", new JsonObject().put("X-Api-Key", "ab\u2026").put("X-Short", "9876"));
    JsonObject replaced = json(node.send("PUT", "/v1/integrations/" + id, replacement.encode(), owner), 200).getJsonObject("integration");
    assertNull(replaced.getValue("query"), "a replace never merges: the query is gone");
    assertNull(replaced.getValue("auth"), "and so is auth");
    assertEquals("PUT", replaced.getString("requestType"));
    assertEquals(new JsonObject().put("headers", new JsonObject().put("X-Api-Key", "abcdefghijkl").put("X-Short", "9876")),
        new JsonObject(sealer().open(id, row(id).sealedSecrets)), "the masked value kept the stored secret");
  }

  @Test
  void theDeviceKeyIsReadInAllThreeSpellingsAndMustBeTheCallersDevice() throws Exception {
    for (String key : List.of("deviceId", "deviceid", "deviceID")) {
      JsonObject created = json(node.post("/v1/webhooks", hook("spelling").put(key, ownDevice.toUpperCase()).encode(), owner), 201);
      assertEquals(ownDevice, created.getString("deviceID"), key);
      assertEquals(ownDevice, row(created.getString("id")).deviceId, key);
    }
    assertError(node.post("/v1/webhooks", hook("x").put("deviceId", ownDevice).put("deviceID", strangersDevice).encode(), owner),
        400, "invalid_request", "deviceID and deviceId name different devices");
    assertError(node.post("/v1/webhooks", hook("x").put("deviceid", "not-a-device").encode(), owner), 400, "invalid_request",
        "deviceid must be a device ID: 24 hexadecimal digits");
    assertError(node.post("/v1/webhooks", hook("x").put("deviceid", strangersDevice).encode(), owner), 404, "not_found",
        "Device " + strangersDevice + " not found");
    assertError(node.post("/v1/products/" + productId + "/webhooks", hook("x").put("deviceid", ownDevice).encode(), owner), 404, "not_found",
        "Device " + ownDevice + " is not in product " + productId);
    JsonObject inFleet = json(node.post("/v1/products/" + productId + "/webhooks", hook("x").put("deviceid", productDevice).encode(), owner), 201);
    assertEquals(productDevice, inFleet.getString("deviceID"));
    // an empty device key, as a form leaves it, means every device
    assertNull(json(node.post("/v1/webhooks", hook("all").put("deviceid", "").encode(), owner), 201).getValue("deviceID"));
  }

  /** Particle's docs make webhooks with curl -d: a form body, the token as its access_token field. */
  @Test
  void aFormEncodedCreateAsCurlSendsItIsReadLikeJson() throws Exception {
    HttpResponse<String> created = node.postForm("/v1/webhooks", Map.of("event", "curl", "url", "https://203.0.113.7/curl",
        "requestType", "GET", "noDefaults", "true", "deviceid", ownDevice, "access_token", owner), null);
    JsonObject answer = json(created, 201);
    assertEquals("GET", answer.getString("requestType"));
    assertEquals(ownDevice, answer.getString("deviceID"));
    assertEquals(new JsonObject().put("url", "https://203.0.113.7/curl").put("requestType", "GET").put("noDefaults", true),
        new JsonObject(row(answer.getString("id")).settings), "the token field is not stored");
    assertError(node.postForm("/v1/webhooks", Map.of("event", "curl", "url", "https://203.0.113.7/curl", "headers", "X-A: b",
        "access_token", owner), null), 400, "invalid_request", "headers must be an object");
  }

  @Test
  void listsAreArraysAndTheLegacyRoutesSeeWebhooksOnly() throws Exception {
    String person = node.signUpAndLogIn("lister@integrations.example", PASSWORD);
    String hookId = json(node.post("/v1/webhooks", hook("a").encode(), person), 201).getString("id");
    JsonObject azure = new JsonObject().put("integration_type", "AzureIotHub").put("event", "b").put("hub_name", "my-hub")
        .put("policy_name", "iothubowner").put("policy_key", "c2VjcmV0LXBvbGljeS1rZXk=");
    JsonObject azureAnswer = json(node.post("/v1/integrations", azure.encode(), person), 201);
    String azureId = azureAnswer.getString("id");
    assertEquals("AzureIotHub", azureAnswer.getString("integration_type"));
    assertNull(azureAnswer.getValue("url"));

    JsonArray webhooks = new JsonArray(node.get("/v1/webhooks", person).body());
    assertEquals(1, webhooks.size(), webhooks.encode());
    assertEquals(hookId, webhooks.getJsonObject(0).getString("id"));
    assertEquals(new java.util.TreeSet<>(List.of("id", "event", "created_at", "integration_type", "url", "requestType", "name", "disabled")),
        new java.util.TreeSet<>(webhooks.getJsonObject(0).fieldNames()));
    JsonArray all = new JsonArray(node.get("/v1/integrations", person).body());
    assertEquals(List.of(hookId, azureId), all.stream().map(o -> ((JsonObject) o).getString("id")).toList());
    assertError(node.get("/v1/webhooks/" + azureId, person), 404, "not_found", "No integration " + azureId);
    assertError(node.send("DELETE", "/v1/webhooks/" + azureId, null, person), 404, "not_found", "No integration " + azureId);
    JsonObject shown = json(node.get("/v1/integrations/" + azureId, person), 200).getJsonObject("integration");
    assertEquals("c2\u2026", shown.getString("policy_key"));
    assertEquals("my-hub", shown.getString("hub_name"));
    assertEquals(new JsonObject().put("policy_key", "c2VjcmV0LXBvbGljeS1rZXk="), new JsonObject(sealer().open(azureId, row(azureId).sealedSecrets)));
    assertFalse(row(azureId).settings.contains("c2VjcmV0"), "the policy key is not in settings");

    HttpResponse<String> deleted = node.send("DELETE", "/v1/integrations/" + azureId, null, person);
    assertEquals(204, deleted.statusCode());
    assertEquals("", deleted.body());
    assertError(node.get("/v1/integrations/" + azureId, person), 404, "not_found", "No integration " + azureId);
    assertError(node.send("DELETE", "/v1/integrations/" + azureId, null, person), 404, "not_found", "No integration " + azureId);
    assertNull(row(azureId));
  }

  @Test
  void googleCloudPubSubTakesATopicAndAServiceAccountKeyItNeverShows() throws Exception {
    JsonObject key = ServiceAccountKeys.file(ServiceAccountKeys.rsa().getPrivate(), "drover@project.iam.gserviceaccount.com",
        "https://oauth2.googleapis.com/token");
    JsonObject pubsub = new JsonObject().put("integration_type", "GoogleCloudPubSub").put("event", "gps")
        .put("topic", "projects/my-project/topics/fleet").put("service_account_key", key.encode());
    String id = json(node.post("/v1/integrations", pubsub.encode(), owner), 201).getString("id");
    HttpResponse<String> shown = node.get("/v1/integrations/" + id, owner);
    JsonObject integration = json(shown, 200).getJsonObject("integration");
    assertEquals("projects/my-project/topics/fleet", integration.getString("topic"));
    assertEquals(new JsonObject().put("client_email", "drover@project.iam.gserviceaccount.com"), integration.getJsonObject("service_account_key"));
    assertFalse(shown.body().contains("PRIVATE KEY"), shown.body());
    assertEquals(key, new JsonObject(sealer().open(id, row(id).sealedSecrets)).getJsonObject("service_account_key"));
  }

  @Test
  void everyBadInputIsA400NamingTheProblem() throws Exception {
    record Case(JsonObject body, String error, String description) {
    }
    JsonObject serviceKey = ServiceAccountKeys.file(ServiceAccountKeys.rsa().getPrivate(), "drover@project.iam.gserviceaccount.com",
        "https://oauth2.googleapis.com/token");
    String longBody = "x".repeat(10);
    List<Case> cases = List.of(
        new Case(new JsonObject().put("url", "https://203.0.113.7/"), "invalid_request", "event is required"),
        new Case(hook("").put("event", ""), "invalid_request", "event must have at least 1 character"),
        new Case(hook("e".repeat(65)), "invalid_request", "event must be at most 64 characters"),
        new Case(hook("ok").put("event", "a\u0001b"), "invalid_request", "event holds a control character"),
        new Case(new JsonObject().put("event", "x"), "invalid_request", "url is required"),
        new Case(hook("x").put("url", "ftp://203.0.113.7/file"), "invalid_request", "url must start with http:// or https://"),
        new Case(hook("x").put("url", "javascript:alert(1)"), "invalid_request", "url must start with http:// or https://"),
        new Case(hook("x").put("url", "https://user:pw@203.0.113.7/"), "invalid_request", "url must not carry credentials"),
        new Case(hook("x").put("url", "https://203.0.113.7:99999/"), "invalid_request", "url's port must be a number from 1 to 65535"),
        new Case(hook("x").put("url", "https:///path"), "invalid_request", "url has no host"),
        new Case(hook("x").put("requestType", "TRACE"), "invalid_request", "requestType must be GET, POST, PUT, DELETE or PATCH"),
        new Case(hook("x").put("json", new JsonObject()).put("form", new JsonObject()), "invalid_request", "json, form and body are mutually exclusive"),
        new Case(hook("x").put("body", longBody).put("json", "{}"), "invalid_request", "json, form and body are mutually exclusive"),
        new Case(hook("x").put("form", "a=b"), "invalid_request", "form must be an object"),
        new Case(hook("x").put("integration_type", "Carrier Pigeon"), "invalid_request", "integration_type must be one of Webhook, AzureIotHub, GoogleCloudPubSub"),
        new Case(hook("x").put("integration_type", "GoogleMaps"), "invalid_request", "integration_type must be one of"),
        new Case(hook("x").put("url", "https://203.0.113.7/{{#open}}"), "invalid_template", "url is not a valid mustache template: Failed to close 'open' tag"),
        new Case(hook("x").put("json", new JsonObject().put("a", "{{b")), "invalid_template", "json.a is not a valid mustache template"),
        new Case(hook("x").put("json", "{\"a\": {{/b}}}"), "invalid_template", "json is not a valid mustache template"),
        new Case(hook("x").put("form", new JsonObject().put("f", "{{{x}}")), "invalid_template", "form.f is not a valid mustache template"),
        new Case(hook("x").put("body", "{{#a}}{{/b}}"), "invalid_template", "body is not a valid mustache template"),
        new Case(hook("x").put("query", new JsonObject().put("q", "{{")), "invalid_template", "query.q is not a valid mustache template"),
        new Case(hook("x").put("headers", new JsonObject().put("X-A", "{{#x}}")), "invalid_template", "headers.X-A is not a valid mustache template"),
        new Case(hook("x").put("auth", new JsonObject().put("username", "u").put("password", "{{/p}}")), "invalid_template",
            "auth.password is not a valid mustache template"),
        new Case(hook("x").put("responseTopic", "{{#t}}"), "invalid_template", "responseTopic is not a valid mustache template"),
        new Case(hook("x").put("errorResponseTopic", "{{^t}}"), "invalid_template", "errorResponseTopic is not a valid mustache template"),
        new Case(hook("x").put("responseTemplate", "{{#a}}"), "invalid_template", "responseTemplate is not a valid mustache template"),
        new Case(hook("x").put("body", "{{> /etc/passwd}}"), "invalid_template", "partials ({{> /etc/passwd}}) are not supported"),
        new Case(hook("x").put("headers", new JsonObject().put("X-A", "v\r\nX-Injected: 1")), "invalid_request", "headers: the value of X-A holds a line break"),
        new Case(hook("x").put("headers", new JsonObject().put("Bad Header", "v")), "invalid_request", "headers: 'Bad Header' is no header name"),
        new Case(hook("x").put("headers", "Authorization: x"), "invalid_request", "headers must be an object"),
        new Case(hook("x").put("auth", new JsonObject().put("bearer", "t")), "invalid_request", "send a bearer token as headers.Authorization"),
        new Case(hook("x").put("noDefaults", "maybe"), "invalid_request", "noDefaults must be true or false"),
        new Case(new JsonObject().put("integration_type", "AzureIotHub").put("event", "a").put("hub_name", "h-1").put("policy_name", "p"),
            "invalid_request", "policy_key is required"),
        new Case(new JsonObject().put("integration_type", "AzureIotHub").put("event", "a").put("hub_name", "h-1").put("policy_name", "p")
            .put("policy_key", "not base64!"), "invalid_request", "policy_key must be the policy's key as Azure shows it (base64)"),
        new Case(new JsonObject().put("integration_type", "GoogleCloudPubSub").put("event", "a").put("topic", "fleet"),
            "invalid_request", "topic must be a Pub/Sub topic's full name"),
        new Case(new JsonObject().put("integration_type", "GoogleCloudPubSub").put("event", "a").put("topic", "projects/p/topics/t"),
            "invalid_request", "service_account_key is required"),
        new Case(pubSub("{\"type\": \"service_account\", \"client_email\": "), "invalid_request",
            "service_account_key must be the service account's JSON key file, as an object or its text"),
        new Case(pubSub(serviceKey.copy().put("private_key", null)), "invalid_request",
            "service_account_key must be a service account's JSON key file (type, client_email, private_key, token_uri): private_key is required"),
        new Case(pubSub(serviceKey.copy().put("private_key", ServiceAccountKeys.pem(ServiceAccountKeys.ec().getPrivate()))), "invalid_request",
            "private_key is an EC key; a service account key is RSA (RS256)"),
        new Case(pubSub(serviceKey.copy().put("private_key", "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n")),
            "invalid_request", "private_key is not a PKCS#8 private key"),
        new Case(pubSub(serviceKey.copy().put("private_key", "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----\n")),
            "invalid_request", "private_key must be a PEM PKCS#8 key (-----BEGIN PRIVATE KEY-----)"),
        new Case(pubSub(serviceKey.copy().put("token_uri", null)), "invalid_request", "token_uri is required: an https:// address"),
        new Case(pubSub(serviceKey.copy().put("token_uri", "ldap://x/")), "invalid_request", "token_uri is required: an https:// address"),
        new Case(pubSub(serviceKey.copy().put("client_email", 7)), "invalid_request", "client_email is required"),
        new Case(pubSub(serviceKey.copy().put("type", "authorized_user")), "invalid_request", "type must be service_account"));
    for (Case each : cases) {
      assertError(node.post("/v1/integrations", each.body.encode(), owner), 400, each.error, each.description);
    }
    assertError(node.post("/v1/webhooks", new JsonObject().put("integration_type", "AzureIotHub").put("event", "a").encode(), owner),
        400, "invalid_request", "/v1/webhooks holds Webhook integrations only");
    assertError(node.post("/v1/webhooks", "{\"event\": ", owner), 400, "invalid_request", "The body is not a valid JSON object");
    assertError(node.post("/v1/webhooks", hook("big").put("body", "x".repeat(70 * 1024)).encode(), owner), 413, "request_too_large", "");
    assertEquals("0", node.query("SELECT count(*) FROM integrations i JOIN users u ON u.id = i.user_id WHERE u.username = 'owner@integrations.example'"
        + " AND i.event IN ('', 'x', 'a', 'big')"), "no bad input was stored");
  }

  @Test
  void aServiceAccountKeysTokenUriIsATargetTheNodeMayNotSendToByDefault() throws Exception {
    JsonObject key = ServiceAccountKeys.file(ServiceAccountKeys.rsa().getPrivate(), "drover@project.iam.gserviceaccount.com",
        "http://169.254.169.254/computeMetadata/v1/token");
    assertError(node.post("/v1/integrations", pubSub(key).encode(), owner), 400, "target_not_allowed",
        "service_account_key.token_uri's host 169.254.169.254 is");
    assertError(node.post("/v1/integrations", pubSub(key.copy().put("token_uri", "http://localhost:8080/token")).encode(), owner), 400,
        "target_not_allowed", "service_account_key.token_uri's host localhost");
    assertError(node.post("/v1/integrations", pubSub(key.copy().put("token_uri", "https://user:pw@oauth2.example/token")).encode(), owner), 400,
        "invalid_request", "service_account_key.token_uri: the address must not carry credentials");
  }

  private static JsonObject pubSub(Object serviceAccountKey) {
    return new JsonObject().put("integration_type", "GoogleCloudPubSub").put("event", "a").put("topic", "projects/p/topics/t")
        .put("service_account_key", serviceAccountKey);
  }

  @Test
  void targetsOnLoopbackLinkLocalAndThisMachineAreRefusedByDefault() throws Exception {
    for (String url : List.of("http://127.0.0.1:8080/", "http://127.9.9.9/", "http://localhost:8080/x", "http://api.localhost/",
        "http://[::1]/", "http://169.254.169.254/latest/meta-data/", "http://[fe80::1]/", "http://0.0.0.0/", "http://224.0.0.1/",
        "http://255.255.255.255/", "http://[::ffff:127.0.0.1]/", "http://[64:ff9b::a9fe:a9fe]/")) {
      HttpResponse<String> refused = node.post("/v1/webhooks", hook("ssrf").put("url", url).encode(), owner);
      assertError(refused, 400, "target_not_allowed", "integrations may not send there");
    }
    for (String url : List.of("http://127.1/", "http://2130706433/", "http://0x7f.0.0.1/", "http://0177.0.0.1/")) {
      assertError(node.post("/v1/webhooks", hook("ssrf").put("url", url).encode(), owner), 400, "invalid_request",
          "is neither a name nor an IPv4 address in dotted decimal");
    }
    // the machine's own interface addresses, whatever they are here
    for (java.net.InetAddress own : TargetPolicy.ownInterfaceAddresses()) {
      if (own instanceof java.net.Inet4Address) {
        assertError(node.post("/v1/webhooks", hook("ssrf").put("url", "http://" + own.getHostAddress() + ":" + node.httpPort() + "/").encode(), owner),
            400, "target_not_allowed", "");
      }
    }
    // private LAN ranges are a self-hosted node's normal receivers; a templated host is the delivery engine's to check
    for (String url : List.of("http://10.1.2.3/", "https://192.168.1.20:8443/hook", "http://[fd00::5]/", "https://{{{PARTICLE_EVENT_VALUE}}}/x")) {
      json(node.post("/v1/webhooks", hook("lan").put("url", url).encode(), owner), 201);
    }
  }

  @Test
  void strangersGetNotFoundAndCustomersApiUsersAndTheBootstrapTokenHaveNoSandbox() throws Exception {
    String id = json(node.post("/v1/integrations", hook("mine").encode(), owner), 201).getString("id");
    String productHook = json(node.post("/v1/products/" + productId + "/integrations", hook("fleet").encode(), developer), 201).getString("id");
    for (String path : List.of("/v1/integrations/" + id, "/v1/webhooks/" + id)) {
      assertError(node.get(path, stranger), 404, "not_found", "No integration " + id);
      assertError(node.send("DELETE", path, null, stranger), 404, "not_found", "No integration " + id);
    }
    assertError(node.send("PUT", "/v1/integrations/" + id, hook("theirs").encode(), stranger), 404, "not_found", "No integration " + id);
    assertError(node.post("/v1/integrations/" + id + "/test", "{}", stranger), 404, "not_found", "No integration " + id);
    assertEquals("mine", row(id).event, "the stranger changed nothing");
    assertEquals(new JsonArray(), new JsonArray(node.get("/v1/integrations", stranger).body()));
    // a product's integration is not the sandbox's, and the other way round
    assertError(node.get("/v1/integrations/" + productHook, owner), 404, "not_found", "No integration " + productHook);
    assertError(node.get("/v1/products/" + productId + "/integrations/" + id, owner), 404, "not_found", "No integration " + id);

    assertError(node.get("/v1/webhooks", null), 401, "invalid_request", "The access token was not found");
    assertError(node.post("/v1/webhooks", hook("c").encode(), customer), 403, "forbidden", "A product's customer has no integrations");
    assertError(node.get("/v1/integrations", customer), 403, "forbidden", "A product's customer has no integrations");
    assertError(node.get("/v1/products/" + productId + "/integrations", customer), 404, "not_found", "Product " + productId + " not found");
    assertError(node.post("/v1/webhooks", hook("a").encode(), apiUser), 403, "forbidden", "An API user has no account of its own");
    assertError(node.post("/v1/webhooks", hook("a").encode(), node.adminToken()), 403, "forbidden", "The bootstrap admin token belongs to no account");
    assertError(node.get("/v1/products/" + productId + "/integrations", stranger), 404, "not_found", "Product " + productId + " not found");

    // the product's team: every member reads, builders change; an API user reads with its scopes only
    for (String reader : List.of(viewer, developer, owner, apiUser, node.adminToken())) {
      JsonArray listed = new JsonArray(node.get("/v1/products/" + productId + "/integrations", reader).body());
      assertTrue(listed.stream().anyMatch(o -> ((JsonObject) o).getString("id").equals(productHook)), listed.encode());
      json(node.get("/v1/products/" + productId + "/integrations/" + productHook, reader), 200);
    }
    String base = "/v1/products/" + productId + "/integrations";
    assertError(node.post(base, hook("v").encode(), viewer), 403, "forbidden", "The view_only role may not do this in product " + productId);
    assertError(node.send("PUT", base + "/" + productHook, hook("v").encode(), viewer), 403, "forbidden", "The view_only role may not do this");
    assertError(node.send("DELETE", base + "/" + productHook, null, viewer), 403, "forbidden", "The view_only role may not do this");
    assertError(node.post(base + "/" + productHook + "/test", "{}", viewer), 403, "forbidden", "The view_only role may not do this");
    assertError(node.post(base, hook("a").encode(), apiUser), 403, "forbidden", "This API user's scopes do not allow this in product " + productId);
    json(node.send("PUT", base + "/" + productHook, hook("fleet2").encode(), owner), 200);
    assertEquals("fleet2", row(productHook).event);
  }

  @Test
  void theTestButtonAsksTheDeliveryEngineAndAnswersWhatItSaw() throws Exception {
    String id = json(node.post("/v1/integrations", hook("t").encode(), owner), 201).getString("id");

    // the node's own engine sends the request once; 203.0.113.7 (TEST-NET-3) answers nothing, so the
    // test fails within integrations.timeout-seconds and says what was sent
    JsonObject answer = json(node.post("/v1/integrations/" + id + "/test",
        new JsonObject().put("data", "21.5").put("device_id", ownDevice).encode(), owner), 200);
    assertEquals(false, answer.getBoolean("pass"), answer.encode());
    String request = answer.getJsonObject("data").getString("request");
    assertTrue(request.startsWith("POST https://203.0.113.7/hook\n"), request);
    assertTrue(request.contains("User-Agent: ParticleBot/1.1"), request);

    assertError(node.post("/v1/integrations/" + id + "/test", new JsonObject().put("device_id", strangersDevice).encode(), owner), 404,
        "not_found", "Device " + strangersDevice + " not found");
    assertError(node.post("/v1/integrations/" + id + "/test", new JsonObject().put("device_id", "nope").encode(), owner), 400,
        "invalid_request", "device_id must be a device ID");
  }

  // --- helpers ---

  private static JsonObject hook(String event) {
    return new JsonObject().put("event", event).put("url", "https://203.0.113.7/hook");
  }

  private static SecretSealer sealer() {
    return SecretSealer.loadAtStart(node.dataDir().resolve(SecretSealer.FILE_NAME));
  }

  private record Row(String type, String event, String deviceId, String settings, byte[] sealedSecrets) {
  }

  private static Row row(String id) throws Exception {
    try (Connection connection = node.node().database().jdbcConnection();
         PreparedStatement query = connection.prepareStatement(
             "SELECT integration_type, event, device_id, settings::text, sealed_secrets FROM integrations WHERE id = ?")) {
      query.setString(1, id);
      try (ResultSet row = query.executeQuery()) {
        return row.next() ? new Row(row.getString(1), row.getString(2), row.getString(3), row.getString(4), row.getBytes(5)) : null;
      }
    }
  }

  private static JsonObject json(HttpResponse<String> response, int... statuses) {
    for (int status : statuses) {
      if (response.statusCode() == status) {
        return new JsonObject(response.body());
      }
    }
    throw new AssertionError("expected " + java.util.Arrays.toString(statuses) + " but got " + response.statusCode() + " " + response.body());
  }

  private static void assertError(HttpResponse<String> response, int status, String error, String descriptionPart) {
    assertEquals(status, response.statusCode(), response.body());
    JsonObject body = new JsonObject(response.body());
    assertEquals(false, body.getBoolean("ok"), response.body());
    assertEquals(error, body.getString("error"), response.body());
    assertTrue(body.getString("error_description").contains(descriptionPart), response.body());
    assertFalse(response.body().contains("Exception") || response.body().contains("\tat "), "no stack trace: " + response.body());
  }
}
