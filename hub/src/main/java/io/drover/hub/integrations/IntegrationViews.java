package io.drover.hub.integrations;

import io.drover.hub.integrations.IntegrationRepository.Stored;
import io.vertx.core.json.JsonObject;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Map;

/**
 * Integrations as the API answers them. Secrets are never shown in full: every value of
 * {@code headers} and {@code auth}, and {@code policy_key}, shows its first two characters and an
 * ellipsis ({@code "Bearer abc123"} as {@code "Be…"}), a value shorter than {@value #SHOWN_FROM}
 * characters the ellipsis alone; a service account key shows its {@code client_email} only.
 */
final class IntegrationViews {

  static final String ELLIPSIS = "\u2026";
  /** Values shorter than this show nothing of themselves: two characters of a short secret are too many. */
  static final int SHOWN_FROM = 8;

  private IntegrationViews() {
  }

  /** A list's entry: api-js's {@code WebhookInfo}/{@code IntegrationInfo} and what the CLI prints. */
  static JsonObject summary(Stored stored) {
    JsonObject view = new JsonObject()
        .put("id", stored.id())
        .put("event", stored.event())
        .put("created_at", time(stored.createdAt()))
        .put("integration_type", stored.type());
    if (stored.type().equals(IntegrationInput.WEBHOOK)) {
      view.put("url", stored.settings().getString("url")).put("requestType", stored.settings().getString("requestType"));
    }
    view.put("name", stored.settings().getString("name"));
    if (stored.deviceId() != null) {
      view.put("deviceID", stored.deviceId());
    }
    return view.put("disabled", stored.disabled());
  }

  /** One integration whole: its settings as given, its secrets masked. */
  static JsonObject full(Stored stored) {
    JsonObject view = summary(stored).put("updated_at", time(stored.updatedAt()));
    for (Map.Entry<String, Object> setting : stored.settings()) {
      if (!view.containsKey(setting.getKey())) {
        view.put(setting.getKey(), setting.getValue());
      }
    }
    JsonObject secrets = stored.secrets();
    for (String group : new String[] {"headers", "auth"}) {
      JsonObject values = secrets.getJsonObject(group);
      if (values != null) {
        JsonObject masked = new JsonObject();
        values.forEach(entry -> masked.put(entry.getKey(), mask(String.valueOf(entry.getValue()))));
        view.put(group, masked);
      }
    }
    if (secrets.getString("policy_key") != null) {
      view.put("policy_key", mask(secrets.getString("policy_key")));
    }
    JsonObject account = secrets.getJsonObject("service_account_key");
    if (account != null) {
      view.put("service_account_key", new JsonObject().put("client_email", account.getString("client_email")));
    }
    return view;
  }

  static String mask(String secret) {
    return secret.length() < SHOWN_FROM ? ELLIPSIS : secret.substring(0, 2) + ELLIPSIS;
  }

  /**
   * The secrets to store on a replace: those given, except that a value sent back exactly as this API
   * showed it masked keeps the stored value (an edit form that shows masked values and sends them back
   * must not overwrite the secret with its mask). Anything not given is gone: a replace never merges.
   * {@code policy_key} and {@code service_account_key} are always sent whole.
   */
  static JsonObject keepMasked(JsonObject given, JsonObject stored) {
    JsonObject kept = given.copy();
    for (String group : new String[] {"headers", "auth"}) {
      JsonObject now = kept.getJsonObject(group);
      JsonObject before = stored.getJsonObject(group);
      if (now == null || before == null) {
        continue;
      }
      for (Map.Entry<String, Object> entry : now.copy()) {
        Object old = before.getValue(entry.getKey());
        if (old != null && entry.getValue() instanceof String sent && sent.endsWith(ELLIPSIS) && sent.equals(mask(String.valueOf(old)))) {
          now.put(entry.getKey(), old);
        }
      }
    }
    return kept;
  }

  /** Particle's form: ISO 8601 in UTC with milliseconds ({@code 2016-03-01T20:05:11.373Z}). */
  static String time(OffsetDateTime time) {
    return DateTimeFormatter.ISO_INSTANT.format(time.toInstant().truncatedTo(ChronoUnit.MILLIS));
  }
}
