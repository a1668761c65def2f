package io.drover.hub.integrations.delivery;

import com.github.mustachejava.MustacheException;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * An AzureIotHub integration: each event is a device-to-cloud message of the hub, sent as Microsoft's
 * REST API documents it ("Device - Send Device Event"):
 * {@code POST https://<hub>.azure-devices.net/devices/<device id>/messages/events?api-version=2021-04-12},
 * answered 204. The device ID on the hub is the Particle device ID (as Particle's integration does);
 * the hub must hold that device identity (Drover does not create it). The body is Particle's JSON
 * {@code {event, data, device_id, published_at}} (integrations.md, section 6; {@code fw_version} is
 * not known to the engine and left out), or the integration's {@code json} template rendered; the
 * event name, device ID and publish time also go as application properties ({@code iothub-app-*}
 * headers, which the hub strips of their prefix), and {@code iothub-contenttype: application/json} /
 * {@code iothub-contentencoding: utf-8} let the hub's routing queries read the body.
 *
 * <p>Authorization: a {@link SasToken} for the hub's host name with the integration's shared access
 * policy (it needs DeviceConnect), valid an hour and made again when less than
 * {@value #RENEW_SECONDS} s are left, so one HMAC serves thousands of events.
 */
final class AzureIotHub implements CloudTarget {

  static final String API_VERSION = "2021-04-12";
  static final long TOKEN_SECONDS = 3600;
  static final long RENEW_SECONDS = 300;

  private final String hubName;
  private final String policyName;
  private final byte[] policyKey;
  private final JsonTemplate json;
  private final String invalid;
  private String token;
  private long tokenExpiry;

  private AzureIotHub(JsonObject settings, JsonObject secrets) {
    this.hubName = String.valueOf(settings.getValue("hub_name", ""));
    this.policyName = String.valueOf(settings.getValue("policy_name", ""));
    String problem = null;
    byte[] key = new byte[0];
    JsonTemplate template = null;
    if (secrets == null) {
      problem = "the integration's secrets cannot be opened with this node's master key";
    } else {
      try {
        key = Base64.getDecoder().decode(String.valueOf(secrets.getValue("policy_key", "")));
        if (key.length == 0) {
          problem = "the integration has no policy_key";
        }
      } catch (IllegalArgumentException e) {
        problem = "policy_key is not base64";
      }
    }
    try {
      template = settings.getValue("json") == null ? null : new JsonTemplate(settings.getValue("json"));
    } catch (MustacheException e) {
      problem = "template does not parse: " + e.getMessage();
    }
    this.policyKey = key;
    this.json = template;
    this.invalid = problem;
  }

  /** @param secrets the opened sealed secrets ({@code policy_key}); null when they could not be opened */
  static AzureIotHub compile(JsonObject settings, JsonObject secrets) {
    return new AzureIotHub(settings, secrets);
  }

  @Override
  public String invalid() {
    return invalid;
  }

  /** The resource the token is for: the hub's host name, whatever endpoint the node is configured to send to. */
  String resourceUri() {
    return hubName + ".azure-devices.net";
  }

  @Override
  public WebhookRequest render(OutboxEvent event, Map<String, Object> variables, DeliverySettings settings) {
    String device = event.deviceId() == null ? "" : event.deviceId();
    String url = settings.azureEndpoint().replace("{hub}", hubName) + "/devices/" + URLEncoder.encode(device, StandardCharsets.UTF_8).replace("+", "%20")
        + "/messages/events?api-version=" + API_VERSION;
    String published = EventVariables.publishedAt(event.publishedAtMillis());
    String body = json != null ? json.render(variables)
        : new JsonObject().put("event", event.name()).put("data", event.data()).put("device_id", device).put("published_at", published).encode();
    List<Map.Entry<String, String>> headers = new ArrayList<>();
    headers.add(Map.entry("User-Agent", Webhook.USER_AGENT));
    headers.add(Map.entry("Content-Type", "application/json; charset=utf-8"));
    headers.add(Map.entry("iothub-contenttype", "application/json"));
    headers.add(Map.entry("iothub-contentencoding", "utf-8"));
    property(headers, "event", event.name());
    property(headers, "device_id", device);
    property(headers, "published_at", published);
    headers.add(Map.entry(AUTHORIZATION, ""));
    return new WebhookRequest("POST", url, headers, Buffer.buffer(body), List.of(AUTHORIZATION));
  }

  /** An application property; left out when its value is no plain printable ASCII (a header could not carry it as it is). */
  private static void property(List<Map.Entry<String, String>> headers, String name, String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < 0x20 || c > 0x7e) {
        return;
      }
    }
    headers.add(Map.entry("iothub-app-" + name, value));
  }

  @Override
  public Future<String> authorization(WebhookSender sender) {
    long now = System.currentTimeMillis() / 1000;
    if (token == null || tokenExpiry - now < RENEW_SECONDS) {
      tokenExpiry = now + TOKEN_SECONDS;
      token = SasToken.create(resourceUri(), policyName, policyKey, tokenExpiry);
    }
    return Future.succeededFuture(token);
  }

  @Override
  public void forget() {
    token = null;
  }
}
