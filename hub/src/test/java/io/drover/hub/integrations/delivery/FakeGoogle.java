package io.drover.hub.integrations.delivery;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Stand-ins for Google's OAuth 2.0 token endpoint and Cloud Pub/Sub's REST publish, on one loopback
 * port, as Google documents them:
 *
 * <ul>
 *   <li>{@code POST /token}, a form {@code grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=<JWT>}:
 *       the JWT's RS256 signature is verified with the public key of the service account it names
 *       ({@link #accounts}), its header must say {@code alg RS256, typ JWT}, its claims {@code iss}
 *       that account, {@code aud} this endpoint's URL, {@code scope} Pub/Sub's, {@code exp - iat <= 3600},
 *       not expired, not issued in the future; answered {@code {access_token, expires_in: 3599, token_type: Bearer}}
 *       or 400 {@code invalid_grant};</li>
 *   <li>{@code POST /v1/projects/<p>/topics/<t>:publish} with {@code Authorization: Bearer} a token it issued,
 *       {@code {"messages":[{"data": base64, "attributes": {...}}]}}: answered {@code {"messageIds":[...]}},
 *       401 for another token, 400 for a malformed body.</li>
 * </ul>
 * {@link #failures} makes publish answer a status a number of times for an event name (attribute {@code event}).
 */
final class FakeGoogle implements AutoCloseable {

  record Published(String topic, String authorization, MultiMap headers, String data, JsonObject attributes, int status) {
  }

  static final String SCOPE = "https://www.googleapis.com/auth/pubsub";

  /** Service account email -> its public key. */
  final Map<String, PublicKey> accounts = new ConcurrentHashMap<>();
  final Map<String, int[]> failures = new ConcurrentHashMap<>();
  final List<Published> published = new CopyOnWriteArrayList<>();
  final AtomicInteger tokenRequests = new AtomicInteger();
  final AtomicInteger tokensRefused = new AtomicInteger();
  /** The lifetime the tokens issued are given, in seconds (Google's: 3599). */
  final AtomicInteger expiresIn = new AtomicInteger(3599);
  final Set<String> issued = ConcurrentHashMap.newKeySet();
  private final AtomicInteger ids = new AtomicInteger();
  private final HttpServer server;

  private FakeGoogle(Vertx vertx) {
    this.server = vertx.createHttpServer().requestHandler(this::handle);
  }

  static FakeGoogle start(Vertx vertx) throws Exception {
    FakeGoogle google = new FakeGoogle(vertx);
    google.server.listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    return google;
  }

  int port() {
    return server.actualPort();
  }

  String tokenUri() {
    return "http://127.0.0.1:" + port() + "/token";
  }

  List<Published> forEvent(String event) {
    return published.stream().filter(p -> p.attributes() != null && event.equals(p.attributes().getString("event"))).toList();
  }

  private void handle(HttpServerRequest request) {
    request.body().onSuccess(buffer -> {
      String body = buffer.toString(StandardCharsets.UTF_8);
      if (request.method() == HttpMethod.POST && request.path().equals("/token")) {
        token(request, body);
      } else if (request.method() == HttpMethod.POST && request.path().matches("^/v1/projects/[^/]+/topics/[^/]+:publish$")) {
        publish(request, body);
      } else {
        request.response().setStatusCode(404).end();
      }
    });
  }

  private void token(HttpServerRequest request, String body) {
    tokenRequests.incrementAndGet();
    String problem = assertionProblem(request, body);
    if (problem != null) {
      tokensRefused.incrementAndGet();
      request.response().setStatusCode(400).putHeader("Content-Type", "application/json")
          .end(new JsonObject().put("error", "invalid_grant").put("error_description", problem).encode());
      return;
    }
    String token = "ya29.fake-" + UUID.randomUUID();
    issued.add(token);
    request.response().putHeader("Content-Type", "application/json")
        .end(new JsonObject().put("access_token", token).put("expires_in", expiresIn.get()).put("token_type", "Bearer").encode());
  }

  private String assertionProblem(HttpServerRequest request, String body) {
    if (!"application/x-www-form-urlencoded".equals(request.getHeader("Content-Type"))) {
      return "content type " + request.getHeader("Content-Type");
    }
    Map<String, String> form = new HashMap<>();
    for (String pair : body.split("&")) {
      int equals = pair.indexOf('=');
      if (equals > 0) {
        form.put(URLDecoder.decode(pair.substring(0, equals), StandardCharsets.UTF_8), URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8));
      }
    }
    if (!"urn:ietf:params:oauth:grant-type:jwt-bearer".equals(form.get("grant_type"))) {
      return "grant_type " + form.get("grant_type");
    }
    String[] parts = String.valueOf(form.get("assertion")).split("\\.", -1);
    if (parts.length != 3) {
      return "the assertion is no JWS compact serialization";
    }
    Base64.Decoder url = Base64.getUrlDecoder();
    JsonObject header;
    JsonObject claims;
    try {
      header = new JsonObject(new String(url.decode(parts[0]), StandardCharsets.UTF_8));
      claims = new JsonObject(new String(url.decode(parts[1]), StandardCharsets.UTF_8));
    } catch (RuntimeException e) {
      return "the assertion's header or claims do not decode";
    }
    if (!"RS256".equals(header.getValue("alg")) || !"JWT".equals(header.getValue("typ"))) {
      return "header " + header.encode();
    }
    PublicKey key = claims.getValue("iss") instanceof String iss ? accounts.get(iss) : null;
    if (key == null) {
      return "unknown issuer " + claims.getValue("iss");
    }
    try {
      Signature verifier = Signature.getInstance("SHA256withRSA");
      verifier.initVerify(key);
      verifier.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
      if (!verifier.verify(url.decode(parts[2]))) {
        return "Invalid JWT Signature.";
      }
    } catch (java.security.GeneralSecurityException | IllegalArgumentException e) {
      return "Invalid JWT Signature: " + e.getMessage();
    }
    if (!tokenUri().equals(claims.getValue("aud"))) {
      return "aud " + claims.getValue("aud");
    }
    if (!SCOPE.equals(claims.getValue("scope"))) {
      return "scope " + claims.getValue("scope");
    }
    if (!(claims.getValue("iat") instanceof Number iat) || !(claims.getValue("exp") instanceof Number exp)) {
      return "iat and exp are required numbers";
    }
    long now = System.currentTimeMillis() / 1000;
    if (exp.longValue() - iat.longValue() > 3600 || exp.longValue() <= now || iat.longValue() > now + 60) {
      return "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe";
    }
    return null;
  }

  private void publish(HttpServerRequest request, String body) {
    String topic = request.path().substring("/v1/".length(), request.path().length() - ":publish".length());
    String authorization = request.getHeader("Authorization");
    MultiMap headers = MultiMap.caseInsensitiveMultiMap().addAll(request.headers());
    if (authorization == null || !authorization.startsWith("Bearer ") || !issued.contains(authorization.substring(7))) {
      published.add(new Published(topic, authorization, headers, null, null, 401));
      request.response().setStatusCode(401).putHeader("Content-Type", "application/json").end(new JsonObject().put("error",
          new JsonObject().put("code", 401).put("message", "Request had invalid authentication credentials.").put("status", "UNAUTHENTICATED")).encode());
      return;
    }
    String data;
    JsonObject attributes;
    try {
      if (!request.getHeader("Content-Type").startsWith("application/json")) {
        throw new IllegalArgumentException("content type");
      }
      JsonArray messages = new JsonObject(body).getJsonArray("messages");
      if (messages.size() != 1) {
        throw new IllegalArgumentException("one message per request expected here");
      }
      JsonObject message = messages.getJsonObject(0);
      data = new String(Base64.getDecoder().decode(message.getString("data")), StandardCharsets.UTF_8);
      attributes = message.getJsonObject("attributes");
      for (String name : attributes.fieldNames()) {
        if (!(attributes.getValue(name) instanceof String)) {
          throw new IllegalArgumentException("attribute values are strings");
        }
      }
    } catch (RuntimeException e) {
      published.add(new Published(topic, authorization, headers, null, null, 400));
      request.response().setStatusCode(400).end(new JsonObject().put("error", new JsonObject().put("code", 400)
          .put("message", "Invalid JSON payload: " + e.getMessage()).put("status", "INVALID_ARGUMENT")).encode());
      return;
    }
    int[] failure = failures.get(String.valueOf(attributes.getValue("event")));
    int status = 200;
    if (failure != null && failure[1] > 0) {
      failure[1]--;
      status = failure[0];
    }
    published.add(new Published(topic, authorization, headers, data, attributes, status));
    if (status != 200) {
      request.response().setStatusCode(status).end(new JsonObject().put("error", new JsonObject().put("code", status)
          .put("message", "The service was unable to fulfill your request.").put("status", "UNAVAILABLE")).encode());
      return;
    }
    request.response().putHeader("Content-Type", "application/json")
        .end(new JsonObject().put("messageIds", new JsonArray().add(Integer.toString(ids.incrementAndGet()))).encode());
  }

  @Override
  public void close() {
    server.close().await();
  }
}
