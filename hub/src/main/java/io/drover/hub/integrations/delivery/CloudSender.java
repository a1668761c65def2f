package io.drover.hub.integrations.delivery;

import io.vertx.core.Future;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Sends a {@link CloudTarget}'s request: its {@code Authorization} first (cached by the target), then
 * the request itself through {@link WebhookSender} (the same target check, deadline and bounded
 * answer as a webhook; TLS always verified). Reads the answer as the cloud services mean it: 2xx
 * delivered; 5xx, 429 (throttled), timeouts and connection errors retried; 401 and 403 (a wrong or
 * revoked key, a policy without the right) final, the cached credential dropped, so the dead letter
 * can be replayed once the key is fixed without a storm of refused requests meanwhile; other 4xx
 * final. Called on the delivery verticle's event loop.
 */
final class CloudSender {

  /** No credential could be had; {@code answer} is the attempt's outcome. */
  static final class NotAuthorized extends RuntimeException {
    final transient Answer answer;

    NotAuthorized(Answer answer) {
      super(answer.error(), null, false, false);
      this.answer = answer;
    }
  }

  private final WebhookSender sender;

  CloudSender(WebhookSender sender) {
    this.sender = sender;
  }

  Future<Answer> send(CloudTarget target, WebhookRequest request, URI uri) {
    return target.authorization(sender).compose(
        authorization -> sender.send(authorized(request, authorization), uri, true).map(answer -> read(target, answer, uri)),
        cause -> Future.succeededFuture(cause instanceof NotAuthorized refused ? refused.answer
            : Answer.failed("no credential: " + cause.getMessage(), true, 0)));
  }

  private static Answer read(CloudTarget target, Answer answer, URI uri) {
    int status = answer.status();
    if (status == 429) {
      return new Answer(status, answer.kept(), answer.bodyBytes(), "error status 429 from " + uri.getHost() + ": throttled", true,
          answer.latencyMillis());
    }
    if (status == 401 || status == 403) {
      target.forget();
      return new Answer(status, answer.kept(), answer.bodyBytes(), "error status " + status + " from " + uri.getHost()
          + ": the credentials were refused (check the integration's key and its rights)", false, answer.latencyMillis());
    }
    if (status == 404 && target instanceof AzureIotHub) {
      return new Answer(status, answer.kept(), answer.bodyBytes(), "error status 404 from " + uri.getHost()
          + ": the hub has no device identity of this device ID (create it in the hub; Drover does not)", false, answer.latencyMillis());
    }
    return answer;
  }

  /** The request with its empty {@code Authorization} filled in. */
  static WebhookRequest authorized(WebhookRequest request, String authorization) {
    List<Map.Entry<String, String>> headers = new ArrayList<>(request.headers().size());
    for (Map.Entry<String, String> header : request.headers()) {
      headers.add(header.getKey().equalsIgnoreCase(CloudTarget.AUTHORIZATION) ? Map.entry(header.getKey(), authorization) : header);
    }
    return new WebhookRequest(request.method(), request.url(), headers, request.body(), request.secretHeaders());
  }
}
