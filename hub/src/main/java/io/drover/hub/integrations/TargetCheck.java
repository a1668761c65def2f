package io.drover.hub.integrations;

import io.drover.hub.http.ApiException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The create-time check of a webhook's target against the {@link TargetPolicy}: an IP literal is
 * judged at once; a name is resolved (the system resolver, on a worker thread: it blocks) and every
 * address it gives must be allowed, since the sender may connect to any of them. A name that does not
 * resolve now, or not within {@link #RESOLVE_TIMEOUT}, is accepted: the delivery engine checks each
 * address it connects to anyway, and a hook may be made before its receiver's DNS record exists. A
 * templated host is left to the delivery engine.
 */
final class TargetCheck {

  private static final Logger LOG = LoggerFactory.getLogger(TargetCheck.class);
  static final Duration RESOLVE_TIMEOUT = Duration.ofSeconds(3);

  private final Vertx vertx;
  private final TargetPolicy policy;

  TargetCheck(Vertx vertx, TargetPolicy policy) {
    this.vertx = vertx;
    this.policy = policy;
  }

  /** @return succeeds when the URL may be a target now; fails with a 400 naming the address and the setting otherwise */
  Future<Void> check(String url) {
    return check(url, "url");
  }

  /** @param field the URL's name in the request, for the error */
  Future<Void> check(String url, String field) {
    WebhookUrl target = WebhookUrl.parse(url);
    if (target.host() == null) {
      return Future.succeededFuture();
    }
    if (target.literal() != null) {
      return judge(field, target.host(), List.of(target.literal()));
    }
    if (TargetPolicy.isLocalhostName(target.host())) {
      // RFC 6761 section 6.3: always loopback, whatever a resolver says
      return judge(field, target.host(), List.of(InetAddress.getLoopbackAddress()));
    }
    Future<List<InetAddress>> resolved = vertx.executeBlocking(() -> {
      try {
        return List.of(InetAddress.getAllByName(target.host()));
      } catch (UnknownHostException e) {
        return List.<InetAddress>of();
      }
    }, false);
    return resolved.timeout(RESOLVE_TIMEOUT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
        .recover(slow -> {
          LOG.debug("target not resolved at create time, left to the delivery check [host: {}, cause: {}]", target.host(), slow.getMessage());
          return Future.succeededFuture(List.of());
        })
        .compose(addresses -> judge(field, target.host(), addresses));
  }

  private Future<Void> judge(String field, String host, List<InetAddress> addresses) {
    for (InetAddress address : addresses) {
      String refusal = policy.refusal(address);
      if (refusal != null) {
        String shown = address.getHostAddress();
        return Future.failedFuture(new ApiException(400, "target_not_allowed", field + "'s host " + host
            + (shown.equals(host) ? "" : " (" + shown + ")") + " is " + refusal + ": integrations may not send there"
            + (policy.allowsPrivateTargets() ? "" : " unless the node's operator sets integrations.allow-private-targets=true")));
      }
    }
    return Future.succeededFuture();
  }
}
