package io.drover.hub.integrations.delivery;

import com.github.mustachejava.Mustache;
import com.github.mustachejava.MustacheException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One integration of type Webhook, its templates compiled once when its row is loaded (so a delivery
 * only renders), and how its request is made from an event (docs {@code webhooks.md}, "Variable
 * substitution" and "Default data"; {@code ../shared/reference/integrations.md} section 4):
 *
 * <ul>
 *   <li>templates apply to url, query, headers, auth, json (each string leaf of an object, or the
 *       whole text of a string, which is then sent as it renders), form, body and both topics;</li>
 *   <li>the default data {@code {event, data, published_at, coreid}} goes in the query string of a
 *       GET, in the form of a POST or PUT that names no json, form or body, and is merged under the
 *       template's own keys into json and form; never into body (which gets no Content-Type of its
 *       own); {@code noDefaults} turns it off. A DELETE gets it only merged into a json or form it
 *       names (the docs disagree on whether DELETE has a body).</li>
 * </ul>
 *
 * Immutable and thread-safe. A template that does not parse is kept as {@link #invalid()}: its
 * deliveries fail at once, without retries, with that reason.
 */
final class Webhook {

  static final String USER_AGENT = "ParticleBot/1.1 (https://docs.particle.io/webhooks)";
  private static final String SANDBOX_RESPONSE_TOPIC = "hook-response/{{PARTICLE_EVENT_NAME}}";
  private static final String PRODUCT_RESPONSE_TOPIC = "{{PARTICLE_DEVICE_ID}}/hook-response/{{PARTICLE_EVENT_NAME}}";
  private static final String ERROR_TOPIC = "hook-error/{{PARTICLE_EVENT_NAME}}";

  private final String id;
  private final String method;
  private final boolean noDefaults;
  private final boolean rejectUnauthorized;
  private final Mustache url;
  private final Map<String, Mustache> query = new LinkedHashMap<>();
  private final Map<String, Mustache> headers = new LinkedHashMap<>();
  private final Mustache username;
  private final Mustache password;
  /** The json setting: an object whose string leaves are templates, or a template text; null when none. */
  private final JsonTemplate json;
  private final Map<String, Mustache> form;
  private final Mustache body;
  private final Mustache responseTopic;
  private final Mustache errorTopic;
  private final Mustache responseTemplate;
  private final String invalid;

  private Webhook(String id, JsonObject settings, JsonObject secrets, boolean product) {
    this.id = id;
    String requested = settings.getValue("requestType") instanceof String s ? s.toUpperCase(Locale.ROOT) : "POST";
    this.method = switch (requested) {
      case "GET", "PUT", "DELETE", "POST", "PATCH" -> requested;
      default -> "POST";
    };
    this.noDefaults = Boolean.TRUE.equals(settings.getValue("noDefaults"));
    this.rejectUnauthorized = !Boolean.FALSE.equals(settings.getValue("rejectUnauthorized"));
    String problem = null;
    Mustache compiledUrl = null;
    Mustache user = null;
    Mustache pass = null;
    Mustache compiledBody = null;
    Map<String, Mustache> compiledForm = null;
    Mustache response = null;
    Mustache error = null;
    Mustache responseBody = null;
    JsonTemplate jsonTemplate = null;
    if (secrets == null) {
      problem = "the integration's secrets cannot be opened with this node's master key";
      secrets = new JsonObject();
    }
    try {
      compiledUrl = compile(String.valueOf(settings.getValue("url", "")), "url");
      compileAll(settings.getValue("query"), query, "query");
      compileAll(secrets.getValue("headers"), headers, "headers");
      if (secrets.getValue("auth") instanceof JsonObject auth) {
        user = compile(String.valueOf(auth.getValue("username", "")), "auth.username");
        pass = compile(String.valueOf(auth.getValue("password", "")), "auth.password");
      }
      if (settings.getValue("json") != null) {
        jsonTemplate = new JsonTemplate(settings.getValue("json"));
      }
      if (settings.getValue("form") instanceof JsonObject formSetting) {
        compiledForm = new LinkedHashMap<>();
        compileAll(formSetting, compiledForm, "form");
      }
      if (settings.getValue("body") instanceof String text) {
        compiledBody = compile(text, "body");
      }
      response = compile(settings.getValue("responseTopic") instanceof String topic && !topic.isEmpty()
          ? topic : product ? PRODUCT_RESPONSE_TOPIC : SANDBOX_RESPONSE_TOPIC, "responseTopic");
      error = compile(settings.getValue("errorResponseTopic") instanceof String topic && !topic.isEmpty() ? topic : ERROR_TOPIC,
          "errorResponseTopic");
      if (settings.getValue("responseTemplate") instanceof String template && !template.isEmpty()) {
        responseBody = compile(template, "responseTemplate");
      }
    } catch (RuntimeException e) {
      // mustache.java throws more than MustacheException on some broken texts: none of them may stop the index from loading
      problem = "template does not parse: " + (e instanceof MustacheException || e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName());
    }
    this.url = compiledUrl;
    this.username = user;
    this.password = pass;
    this.json = jsonTemplate;
    this.form = compiledForm;
    this.body = compiledBody;
    this.responseTopic = response;
    this.errorTopic = error;
    this.responseTemplate = responseBody;
    this.invalid = problem;
  }

  /** @param secrets the opened sealed secrets ({@code headers}, {@code auth}), empty when none, null when they could not be opened */
  static Webhook compile(String id, JsonObject settings, JsonObject secrets, boolean product) {
    return new Webhook(id, settings, secrets, product);
  }

  /** Why this integration's templates cannot be used; null when they can. */
  String invalid() {
    return invalid;
  }

  boolean rejectUnauthorized() {
    return rejectUnauthorized;
  }

  WebhookRequest render(OutboxEvent event, Map<String, Object> variables) {
    List<Map.Entry<String, String>> out = new ArrayList<>();
    List<String> secret = new ArrayList<>(headers.keySet());
    out.add(Map.entry("User-Agent", USER_AGENT));
    Map<String, String> defaults = noDefaults ? Map.of() : defaults(event);
    StringBuilder target = new StringBuilder(Templates.render(url, variables));
    Map<String, String> queryValues = new LinkedHashMap<>();
    if ("GET".equals(method)) {
      queryValues.putAll(defaults);
    }
    query.forEach((name, template) -> queryValues.put(name, Templates.render(template, variables)));
    if (!queryValues.isEmpty()) {
      target.append(target.indexOf("?") < 0 ? '?' : '&').append(formEncode(queryValues));
    }
    Buffer payload = null;
    boolean bodyMethod = !"GET".equals(method);
    if (bodyMethod && body != null) {
      payload = Buffer.buffer(Templates.render(body, variables));
    } else if (bodyMethod && json != null) {
      out.add(Map.entry("Content-Type", "application/json"));
      payload = Buffer.buffer(renderJson(defaults, variables));
    } else if (bodyMethod && (form != null || (!method.equals("DELETE") && !defaults.isEmpty()))) {
      Map<String, String> values = new LinkedHashMap<>(defaults);
      if (form != null) {
        form.forEach((name, template) -> values.put(name, Templates.render(template, variables)));
      }
      out.add(Map.entry("Content-Type", "application/x-www-form-urlencoded"));
      payload = Buffer.buffer(formEncode(values));
    }
    if (username != null) {
      String credentials = Templates.render(username, variables) + ":" + Templates.render(password, variables);
      out.add(Map.entry("Authorization", "Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8))));
      secret.add("Authorization");
    }
    headers.forEach((name, template) -> out.add(Map.entry(name, Templates.render(template, variables))));
    return new WebhookRequest(method, target.toString(), out, payload, secret);
  }

  /** The topic of the answer's pieces, before their {@code /<i>}. */
  String responseTopic(Map<String, Object> variables) {
    return Templates.render(responseTopic, variables);
  }

  String errorTopic(Map<String, Object> variables) {
    return Templates.render(errorTopic, variables);
  }

  /** The answer as the device gets it: through responseTemplate (the answer's JSON as variables too) when there is one. */
  String responseBody(String answer, Map<String, Object> variables) {
    if (responseTemplate == null) {
      return answer;
    }
    Map<String, Object> scope = new HashMap<>(variables);
    if (EventVariables.parse(answer) instanceof Map<?, ?> parsed) {
      parsed.forEach((key, value) -> scope.put(String.valueOf(key), value));
    }
    return Templates.render(responseTemplate, scope);
  }

  String id() {
    return id;
  }

  private String renderJson(Map<String, String> defaults, Map<String, Object> variables) {
    Object value = json.renderValue(variables);
    if (value instanceof String rendered) {
      if (defaults.isEmpty()) {
        return rendered;
      }
      // the defaults merge only into a template that renders to a JSON object
      Object parsed = EventVariables.parse(rendered);
      if (!(parsed instanceof Map<?, ?>)) {
        return rendered;
      }
      JsonObject merged = new JsonObject(new LinkedHashMap<>(defaults));
      new JsonObject(rendered).forEach(entry -> merged.put(entry.getKey(), entry.getValue()));
      return merged.encode();
    }
    if (value instanceof JsonObject object && !defaults.isEmpty()) {
      JsonObject merged = new JsonObject(new LinkedHashMap<>(defaults));
      object.forEach(entry -> merged.put(entry.getKey(), entry.getValue()));
      return merged.encode();
    }
    return JsonTemplate.encode(value);
  }

  private static void compileAll(Object setting, Map<String, Mustache> into, String field) {
    if (setting instanceof JsonObject object) {
      object.forEach(entry -> into.put(entry.getKey(), compile(entry.getValue() == null ? "" : String.valueOf(entry.getValue()), field)));
    }
  }

  private static Mustache compile(String template, String field) {
    return Templates.compile(template, field);
  }

  private static Map<String, String> defaults(OutboxEvent event) {
    Map<String, String> defaults = new LinkedHashMap<>();
    defaults.put("event", event.name());
    defaults.put("data", event.data() == null ? "" : event.data());
    defaults.put("published_at", EventVariables.publishedAt(event.publishedAtMillis()));
    defaults.put("coreid", event.deviceId());
    return defaults;
  }

  private static String formEncode(Map<String, String> values) {
    StringBuilder text = new StringBuilder();
    values.forEach((name, value) -> {
      if (!text.isEmpty()) {
        text.append('&');
      }
      text.append(URLEncoder.encode(name, StandardCharsets.UTF_8)).append('=').append(URLEncoder.encode(value, StandardCharsets.UTF_8));
    });
    return text.toString();
  }
}
