package io.drover.hub.http;

import io.drover.gateway.log.SampledLog;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first handler of every request: a request body waits until the route's checks have passed, and
 * a client gets a bounded time and size for it.
 *
 * <ul>
 *   <li>A request with a body is paused at once (Vert.x Web does not pause by itself), so that the
 *       access checks before a route's {@link RequestBodies} reader can take their time: nothing of the
 *       body is read, buffered or stored until they pass.</li>
 *   <li>A {@code Content-Length} over {@link RequestBodies#LARGEST_BODY} is answered 413 before
 *       routing, and the connection closed.</li>
 *   <li>Particle lets a token travel as the {@code access_token} field of a form: a form-encoded body
 *       whose request has no token in its {@code Authorization} header or query is read first (at most
 *       64 KiB, in memory), for the access check to find it. Every other body is read after the checks.</li>
 *   <li>The body must have arrived within {@code http.request-timeout-seconds} of the headers, or the
 *       request is answered 408 (once an answer has begun: the connection is closed, or the HTTP/2
 *       stream reset).</li>
 *   <li>A request answered before its body was read (a refusal: 401, 403, 404, 413) has the rest of
 *       its body read and thrown away, up to {@link RequestBodies#LARGEST_BODY} bytes and within the
 *       deadline, so that its client sees the answer and the connection can serve another request.
 *       Past those, or when the client waits for a {@code 100 Continue} it was not sent, the
 *       connection is closed.</li>
 * </ul>
 *
 * One per API instance, on its event loop.
 */
final class RequestGate implements Handler<RoutingContext> {

  private static final Logger LOG = LoggerFactory.getLogger(RequestGate.class);
  private static final String BODY_STARTED = "drover.body.started";
  private static final String DEADLINE = "drover.body.deadline";
  /** Set when the request's answer must be followed by the end of its connection (or HTTP/2 stream). */
  private static final String CUT = "drover.body.cut";
  /** What a refused body may still send before its connection is closed: see {@link #linger}. */
  static final long LINGER_BYTES = 256 * 1024;
  static final long LINGER_MILLIS = 2_000;

  private final Vertx vertx;
  private final long timeoutMillis;
  private final ConnectionLimits connections;
  private final HttpMetrics metrics;
  private final SampledLog timeouts = new SampledLog(LOG, SampledLog.TEN_SECONDS);

  RequestGate(Vertx vertx, HttpSettings settings, ConnectionLimits connections, HttpMetrics metrics) {
    this.vertx = vertx;
    this.timeoutMillis = settings.requestTimeout().toMillis();
    this.connections = connections;
    this.metrics = metrics;
  }

  @Override
  public void handle(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    connections.requestBegan(request);
    ctx.addEndHandler(ignored -> answered(ctx));
    if (!declaresBody(request)) {
      ctx.next();
      return;
    }
    request.pause();
    ctx.put(DEADLINE, vertx.setTimer(timeoutMillis, id -> overdue(ctx)));
    if (contentLength(request) > RequestBodies.LARGEST_BODY) {
      refuseDeclared(ctx, RequestBodies.LARGEST_BODY);
    } else if (tokenMayBeInForm(ctx)) {
      RequestBodies.handler().handle(ctx);
    } else {
      ctx.next();
    }
  }

  static boolean bodyStarted(RoutingContext ctx) {
    return ctx.get(BODY_STARTED) != null;
  }

  static void markBodyStarted(RoutingContext ctx) {
    ctx.put(BODY_STARTED, Boolean.TRUE);
  }

  /** A body declared larger than {@code limit}: 413 before any of it is read, then the connection goes. */
  static void refuseDeclared(RoutingContext ctx, long limit) {
    ctx.put(CUT, Boolean.TRUE);
    closeAfterAnswer(ctx);
    ctx.fail(new ApiException(413, "request_too_large", "The request body is too large: this route takes at most " + limit + " bytes"));
  }

  /** The request's {@code Content-Length}; -1 when it has none (chunked, HTTP/2 without one) or it does not parse. */
  static long contentLength(HttpServerRequest request) {
    String value = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (value == null) {
      return -1;
    }
    try {
      return Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** RFC 9112 section 6.3: a body has a length or a transfer coding; HTTP/2 (RFC 9113 section 8.1) may send one without either. */
  private static boolean declaresBody(HttpServerRequest request) {
    long length = contentLength(request);
    if (length >= 0 || request.getHeader(HttpHeaders.CONTENT_LENGTH) != null) {
      return length != 0;
    }
    if (request.version() != HttpVersion.HTTP_2) {
      return request.headers().contains(HttpHeaders.TRANSFER_ENCODING);
    }
    HttpMethod method = request.method();
    return !request.isEnded() && (method == HttpMethod.POST || method == HttpMethod.PUT || method == HttpMethod.PATCH);
  }

  private static boolean tokenMayBeInForm(RoutingContext ctx) {
    String type = ctx.request().getHeader(HttpHeaders.CONTENT_TYPE);
    if (type == null || !type.regionMatches(true, 0, "application/x-www-form-urlencoded", 0, 33)) {
      return false;
    }
    try {
      return AccessCheck.bearerToken(ctx) == null;
    } catch (IllegalArgumentException malformedQuery) {
      // a query that does not decode (?%): ApiErrors.refuseMalformedEscapes answers it 400 next, unread
      return false;
    }
  }

  /** The body's deadline has passed. */
  private void overdue(RoutingContext ctx) {
    ctx.remove(DEADLINE);
    HttpServerRequest request = ctx.request();
    if (request.isEnded()) {
      return;
    }
    metrics.bodyTimeouts.increment();
    timeouts.info("body_timeout", "HTTP request body not received within the request timeout [method: {}, path: {}, remote: {}, timeout-ms: {}]",
        request.method(), request.path(), request.remoteAddress(), timeoutMillis);
    HttpServerResponse response = ctx.response();
    if (response.headWritten()) {
      cut(ctx);
      return;
    }
    // nothing more reaches a body reader that may be waiting: the answer is this
    request.pause();
    ctx.put(CUT, Boolean.TRUE);
    closeAfterAnswer(ctx);
    ctx.fail(new ApiException(408, "request_timeout", "The request body did not arrive within " + timeoutMillis / 1000 + " s"));
  }

  /** The response has ended, or the connection closed: whatever is left of the body is discarded or cut. */
  private void answered(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    connections.requestDone(request);
    if (request.isEnded() || ctx.response().closed()) {
      cancelDeadline(ctx);
      return;
    }
    boolean awaitsContinue = !bodyStarted(ctx) && "100-continue".equalsIgnoreCase(request.getHeader(HttpHeaders.EXPECT));
    if (ctx.get(CUT) != null && !awaitsContinue && request.version() != HttpVersion.HTTP_2) {
      linger(ctx);
      return;
    }
    if (ctx.get(CUT) != null || awaitsContinue) {
      cut(ctx);
      return;
    }
    long[] discarded = {0};
    request.exceptionHandler(ignored -> {
    });
    if (request.isExpectMultipart()) {
      // a body reader that failed part way (413): the rest of the form makes no more files
      request.setExpectMultipart(false);
    }
    request.handler(chunk -> {
      discarded[0] += chunk.length();
      if (discarded[0] > RequestBodies.LARGEST_BODY) {
        request.handler(null);
        cut(ctx);
      }
    });
    request.endHandler(ignored -> cancelDeadline(ctx));
    request.resume();
  }

  /**
   * Closes an HTTP/1.x connection whose body is refused (413 from its Content-Length) once the client
   * has stopped sending, or after {@link #LINGER_BYTES} more of it or {@link #LINGER_MILLIS}: closed at
   * once, while the client still writes its body, the connection is reset, and a reset can discard the
   * answer before the client has read it (RFC 9112 section 9.6; "HTTP/1.1 header parser received no
   * bytes" in OperationsAndErrorsTest on a loaded machine). What is read meanwhile is discarded.
   */
  private void linger(RoutingContext ctx) {
    cancelDeadline(ctx);
    HttpServerRequest request = ctx.request();
    long[] read = {0};
    long timer = vertx.setTimer(LINGER_MILLIS, id -> cut(ctx));
    request.exceptionHandler(ignored -> {
    });
    request.handler(chunk -> {
      read[0] += chunk.length();
      if (read[0] > LINGER_BYTES) {
        request.handler(null);
        vertx.cancelTimer(timer);
        cut(ctx);
      }
    });
    request.endHandler(ignored -> {
      vertx.cancelTimer(timer);
      cut(ctx);
    });
    request.resume();
  }

  /**
   * Says so in the answer when the connection ends after it (HTTP/1.x, RFC 9112 section 9.6): a client
   * that pools connections must not send its next request on this one.
   */
  private static void closeAfterAnswer(RoutingContext ctx) {
    if (ctx.request().version() != HttpVersion.HTTP_2 && !ctx.response().headWritten()) {
      ctx.response().putHeader(HttpHeaders.CONNECTION, "close");
    }
  }

  /** Ends what is left of the request: its HTTP/2 stream, or its HTTP/1.x connection (after what was written). */
  private void cut(RoutingContext ctx) {
    cancelDeadline(ctx);
    if (ctx.request().version() == HttpVersion.HTTP_2) {
      ctx.response().reset();
    } else {
      ctx.request().connection().close();
    }
  }

  private void cancelDeadline(RoutingContext ctx) {
    Long timer = ctx.remove(DEADLINE);
    if (timer != null) {
      vertx.cancelTimer(timer);
    }
  }
}
