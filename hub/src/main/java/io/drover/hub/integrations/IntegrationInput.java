package io.drover.hub.integrations;

import io.drover.hub.http.ApiException;
import io.drover.hub.integrations.delivery.ServiceAccountKey;
import io.drover.hub.integrations.delivery.Templates;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A create or replace request's body, read as particle-api-js, particle-cli and Particle's docs send it
 * (integrations.md, "What the clients send"), and validated into what the table stores: each problem
 * is a 400 naming the field. Keys no integration type knows are ignored and not stored (the CLI's
 * template files carry comments such as {@code "_"}); a key set to null counts as absent, as in those
 * files.
 */
final class IntegrationInput {

  static final String WEBHOOK = "Webhook";
  static final String AZURE_IOT_HUB = "AzureIotHub";
  static final String GOOGLE_CLOUD_PUBSUB = "GoogleCloudPubSub";
  static final List<String> TYPES = List.of(WEBHOOK, AZURE_IOT_HUB, GOOGLE_CLOUD_PUBSUB);

  static final int MAX_EVENT = 64;
  static final int MAX_NAME = 200;
  static final int MAX_URL = 2048;
  static final int MAX_TOPIC = 256;
  static final int MAX_HEADERS = 50;
  static final Set<String> METHODS = Set.of("GET", "POST", "PUT", "DELETE", "PATCH");

  private static final Pattern DEVICE_ID = Pattern.compile("^[0-9a-f]{24}$");
  /** RFC 9110 section 5.6.2: a header name is a token. */
  private static final Pattern HEADER_NAME = Pattern.compile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$");
  private static final Pattern AZURE_HUB_NAME = Pattern.compile("^[A-Za-z0-9-]{3,50}$");
  private static final Pattern AZURE_POLICY_NAME = Pattern.compile("^[A-Za-z0-9._-]{1,64}$");
  private static final Pattern PUBSUB_TOPIC = Pattern.compile("^projects/[^/\\s]+/topics/[^/\\s]+$");
  private static final List<String> BOOLEANS = List.of("noDefaults", "rejectUnauthorized", "unchunked", "dataUrlResponseEvent");
  private static final List<String> TOPICS = List.of("responseTopic", "errorResponseTopic");

  /**
   * What the table stores of one integration.
   *
   * @param settings the integration as Particle spells it, without secrets (the settings column)
   * @param secrets the secret keys ({@code auth}, {@code headers}, {@code policy_key},
   *     {@code service_account_key}); empty when there are none
   * @param url the URL the create-time target check judges: a Webhook's url, a Pub/Sub service account key's
   *     token_uri; null for Azure IoT Hub (its endpoint is the node's)
   */
  record Spec(String type, String event, String deviceId, boolean disabled, JsonObject settings, JsonObject secrets, String url) {
  }

  private IntegrationInput() {
  }

  /**
   * @param legacyWebhookRoute the request came to {@code /v1/webhooks}: Webhook is the only type
   * @throws ApiException 400 naming the first problem
   */
  static Spec parse(JsonObject body, boolean legacyWebhookRoute) {
    String type = type(body.getValue("integration_type"), legacyWebhookRoute);
    String event = event(body);
    String deviceId = deviceId(body);
    boolean disabled = bool(body, "disabled", false);
    JsonObject settings = new JsonObject();
    JsonObject secrets = new JsonObject();
    Object name = body.getValue("name");
    if (name != null) {
      settings.put("name", text(name, "name", MAX_NAME, false));
    }
    String url = null;
    switch (type) {
      case WEBHOOK -> url = webhook(body, settings, secrets);
      case AZURE_IOT_HUB -> azure(body, settings, secrets);
      default -> url = pubSub(body, settings, secrets);
    }
    return new Spec(type, event, deviceId, disabled, settings, secrets, url);
  }

  private static String type(Object value, boolean legacyWebhookRoute) {
    if (value == null) {
      return WEBHOOK;
    }
    if (value instanceof String given) {
      for (String type : TYPES) {
        if (type.equalsIgnoreCase(given)) {
          if (legacyWebhookRoute && !type.equals(WEBHOOK)) {
            throw invalid("/v1/webhooks holds Webhook integrations only; create a " + type + " through /v1/integrations");
          }
          return type;
        }
      }
    }
    throw invalid("integration_type must be one of " + String.join(", ", TYPES) + " (GoogleMaps and others are not supported)");
  }

  /** {@code event}, or {@code eventName} as template files often say; 1 to 64 characters, no control characters. */
  private static String event(JsonObject body) {
    Object value = body.getValue("event") != null ? body.getValue("event") : body.getValue("eventName");
    if (value == null) {
      throw invalid("event is required: the event-name prefix that triggers the integration");
    }
    String event = text(value, "event", MAX_EVENT, false);
    if (event.isEmpty()) {
      throw invalid("event must have at least 1 character");
    }
    return event;
  }

  /** {@code deviceID}, {@code deviceId} or {@code deviceid}: one device of the caller, or empty for all. */
  private static String deviceId(JsonObject body) {
    String found = null;
    String foundKey = null;
    for (String key : List.of("deviceID", "deviceId", "deviceid")) {
      Object value = body.getValue(key);
      if (value == null || (value instanceof String s && s.isEmpty())) {
        continue;
      }
      if (!(value instanceof String s) || !DEVICE_ID.matcher(s.toLowerCase(Locale.ROOT)).matches()) {
        throw invalid(key + " must be a device ID: 24 hexadecimal digits");
      }
      String id = s.toLowerCase(Locale.ROOT);
      if (found != null && !found.equals(id)) {
        throw invalid(foundKey + " and " + key + " name different devices");
      }
      found = id;
      foundKey = key;
    }
    return found;
  }

  /** @return the URL */
  private static String webhook(JsonObject body, JsonObject settings, JsonObject secrets) {
    Object urlValue = body.getValue("url");
    if (urlValue == null || (urlValue instanceof String s && s.isBlank())) {
      throw invalid("url is required: the http:// or https:// address the webhook sends to");
    }
    String url = text(urlValue, "url", MAX_URL, false);
    WebhookUrl.parse(url);
    template(url, "url");
    settings.put("url", url);
    Object method = body.getValue("requestType");
    String requestType = method == null ? "POST" : text(method, "requestType", 10, false).toUpperCase(Locale.ROOT);
    if (!METHODS.contains(requestType)) {
      throw invalid("requestType must be GET, POST, PUT, DELETE or PATCH");
    }
    settings.put("requestType", requestType);
    int bodies = 0;
    for (String key : List.of("json", "form", "body")) {
      if (body.getValue(key) != null) {
        bodies++;
      }
    }
    if (bodies > 1) {
      throw invalid("json, form and body are mutually exclusive: give at most one");
    }
    if (body.getValue("json") != null) {
      Object json = body.getValue("json");
      if (!(json instanceof String) && !(json instanceof JsonObject) && !(json instanceof JsonArray)) {
        throw invalid("json must be an object, an array or a template text");
      }
      templates(json, "json");
      settings.put("json", json);
    }
    if (body.getValue("form") != null) {
      settings.put("form", templateMap(body.getValue("form"), "form"));
    }
    if (body.getValue("body") != null) {
      String text = text(body.getValue("body"), "body", Integer.MAX_VALUE, true);
      template(text, "body");
      settings.put("body", text);
    }
    if (body.getValue("query") != null) {
      settings.put("query", templateMap(body.getValue("query"), "query"));
    }
    if (body.getValue("responseTemplate") != null) {
      Object response = body.getValue("responseTemplate");
      if (!(response instanceof String) && !(response instanceof JsonObject)) {
        throw invalid("responseTemplate must be a template text");
      }
      templates(response, "responseTemplate");
      settings.put("responseTemplate", response);
    }
    for (String topic : TOPICS) {
      if (body.getValue(topic) != null) {
        String text = text(body.getValue(topic), topic, MAX_TOPIC, false);
        template(text, topic);
        settings.put(topic, text);
      }
    }
    for (String flag : BOOLEANS) {
      if (body.getValue(flag) != null) {
        settings.put(flag, bool(body, flag, false));
      }
    }
    if (body.getValue("headers") != null) {
      secrets.put("headers", headers(body.getValue("headers")));
    }
    if (body.getValue("auth") != null) {
      secrets.put("auth", auth(body.getValue("auth")));
    }
    return url;
  }

  private static void azure(JsonObject body, JsonObject settings, JsonObject secrets) {
    String hub = required(body, "hub_name", 50);
    if (!AZURE_HUB_NAME.matcher(hub).matches()) {
      throw invalid("hub_name must be an Azure IoT Hub's name: 3 to 50 letters, digits or '-'");
    }
    String policy = required(body, "policy_name", 64);
    if (!AZURE_POLICY_NAME.matcher(policy).matches()) {
      throw invalid("policy_name must be a shared access policy's name: letters, digits, '.', '_' or '-'");
    }
    String key = required(body, "policy_key", 256);
    try {
      if (Base64.getDecoder().decode(key).length == 0) {
        throw invalid("policy_key must not be empty");
      }
    } catch (IllegalArgumentException e) {
      throw invalid("policy_key must be the policy's key as Azure shows it (base64)");
    }
    settings.put("hub_name", hub).put("policy_name", policy);
    secrets.put("policy_key", key);
    optionalJsonTemplate(body, settings);
  }

  /** @return the key's token URI, which the node will send to */
  private static String pubSub(JsonObject body, JsonObject settings, JsonObject secrets) {
    String topic = required(body, "topic", MAX_TOPIC);
    if (!PUBSUB_TOPIC.matcher(topic).matches()) {
      throw invalid("topic must be a Pub/Sub topic's full name: projects/<project>/topics/<topic>");
    }
    template(topic, "topic");
    settings.put("topic", topic);
    Object key = body.getValue("service_account_key");
    if (key instanceof String text) {
      try {
        key = new JsonObject(text);
      } catch (RuntimeException e) {
        throw invalid("service_account_key must be the service account's JSON key file, as an object or its text");
      }
    }
    if (!(key instanceof JsonObject account)) {
      throw invalid("service_account_key is required: the JSON key of a service account allowed to publish to the topic");
    }
    try {
      ServiceAccountKey.parse(account);
    } catch (IllegalArgumentException e) {
      throw invalid("service_account_key must be a service account's JSON key file (type, client_email, private_key, token_uri): "
          + e.getMessage());
    }
    String tokenUri = account.getString("token_uri");
    try {
      WebhookUrl.parse(tokenUri);
    } catch (ApiException e) {
      throw invalid("service_account_key.token_uri: " + e.getMessage().replaceFirst("^url ", "the address "));
    }
    secrets.put("service_account_key", account);
    optionalJsonTemplate(body, settings);
    return tokenUri;
  }

  private static void optionalJsonTemplate(JsonObject body, JsonObject settings) {
    Object json = body.getValue("json");
    if (json != null) {
      if (!(json instanceof String) && !(json instanceof JsonObject)) {
        throw invalid("json must be an object or a template text");
      }
      templates(json, "json");
      settings.put("json", json);
    }
  }

  /** Header names are tokens, values text without CR or LF (no header can be smuggled in); at most {@value #MAX_HEADERS}. */
  private static JsonObject headers(Object value) {
    if (!(value instanceof JsonObject given)) {
      throw invalid("headers must be an object of header names and values");
    }
    if (given.size() > MAX_HEADERS) {
      throw invalid("headers holds more than " + MAX_HEADERS + " headers");
    }
    JsonObject headers = new JsonObject();
    for (Map.Entry<String, Object> entry : given) {
      if (!HEADER_NAME.matcher(entry.getKey()).matches()) {
        throw invalid("headers: '" + printable(entry.getKey()) + "' is no header name (letters, digits and !#$%&'*+.^_`|~-)");
      }
      Object raw = entry.getValue();
      if (!(raw instanceof String) && !(raw instanceof Number) && !(raw instanceof Boolean)) {
        throw invalid("headers: the value of " + entry.getKey() + " must be text");
      }
      String text = String.valueOf(raw);
      if (text.indexOf('\r') >= 0 || text.indexOf('\n') >= 0 || text.indexOf('\0') >= 0) {
        throw invalid("headers: the value of " + entry.getKey() + " holds a line break");
      }
      template(text, "headers." + entry.getKey());
      headers.put(entry.getKey(), text);
    }
    return headers;
  }

  /** {@code {username, password}} (api-js's docs say {@code {user, pass}}: the same, stored as Particle spells it). */
  private static JsonObject auth(Object value) {
    if (!(value instanceof JsonObject given)) {
      throw invalid("auth must be an object {username, password}");
    }
    if (given.containsKey("bearer")) {
      throw invalid("auth takes {username, password} for HTTP basic authentication; send a bearer token as headers.Authorization");
    }
    JsonObject auth = new JsonObject();
    for (Map.Entry<String, Object> entry : given) {
      String key = switch (entry.getKey()) {
        case "username", "user" -> "username";
        case "password", "pass" -> "password";
        default -> throw invalid("auth takes username and password only, not " + printable(entry.getKey()));
      };
      if (entry.getValue() == null) {
        continue;
      }
      String text = text(entry.getValue(), "auth." + key, 1024, true);
      template(text, "auth." + key);
      auth.put(key, text);
    }
    if (auth.getString("username") == null) {
      throw invalid("auth needs a username");
    }
    return auth;
  }

  /** An object whose values are templates or plain values (form fields, query parameters). */
  private static JsonObject templateMap(Object value, String field) {
    if (!(value instanceof JsonObject given)) {
      throw invalid(field + " must be an object of names and values");
    }
    templates(given, field);
    return given;
  }

  /** Every text inside {@code value}, keys included, must parse as a template. */
  private static void templates(Object value, String field) {
    if (value instanceof String text) {
      template(text, field);
    } else if (value instanceof JsonObject object) {
      for (Map.Entry<String, Object> entry : object) {
        template(entry.getKey(), field);
        templates(entry.getValue(), field + "." + entry.getKey());
      }
    } else if (value instanceof JsonArray array) {
      for (int i = 0; i < array.size(); i++) {
        templates(array.getValue(i), field + "." + i);
      }
    }
  }

  private static void template(String text, String field) {
    String problem = Templates.problem(text);
    if (problem != null) {
      throw new ApiException(400, "invalid_template", field + " is not a valid mustache template: " + problem);
    }
  }

  private static String required(JsonObject body, String key, int max) {
    Object value = body.getValue(key);
    if (value == null || (value instanceof String s && s.isBlank())) {
      throw invalid(key + " is required");
    }
    return text(value, key, max, false);
  }

  /** Text of at most {@code max} characters; no control characters unless {@code multiline} (then tabs and line breaks pass). */
  private static String text(Object value, String field, int max, boolean multiline) {
    if (!(value instanceof String text)) {
      throw invalid(field + " must be text");
    }
    if (text.length() > max) {
      throw invalid(field + " must be at most " + max + " characters");
    }
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      boolean allowedBreak = multiline && (c == '\n' || c == '\r' || c == '\t');
      if ((c < 0x20 || c == 0x7f) && !allowedBreak) {
        throw invalid(field + " holds a control character");
      }
    }
    return text;
  }

  /** A JSON boolean, or the text true/false (form bodies, and the CLI's template says "true/false"). */
  private static boolean bool(JsonObject body, String key, boolean absent) {
    Object value = body.getValue(key);
    if (value == null) {
      return absent;
    }
    if (value instanceof Boolean b) {
      return b;
    }
    if (value instanceof String s && (s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false"))) {
      return Boolean.parseBoolean(s);
    }
    throw invalid(key + " must be true or false");
  }

  private static String printable(String text) {
    StringBuilder shown = new StringBuilder();
    for (int i = 0; i < text.length() && i < 64; i++) {
      char c = text.charAt(i);
      shown.append(c < 0x20 || c == 0x7f ? '?' : c);
    }
    return shown.toString();
  }

  static ApiException invalid(String description) {
    return new ApiException(400, "invalid_request", description);
  }
}
