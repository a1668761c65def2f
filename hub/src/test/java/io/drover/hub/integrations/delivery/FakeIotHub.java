package io.drover.hub.integrations.delivery;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A stand-in for Azure IoT Hub's device-to-cloud REST endpoint, as Microsoft documents it ("Device -
 * Send Device Event", "Control access to IoT Hub with shared access signatures"), on a loopback port:
 * {@code POST /devices/<id>/messages/events?api-version=2021-04-12} with a JSON body, answered 204.
 * It recomputes each token's signature from the policy key it was given (its own HMAC, not the node's
 * code) and answers 401 to a token that is malformed, for another resource or policy, expired, or
 * signed with another key; 400 to a wrong path, api-version, content type or body. {@link #failures}
 * makes it answer a status a number of times for an event name (its {@code iothub-app-event}).
 */
final class FakeIotHub implements AutoCloseable {

  record Received(String path, String query, MultiMap headers, String body, int status) {
  }

  /** Event name -> {status, times}: that status is answered that many times, then 204. */
  final Map<String, int[]> failures = new ConcurrentHashMap<>();
  final List<Received> received = new CopyOnWriteArrayList<>();
  final AtomicInteger refused = new AtomicInteger();
  private final String hubName;
  private final String policyName;
  private final byte[] policyKey;
  private final HttpServer server;

  private FakeIotHub(Vertx vertx, String hubName, String policyName, String policyKey) {
    this.hubName = hubName;
    this.policyName = policyName;
    this.policyKey = Base64.getDecoder().decode(policyKey);
    this.server = vertx.createHttpServer().requestHandler(this::handle);
  }

  static FakeIotHub start(Vertx vertx, String hubName, String policyName, String policyKey) throws Exception {
    FakeIotHub hub = new FakeIotHub(vertx, hubName, policyName, policyKey);
    hub.server.listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    return hub;
  }

  int port() {
    return server.actualPort();
  }

  List<Received> forEvent(String event) {
    return received.stream().filter(r -> event.equals(r.headers().get("iothub-app-event"))).toList();
  }

  private void handle(HttpServerRequest request) {
    request.body().onSuccess(buffer -> {
      String body = buffer.toString(StandardCharsets.UTF_8);
      int status;
      String answer;
      String problem = problem(request, body);
      String tokenProblem = problem == null ? tokenProblem(request.getHeader("Authorization")) : null;
      if (problem != null) {
        status = 400;
        answer = new JsonObject().put("Message", "ErrorCode:ArgumentInvalid;" + problem).encode();
      } else if (tokenProblem != null) {
        refused.incrementAndGet();
        status = 401;
        answer = new JsonObject().put("Message", "ErrorCode:IotHubUnauthorizedAccess;Unauthorized").put("ExceptionMessage", tokenProblem).encode();
      } else {
        int[] failure = failures.get(String.valueOf(request.getHeader("iothub-app-event")));
        if (failure != null && failure[1] > 0) {
          failure[1]--;
          status = failure[0];
          answer = new JsonObject().put("Message", "ErrorCode:ServerError;try again").encode();
        } else {
          status = 204;
          answer = "";
        }
      }
      received.add(new Received(request.path(), request.query(), MultiMap.caseInsensitiveMultiMap().addAll(request.headers()), body, status));
      request.response().setStatusCode(status);
      if (!answer.isEmpty()) {
        request.response().putHeader("Content-Type", "application/json; charset=utf-8");
      }
      request.response().end(answer);
    });
  }

  /** The path, the api-version, the content type and the body's JSON; null when all is as the docs say. */
  private static String problem(HttpServerRequest request, String body) {
    String path = request.path();
    if (request.method() != io.vertx.core.http.HttpMethod.POST || !path.matches("^/devices/[^/]+/messages/events$")) {
      return "no such route: " + request.method() + " " + path;
    }
    if (!"2021-04-12".equals(request.getParam("api-version"))) {
      return "unsupported api-version " + request.getParam("api-version");
    }
    if (request.getHeader("Content-Type") == null || !request.getHeader("Content-Type").startsWith("application/json")) {
      return "content type " + request.getHeader("Content-Type");
    }
    try {
      new JsonObject(body);
    } catch (RuntimeException e) {
      return "the body is not a JSON object";
    }
    return null;
  }

  /** The SAS token's checks; null when the token is good for this hub. */
  String tokenProblem(String authorization) {
    String prefix = "SharedAccessSignature ";
    if (authorization == null || !authorization.startsWith(prefix)) {
      return "no SharedAccessSignature";
    }
    Map<String, String> fields = new HashMap<>();
    Map<String, String> raw = new HashMap<>();
    for (String pair : authorization.substring(prefix.length()).split("&")) {
      int equals = pair.indexOf('=');
      if (equals < 0) {
        return "malformed field " + pair;
      }
      raw.put(pair.substring(0, equals), pair.substring(equals + 1));
      fields.put(pair.substring(0, equals), URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8));
    }
    if (!fields.keySet().equals(java.util.Set.of("sr", "sig", "se", "skn"))) {
      return "fields " + fields.keySet();
    }
    String resource = fields.get("sr");
    if (!resource.equalsIgnoreCase(hubName + ".azure-devices.net")) {
      return "token for another resource: " + resource;
    }
    if (!policyName.equals(fields.get("skn"))) {
      return "unknown policy " + fields.get("skn");
    }
    long expiry;
    try {
      expiry = Long.parseLong(fields.get("se"));
    } catch (NumberFormatException e) {
      return "se is no number";
    }
    if (expiry <= System.currentTimeMillis() / 1000) {
      return "token expired";
    }
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(policyKey, "HmacSHA256"));
      String signed = URLEncoder.encode(resource, StandardCharsets.UTF_8) + "\n" + expiry;
      String expected = Base64.getEncoder().encodeToString(mac.doFinal(signed.getBytes(StandardCharsets.UTF_8)));
      if (!expected.equals(fields.get("sig")) || !raw.get("sig").equals(URLEncoder.encode(expected, StandardCharsets.UTF_8))) {
        return "signature mismatch";
      }
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
    return null;
  }

  @Override
  public void close() {
    server.close().await();
  }
}
