package io.drover.hub.http;

import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.pgclient.PgException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one failure handler of the API: every error leaves in Particle's shape, a client error without
 * a stack trace in the log, a server error logged once with its context and never shown.
 */
final class ApiErrors {

  private static final Logger LOG = LoggerFactory.getLogger(ApiErrors.class);
  /** SQLSTATEs of text PostgreSQL cannot store: character_not_in_repertoire, untranslatable_character. */
  private static final java.util.Set<String> UNSTORABLE_TEXT = java.util.Set.of("22021", "22P05");

  private ApiErrors() {
  }

  /**
   * Runs before every route: a path like {@code /v1/devices/%ZZ} would make route matching throw while
   * decoding its parameters, which Vert.x answers as a server error; a query string like {@code ?a=%ZZ}
   * makes the first handler that reads a parameter throw, answered 500 or as Vert.x's plain "Bad Request".
   */
  static void refuseMalformedEscapes(RoutingContext ctx) {
    if (hasMalformedEscape(ctx.request().path())) {
      ctx.fail(new ApiException(400, "bad_request", "The request path holds a malformed %-escape"));
    } else if (hasMalformedEscape(ctx.request().query())) {
      ctx.fail(new ApiException(400, "bad_request", "The query string holds a malformed %-escape"));
    } else {
      ctx.next();
    }
  }

  /**
   * Runs before every route: a multipart body whose boundary is empty, or a boundary parameter with no
   * value (RFC 2046 section 5.1.1 wants 1 to 70 characters), makes netty's body decoder throw an
   * exception no route handles, which Vert.x answers 500.
   */
  static void refuseMultipartWithoutBoundary(RoutingContext ctx) {
    String contentType = ctx.request().getHeader("Content-Type");
    if (contentType != null && contentType.regionMatches(true, 0, "multipart/", 0, "multipart/".length())) {
      boolean named = false;
      for (String parameter : contentType.split(";")) {
        String trimmed = parameter.trim();
        if (trimmed.regionMatches(true, 0, "boundary", 0, "boundary".length())) {
          named = true;
          if (emptyBoundary(trimmed.substring("boundary".length()))) {
            ctx.fail(new ApiException(400, "bad_request", "The multipart body's boundary is empty"));
            return;
          }
        }
      }
      if (!named) {
        // RFC 2046 section 5.1.1: the boundary parameter is required
        ctx.fail(new ApiException(400, "bad_request", "The multipart body has no boundary"));
        return;
      }
    }
    ctx.next();
  }

  /** What follows "boundary" in a Content-Type parameter holds no boundary: no '=', or nothing inside optional quotes. */
  private static boolean emptyBoundary(String rest) {
    String value = rest.trim();
    if (!value.startsWith("=")) {
      return true;
    }
    value = value.substring(1).trim();
    if (value.startsWith("\"")) {
      value = value.endsWith("\"") && value.length() > 1 ? value.substring(1, value.length() - 1) : "";
    }
    return value.isEmpty();
  }

  /** The failure came from decoding the body of a request still being received (RFC 9112 section 7.1: chunks). */
  private static boolean isUnreadableBody(RoutingContext ctx, Throwable failure) {
    return !ctx.request().isEnded() && (failure instanceof NumberFormatException || failure instanceof DecoderException);
  }

  /** A '%' not followed by two hexadecimal digits (RFC 3986 section 2.1). */
  private static boolean hasMalformedEscape(String text) {
    if (text == null) {
      return false;
    }
    for (int i = text.indexOf('%'); i >= 0; i = text.indexOf('%', i + 1)) {
      if (i + 2 >= text.length() || Character.digit(text.charAt(i + 1), 16) < 0 || Character.digit(text.charAt(i + 2), 16) < 0) {
        return true;
      }
    }
    return false;
  }

  /**
   * A request HTTP cannot parse (a malformed request line or header, a line or a head too long: RFC 9112
   * section 2.2): it reaches no route, so no failure handler. Answered as Vert.x would (the same statuses,
   * and the connection closed, since what follows cannot be framed), in the API's shape.
   */
  static void invalidRequest(HttpServerRequest request) {
    Throwable cause = request.decoderResult().cause();
    int status;
    String error;
    String description;
    if (cause instanceof TooLongHttpLineException) {
      status = 414;
      error = "uri_too_long";
      description = "The request line is too long";
    } else if (cause instanceof TooLongHttpHeaderException) {
      status = 431;
      error = "headers_too_large";
      description = "The request's headers are too large";
    } else {
      status = 400;
      error = "bad_request";
      description = "The request is not valid HTTP";
    }
    LOG.debug("invalid HTTP request [status: {}, reason: {}]", status, cause == null ? null : cause.getMessage());
    request.response()
        .setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .putHeader("Connection", "close")
        .end(new JsonObject().put("ok", false).put("error", error).put("error_description", description).encode())
        .onComplete(sent -> request.connection().close());
  }

  static void handle(RoutingContext ctx) {
    Throwable failure = ctx.failure();
    int status;
    String error;
    String description;
    if (failure instanceof ApiException api) {
      status = api.status();
      error = api.error();
      description = api.getMessage();
    } else if (failure instanceof PgException pg && UNSTORABLE_TEXT.contains(pg.getSqlState())) {
      // PostgreSQL holds no U+0000 in text: the request carried one (%00 in a path, \u0000 in JSON)
      status = 400;
      error = "invalid_request";
      description = "The request holds a character that cannot be stored (U+0000)";
    } else if (isUnreadableBody(ctx, failure)) {
      // a body whose framing HTTP cannot decode (a chunk size that is no hexadecimal number): the client's fault
      status = 400;
      error = "bad_request";
      description = "The request body could not be read";
      LOG.debug("unreadable request body [method: {}, path: {}, reason: {}]", ctx.request().method(), ctx.request().path(), failure.getMessage());
    } else if (ctx.statusCode() >= 400 && ctx.statusCode() < 500) {
      status = ctx.statusCode();
      error = switch (status) {
        case 404 -> "not_found";
        case 405 -> "method_not_allowed";
        case 408 -> "request_timeout";
        case 413 -> "request_too_large";
        default -> "bad_request";
      };
      description = switch (status) {
        case 404 -> "No such route";
        case 408 -> "The request did not arrive in time";
        case 413 -> "The request body is too large";
        default -> "The request could not be read";
      };
    } else {
      status = 500;
      error = "internal_error";
      description = "Something went wrong on the server; it has been logged";
      LOG.error("request failed [method: {}, path: {}]", ctx.request().method(), ctx.request().path(), failure);
    }
    if (ctx.response().headWritten()) {
      ctx.response().reset();
      return;
    }
    if (failure instanceof ApiException api && api.retryAfterSeconds() > 0) {
      ctx.response().putHeader("Retry-After", Long.toString(api.retryAfterSeconds()));
    }
    JsonObject body = new JsonObject();
    if (failure instanceof ApiException api && api.details() != null) {
      body.mergeIn(api.details());
    }
    ctx.response()
        .setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .end(body.put("ok", false).put("error", error).put("error_description", description).encode());
  }
}
