package io.drover.hub.integrations.delivery;

import com.github.mustachejava.Mustache;
import com.github.mustachejava.MustacheException;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A GoogleCloudPubSub integration: each event is one message published to the topic through Pub/Sub's
 * REST API ({@code POST https://pubsub.googleapis.com/v1/projects/<p>/topics/<t>:publish} with
 * {@code {"messages":[{"data": <base64>, "attributes": {...}}]}}, answered {@code {"messageIds":[...]}}).
 * As Particle's integration does (integrations.md, section 6): the data is the event's data (or the
 * integration's {@code json} template rendered), the attributes {@code event}, {@code device_id} and
 * {@code published_at}.
 *
 * <p>Authorization: {@code Bearer <access token>}, a token obtained from the integration's service
 * account key (Drover publishes as the customer's service account; Particle uses its own) by the
 * OAuth 2.0 JWT bearer grant (RFC 7523) at the key's {@code token_uri}, cached until
 * {@value #RENEW_SECONDS} s before it expires; concurrent deliveries wait on the same token request.
 * The token request goes through {@link WebhookSender} like any other, so the target check applies to
 * the key file's {@code token_uri} too, and its answer (the token) never reaches the delivery log.
 */
final class PubSub implements CloudTarget {

  static final String SCOPE = "https://www.googleapis.com/auth/pubsub";
  static final long RENEW_SECONDS = 300;
  private static final Pattern TOPIC = Pattern.compile("^projects/[^/\\s]+/topics/[^/\\s]+$");

  private final Mustache topic;
  private final ServiceAccountKey key;
  private final JsonTemplate json;
  private final String invalid;
  private String token;
  private long tokenValidUntilMillis;
  private Future<String> pending;

  private PubSub(JsonObject settings, JsonObject secrets) {
    String problem = null;
    Mustache compiledTopic = null;
    ServiceAccountKey account = null;
    JsonTemplate template = null;
    try {
      compiledTopic = Templates.compile(String.valueOf(settings.getValue("topic", "")), "topic");
      template = settings.getValue("json") == null ? null : new JsonTemplate(settings.getValue("json"));
    } catch (MustacheException e) {
      problem = "template does not parse: " + e.getMessage();
    }
    if (secrets == null) {
      problem = "the integration's secrets cannot be opened with this node's master key";
    } else if (!(secrets.getValue("service_account_key") instanceof JsonObject file)) {
      problem = "the integration has no service_account_key";
    } else {
      try {
        account = ServiceAccountKey.parse(file);
      } catch (IllegalArgumentException e) {
        problem = "service_account_key: " + e.getMessage();
      }
    }
    this.topic = compiledTopic;
    this.key = account;
    this.json = template;
    this.invalid = problem;
  }

  /** @param secrets the opened sealed secrets ({@code service_account_key}); null when they could not be opened */
  static PubSub compile(JsonObject settings, JsonObject secrets) {
    return new PubSub(settings, secrets);
  }

  @Override
  public String invalid() {
    return invalid;
  }

  @Override
  public WebhookRequest render(OutboxEvent event, Map<String, Object> variables, DeliverySettings settings) {
    String name = Templates.render(topic, variables);
    if (!TOPIC.matcher(name).matches()) {
      throw new IllegalArgumentException("topic renders to '" + name + "', not projects/<project>/topics/<topic>");
    }
    String[] parts = name.split("/");
    String url = settings.pubsubEndpoint() + "/v1/projects/" + segment(parts[1]) + "/topics/" + segment(parts[3]) + ":publish";
    String data = json != null ? json.render(variables) : event.data() == null ? "" : event.data();
    JsonObject attributes = new JsonObject().put("event", event.name()).put("device_id", event.deviceId())
        .put("published_at", EventVariables.publishedAt(event.publishedAtMillis()));
    JsonObject message = new JsonObject().put("data", Base64.getEncoder().encodeToString(data.getBytes(StandardCharsets.UTF_8)))
        .put("attributes", attributes);
    List<Map.Entry<String, String>> headers = new ArrayList<>();
    headers.add(Map.entry("User-Agent", Webhook.USER_AGENT));
    headers.add(Map.entry("Content-Type", "application/json; charset=utf-8"));
    headers.add(Map.entry(AUTHORIZATION, ""));
    return new WebhookRequest("POST", url, headers, Buffer.buffer(new JsonObject().put("messages", new JsonArray().add(message)).encode()),
        List.of(AUTHORIZATION));
  }

  private static String segment(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
  }

  @Override
  public Future<String> authorization(WebhookSender sender) {
    if (token != null && System.currentTimeMillis() < tokenValidUntilMillis) {
      return Future.succeededFuture(token);
    }
    if (pending == null) {
      Future<String> fetched = fetch(sender);
      if (fetched.isComplete()) {
        return fetched;
      }
      pending = fetched;
      fetched.onComplete(done -> pending = null);
    }
    return pending;
  }

  /** The JWT bearer grant: a form POST of the signed assertion to the key's token URI. */
  private Future<String> fetch(WebhookSender sender) {
    URI target = WebhookSender.target(key.tokenUri());
    if (target == null) {
      return Future.failedFuture(new CloudSender.NotAuthorized(Answer.failed("token_uri is not an http(s) URL", false, 0)));
    }
    long now = System.currentTimeMillis();
    String form = "grant_type=" + URLEncoder.encode("urn:ietf:params:oauth:grant-type:jwt-bearer", StandardCharsets.UTF_8)
        + "&assertion=" + key.assertion(SCOPE, now / 1000);
    List<Map.Entry<String, String>> headers = List.of(Map.entry("User-Agent", Webhook.USER_AGENT),
        Map.entry("Content-Type", "application/x-www-form-urlencoded"));
    WebhookRequest request = new WebhookRequest("POST", key.tokenUri(), headers, Buffer.buffer(form), List.of());
    return sender.send(request, target, true).compose(answer -> {
      if (!answer.succeeded()) {
        // 4xx (invalid_grant: a revoked or deleted key, a wrong clock) and a refused target will not mend by themselves; 5xx, 429 and no answer may
        String reason = answer.status() == 0 ? answer.error() : "status " + answer.status() + " " + oauthError(answer.kept());
        return Future.failedFuture(new CloudSender.NotAuthorized(Answer.failed("access token not obtained from " + target.getHost() + ": " + reason,
            answer.status() == 0 ? answer.retryable() : answer.status() >= 500 || answer.status() == 429, answer.latencyMillis())));
      }
      JsonObject granted;
      try {
        granted = new JsonObject(answer.kept());
      } catch (RuntimeException e) {
        granted = new JsonObject();
      }
      if (!(granted.getValue("access_token") instanceof String accessToken) || accessToken.isEmpty()) {
        return Future.failedFuture(new CloudSender.NotAuthorized(Answer.failed("access token not obtained from " + target.getHost()
            + ": the answer holds no access_token", true, answer.latencyMillis())));
      }
      long lifetime = granted.getValue("expires_in") instanceof Number n ? n.longValue() : 3600;
      // renewed a few minutes early; a short-lived token is used for half its life
      long usable = lifetime > 2 * RENEW_SECONDS ? lifetime - RENEW_SECONDS : lifetime / 2;
      token = "Bearer " + accessToken;
      tokenValidUntilMillis = now + usable * 1000;
      return Future.succeededFuture(token);
    });
  }

  /** OAuth's {@code error} and {@code error_description} (RFC 6749 section 5.2), never the raw answer. */
  private static String oauthError(String body) {
    try {
      JsonObject error = new JsonObject(body == null ? "" : body);
      String text = String.valueOf(error.getValue("error")) + (error.getValue("error_description") instanceof String d ? ": " + d : "");
      return text.length() <= 200 ? text : text.substring(0, 200);
    } catch (RuntimeException e) {
      return "(no OAuth error in the answer)";
    }
  }

  @Override
  public void forget() {
    token = null;
  }
}
