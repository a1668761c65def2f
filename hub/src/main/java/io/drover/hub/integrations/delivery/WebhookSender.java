package io.drover.hub.integrations.delivery;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.drover.hub.integrations.TargetPolicy;
import io.vertx.core.net.SocketAddress;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Sends one rendered request and reads its answer, bounded in time and memory. Vert.x's HTTP client
 * rather than its WebClient: the WebClient buffers a whole body before it answers (a 10 MB answer
 * would be held in full) and offers no way to abort a request at an overall deadline, where this
 * keeps the first {@link DeliverySettings#RESPONSE_KEPT_BYTES} of the body, counts and discards the
 * rest, and resets the stream when the deadline passes. HTTPS negotiates HTTP/2 or HTTP/1.1 by ALPN;
 * plain HTTP is HTTP/1.1 (h2c prior knowledge would fail against every HTTP/1.1 receiver).
 * {@code rejectUnauthorized: false} uses a client that trusts any certificate, for that integration
 * only. Called on the delivery verticle's event loop.
 */
final class WebhookSender {

  /** How a host name becomes the address connected to. Blocking: called on a worker thread. */
  interface Resolver {
    InetAddress resolve(String host) throws UnknownHostException;
  }

  private final Vertx vertx;
  private final DeliverySettings settings;
  private final TargetPolicy targets;
  private final Resolver resolver;
  private final HttpClientAgent plain;
  private final HttpClientAgent verified;
  private final HttpClientAgent trustAll;

  WebhookSender(Vertx vertx, DeliverySettings settings, TargetPolicy targets) {
    this(vertx, settings, targets, InetAddress::getByName);
  }

  /** @param resolver the system's resolver but in tests, which make a name resolve where they need it (DNS rebinding) */
  WebhookSender(Vertx vertx, DeliverySettings settings, TargetPolicy targets, Resolver resolver) {
    this.vertx = vertx;
    this.settings = settings;
    this.targets = targets;
    this.resolver = resolver;
    PoolOptions pool = new PoolOptions().setHttp1MaxSize(settings.maxPerHost()).setHttp2MaxSize(2).setMaxWaitQueueSize(-1);
    this.plain = vertx.createHttpClient(options().setProtocolVersion(HttpVersion.HTTP_1_1), pool);
    this.verified = vertx.createHttpClient(options().setSsl(true).setUseAlpn(true).setProtocolVersion(HttpVersion.HTTP_2).setVerifyHost(true), pool);
    // options of its own, not a copy of the verified client's: a copy shares their TLS options object, and one client's
    // trust settings then leaked into the other's (the trusting client checked host names, so an h2 receiver with a
    // self-signed certificate was never reached; WebhookSenderTest)
    this.trustAll = vertx.createHttpClient(options().setSsl(true).setUseAlpn(true).setProtocolVersion(HttpVersion.HTTP_2).setTrustAll(true)
        .setVerifyHost(false), pool);
  }

  private HttpClientOptions options() {
    return new HttpClientOptions().setConnectTimeout((int) Math.min(Integer.MAX_VALUE, settings.timeout().toMillis())).setKeepAlive(true)
        .setName("integrations");
  }

  /** The target's host and port; null when the URL is not an absolute http(s) URL. */
  static URI target(String url) {
    try {
      URI uri = new URI(url);
      String scheme = uri.getScheme();
      if (uri.getHost() == null || scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))) {
        return null;
      }
      return uri;
    } catch (java.net.URISyntaxException e) {
      return null;
    }
  }

  /**
   * Resolves the host (on a worker thread: the JDK's resolver blocks), judges the address by the same
   * {@link TargetPolicy} the API applied when the integration was saved, then sends to the address
   * judged: a name that resolved to a public address then and resolves to loopback now (DNS
   * rebinding) is refused here. Never fails: every failure is an {@link Answer}.
   */
  Future<Answer> send(WebhookRequest request, URI target, boolean rejectUnauthorized) {
    long started = System.nanoTime();
    String host = target.getHost().startsWith("[") ? target.getHost().substring(1, target.getHost().length() - 1) : target.getHost();
    // an address literal is parsed, never looked up: no hop to a worker thread for it
    Future<InetAddress> resolved = isLiteral(host) ? literal(host)
        : TargetPolicy.isLocalhostName(host) ? Future.succeededFuture(InetAddress.getLoopbackAddress())
        : vertx.executeBlocking(() -> resolver.resolve(host), false);
    return resolved
        .compose(address -> {
          String refused = targets.refusal(address);
          if (refused != null) {
            String shown = address.getHostAddress();
            return Future.succeededFuture(Answer.failed("target refused: " + host + (shown.equals(host) ? "" : " (" + shown + ")") + " is "
                + refused + (targets.allowsPrivateTargets() ? "" : "; integrations.allow-private-targets is false"), false, millisSince(started)));
          }
          return exchange(request, target, address, rejectUnauthorized, started);
        }, cause -> Future.succeededFuture(cause instanceof UnknownHostException
            ? Answer.failed("unknown host " + host, true, millisSince(started))
            : Answer.failed("host not resolved: " + cause.getMessage(), true, millisSince(started))));
  }

  private static boolean isLiteral(String host) {
    if (host.indexOf(':') >= 0) {
      return true;
    }
    for (int i = 0; i < host.length(); i++) {
      char c = host.charAt(i);
      if (c != '.' && (c < '0' || c > '9')) {
        return false;
      }
    }
    return !host.isEmpty();
  }

  private static Future<InetAddress> literal(String host) {
    try {
      return Future.succeededFuture(InetAddress.getByName(host));
    } catch (UnknownHostException e) {
      return Future.failedFuture(e);
    }
  }

  private Future<Answer> exchange(WebhookRequest request, URI target, InetAddress address, boolean rejectUnauthorized, long started) {
    boolean https = target.getScheme().equalsIgnoreCase("https");
    int port = target.getPort() > 0 ? target.getPort() : https ? 443 : 80;
    String path = (target.getRawPath() == null || target.getRawPath().isEmpty() ? "/" : target.getRawPath())
        + (target.getRawQuery() == null ? "" : "?" + target.getRawQuery());
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    for (Map.Entry<String, String> header : request.headers()) {
      headers.add(header.getKey(), header.getValue());
    }
    RequestOptions options = new RequestOptions()
        .setMethod(HttpMethod.valueOf(request.method()))
        .setServer(SocketAddress.inetSocketAddress(port, address.getHostAddress()))
        .setHost(target.getHost()).setPort(port).setSsl(https).setURI(path).setHeaders(headers)
        .setFollowRedirects(false);
    HttpClientAgent client = !https ? plain : rejectUnauthorized ? verified : trustAll;
    Promise<Answer> answer = Promise.promise();
    long deadline = settings.timeout().toMillis();
    HttpClientRequest[] sent = new HttpClientRequest[1];
    long timer = vertx.setTimer(deadline, id -> {
      if (answer.tryComplete(Answer.failed("timeout: no complete answer within " + deadline + " ms", true, millisSince(started))) && sent[0] != null) {
        sent[0].reset();
      }
    });
    client.request(options).compose(outgoing -> {
      sent[0] = outgoing;
      outgoing.exceptionHandler(cause -> answer.tryComplete(Answer.failed(describe(cause), true, millisSince(started))));
      return request.body() == null ? outgoing.send() : outgoing.send(request.body());
    }).onComplete(result -> {
      if (result.failed()) {
        answer.tryComplete(Answer.failed(describe(result.cause()), true, millisSince(started)));
        return;
      }
      read(result.result(), target.getHost(), answer, started);
    });
    return answer.future().onComplete(done -> vertx.cancelTimer(timer));
  }

  /** Keeps the first bytes of the body, counts the rest and lets them go. */
  private static void read(HttpClientResponse response, String host, Promise<Answer> answer, long started) {
    Buffer kept = Buffer.buffer();
    long[] total = new long[1];
    response.handler(chunk -> {
      total[0] += chunk.length();
      int room = DeliverySettings.RESPONSE_KEPT_BYTES - kept.length();
      if (room > 0) {
        kept.appendBuffer(chunk.length() <= room ? chunk : chunk.getBuffer(0, room));
      }
    });
    response.exceptionHandler(cause -> answer.tryComplete(Answer.failed("answer cut off after " + total[0] + " bytes: " + describe(cause), true,
        millisSince(started))));
    response.endHandler(end -> {
      int status = response.statusCode();
      boolean ok = status >= 200 && status < 300;
      String error = ok ? null : "error status " + status + " from " + host;
      // 429: the receiver asks for less now, not never (RFC 6585); retried like 5xx
      answer.tryComplete(new Answer(status, kept.toString(StandardCharsets.UTF_8), total[0], error, status >= 500 || status == 429,
          millisSince(started)));
    });
  }

  /**
   * The failure and what caused it, outermost first ("Failed to create SSL connection: PKIX path
   * building failed: ... unable to find valid certification path"): Vert.x's own words alone do not
   * say which certificate problem it was.
   */
  static String describe(Throwable cause) {
    StringBuilder text = new StringBuilder();
    for (Throwable at = cause; at != null; at = at.getCause() == at ? null : at.getCause()) {
      if (at instanceof java.security.cert.CertificateException) {
        text.append("the receiver's certificate is not accepted (rejectUnauthorized is true): ");
        break;
      }
    }
    int depth = 0;
    for (Throwable at = cause; at != null && depth < 5; at = at.getCause() == at ? null : at.getCause(), depth++) {
      String message = at.getMessage() == null || at.getMessage().isBlank() ? at.getClass().getSimpleName() : at.getMessage();
      if (text.indexOf(message) < 0) {
        text.append(text.isEmpty() || text.charAt(text.length() - 1) == ' ' ? "" : ": ").append(message);
      }
    }
    return text.toString();
  }

  private static long millisSince(long started) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
  }

  Future<Void> close() {
    return Future.all(plain.close(), verified.close(), trustAll.close()).mapEmpty();
  }
}
