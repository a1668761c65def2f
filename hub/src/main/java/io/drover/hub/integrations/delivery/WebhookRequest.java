package io.drover.hub.integrations.delivery;

import io.vertx.core.buffer.Buffer;
import java.util.List;
import java.util.Map;

/**
 * A rendered request, ready to send: {@code url} with its query string, the headers in order,
 * {@code body} null when none; {@code secretHeaders} the names whose values the delivery log masks.
 */
record WebhookRequest(String method, String url, List<Map.Entry<String, String>> headers, Buffer body, List<String> secretHeaders) {

  /** The request line and headers as the delivery log keeps them, secret values masked. */
  String describe() {
    StringBuilder text = new StringBuilder(method).append(' ').append(url).append('\n');
    for (Map.Entry<String, String> header : headers) {
      boolean secret = false;
      for (String name : secretHeaders) {
        secret |= name.equalsIgnoreCase(header.getKey());
      }
      text.append(header.getKey()).append(": ").append(secret ? "****" : header.getValue()).append('\n');
    }
    return text.toString();
  }
}
