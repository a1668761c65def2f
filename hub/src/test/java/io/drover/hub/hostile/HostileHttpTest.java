package io.drover.hub.hostile;

import io.drover.gateway.hostile.Hostile;
import io.drover.gateway.hostile.HostileRun;
import io.drover.gateway.hostile.Tally;
import io.drover.hub.hostile.HttpRequests.HttpCase;
import io.drover.hub.hostile.HttpRequests.World;
import io.drover.hub.hostile.RawHttp.Answer;
import io.drover.hub.support.TestNode;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every route of a real node (the list the authorization matrix checks, {@code Node.httpRoutes()}),
 * against hostile requests over raw sockets (docs/operations.md, "Hostile input"), with a real user's
 * token or the node's, or none: no answer is a server error or carries a stack trace; every client
 * error of the API is its error JSON; a request HTTP can parse is answered; the node answers its
 * health check after each, and a user's own request after the property. The routes' state (the
 * user, the product, the devices) is mended between cases when a case removed it.
 */
class HostileHttpTest {

  /** Past any wait the node applies itself (RequestBodies.UPLOADS_SETTLE, 3 s): a request not answered by then hangs. */
  private static final Duration ANSWER_WAIT = Duration.ofSeconds(8);
  private static final String PASSWORD = "the hostile suite's password";
  /** A Java stack frame, or a qualified exception class name: what an answer must never show. */
  private static final Pattern STACK_TRACE = Pattern.compile(
      "\\bat [a-zA-Z_$][\\w$]*(\\.[\\w$<>]+)+\\([\\w$]+\\.java:\\d+\\)|\\b(java|javax|io|org|com)\\.[a-z0-9_.]+\\.[A-Z]\\w*(Exception|Error)\\b");

  private static TestNode node;
  private static volatile World world;
  private static int accounts;

  @BeforeAll
  static void startNode() throws Exception {
    node = TestNode.start(
        // a case may sign in with a wrong password: the limits on guessing would lock the suite's own user out
        "--accounts.login-failures-per-account=1000", "--accounts.login-failures-per-address=1000000",
        "--events.stream-opens-per-minute=1000000", "--events.max-streams-per-user=100000",
        // a call to a device that is offline fails at once; one that waits must not outlast a case's deadline
        "--devices.call-timeout-ms=2000",
        // a body that stalls (a chunked body cut short) is answered 408 after this, well inside a case's deadline
        "--http.request-timeout-seconds=2");
    world = newWorld();
  }

  @AfterAll
  static void stopNode() {
    if (node != null) {
      node.close();
    }
  }

  @Test
  @Hostile(surface = "http", ciTries = 400)
  void everyRouteAnswersHostileRequestsWithoutAServerError(HostileRun run) throws Exception {
    run.forAll(HttpRequests.cases(node.node().httpRoutes(), world.parameters().keySet()), HostileHttpTest::answeredWithoutAServerError,
        HostileHttpTest::aUserStillReadsTheirDevices);
  }

  /** One request: judged by the rules for every answer, then the node's health check; the world mended for the next. */
  private static void answeredWithoutAServerError(HttpCase hostile, Tally tally) throws Exception {
    Answer answer;
    try {
      answer = RawHttp.exchange(node.httpPort(), hostile.bytes(node.httpPort(), world), hostile.method().equals("HEAD"), ANSWER_WAIT);
    } catch (RawHttp.NoAnswer late) {
      throw tally.hang(hostile + ": " + late.getMessage());
    }
    String outcome = judge(hostile, answer, tally);
    healthy(hostile, tally);
    mendTheWorld();
    tally.tried(hostile.toString(), outcome);
  }

  /** After the property: the suite's user still reads its own devices. */
  private static void aUserStillReadsTheirDevices(Tally tally) throws Exception {
    mendTheWorld();
    HttpResponse<String> devices = node.get("/v1/devices", world.userToken());
    if (devices.statusCode() != 200) {
      throw tally.crash("the user's GET /v1/devices after the property: " + devices.statusCode() + " " + devices.body());
    }
  }

  /** The rules for every answer; returns the case's outcome: its status, or "closed". */
  private static String judge(HttpCase hostile, Answer answer, Tally tally) {
    if (answer.status() == 0) {
      if (!hostile.malformed()) {
        throw tally.crash(hostile + ": the connection was closed without an answer");
      }
      return "closed";
    }
    String body = answer.text();
    // 503 is an answer (a queue full, say); Vert.x answers an HTTP version it does not speak with 501 itself
    boolean unsupportedVersion = answer.status() == 501 && hostile.malformed();
    if (answer.status() >= 500 && answer.status() != 503 && !unsupportedVersion) {
      throw tally.crash(hostile + ": " + answer.status() + " " + abbreviate(body));
    }
    if (STACK_TRACE.matcher(body).find()) {
      throw tally.crash(hostile + ": the answer shows a stack trace: " + abbreviate(body));
    }
    if (answer.status() >= 400 && !unsupportedVersion && hostile.apiRoute() && !hostile.method().equals("HEAD") && !isApiError(body)) {
      throw tally.crash(hostile + ": a " + answer.status() + " that is not the API's error JSON: " + answer.headers() + " " + abbreviate(body));
    }
    return answer.status() + (answer.isStream() ? " stream" : "");
  }

  private static boolean isApiError(String body) {
    try {
      return new JsonObject(body).getValue("error") instanceof String;
    } catch (RuntimeException notJson) {
      return false;
    }
  }

  /** The node answers its liveness check (a request of its own, on a connection of its own) by the deadline. */
  private static void healthy(HttpCase hostile, Tally tally) throws IOException {
    byte[] request = ("GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    Answer health;
    try {
      health = RawHttp.exchange(node.httpPort(), request, false, ANSWER_WAIT);
    } catch (RawHttp.NoAnswer late) {
      throw tally.hang(hostile + ": the node did not answer its health check afterwards");
    }
    if (health.status() != 200) {
      throw tally.crash(hostile + ": the health check afterwards was answered " + health.status() + " " + abbreviate(health.text()));
    }
  }

  /**
   * Puts back what a case took away: a user whose token still works (a case may revoke it, or change
   * the password), with a product and a device of its own. Costs two requests when nothing was taken.
   */
  private static void mendTheWorld() throws Exception {
    World current = world;
    boolean userOk = node.get("/v1/user", current.userToken()).statusCode() == 200;
    boolean productOk = userOk && node.get("/v1/products/" + current.parameters().get("productIdOrSlug"), current.userToken()).statusCode() == 200;
    if (!productOk) {
      world = newWorld();
    }
  }

  /** A fresh user with a product of which it is the administrator, a device of its own and one of the product's. */
  private static World newWorld() throws Exception {
    String username = "hostile-" + (++accounts) + "@hostile.example";
    String token = node.signUpAndLogIn(username, PASSWORD);
    JsonObject product = new JsonObject(node.post("/v1/products", new JsonObject().put("product", new JsonObject()
        .put("name", "Hostile " + accounts).put("platform_id", 12)).encode(), token).body()).getJsonObject("product");
    String productId = String.valueOf(product.getValue("id"));
    TestNode.DeviceIdentity personal = node.provisionDevice();
    node.claim(personal.id(), token);
    TestNode.DeviceIdentity productDevice = node.provisionDevice();
    node.post("/v1/products/" + productId + "/devices", new JsonObject().put("id", productDevice.id()).encode(), node.adminToken());
    Map<String, String> parameters = new HashMap<>();
    parameters.put("productIdOrSlug", productId);
    parameters.put("product", productId);
    parameters.put("device", personal.id());
    parameters.put("deviceId", productDevice.id());
    parameters.put("username", username);
    parameters.put("email", username);
    parameters.put("variable", "temperature");
    parameters.put("function", "led");
    parameters.put("version", "1");
    parameters.put("rollout", "1");
    parameters.put("group", "beta");
    parameters.put("fingerprint", "00".repeat(32));
    parameters.put("token", token);
    parameters.put("id", "0");
    parameters.put("clientId", "0");
    parameters.put("file", "app.js");
    // a webhook of the user's (TEST-NET-3: a public address, no DNS lookup)
    parameters.put("integrationId", new JsonObject(node.post("/v1/webhooks", new JsonObject().put("event", "hostile")
        .put("url", "https://203.0.113.7/hook").encode(), token).body()).getString("id"));
    return new World(Map.copyOf(parameters), token, node.adminToken());
  }

  private static String abbreviate(String text) {
    return text.length() > 300 ? text.substring(0, 300) + "...(" + text.length() + " chars)" : text;
  }
}
