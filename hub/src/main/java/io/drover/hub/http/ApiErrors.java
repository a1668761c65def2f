package io.drover.hub.http;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one failure handler of the API: every error leaves in Particle's shape, a client error without
 * a stack trace in the log, a server error logged once with its context and never shown.
 */
final class ApiErrors {

  private static final Logger LOG = LoggerFactory.getLogger(ApiErrors.class);

  private ApiErrors() {
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
    } else if (failure == null && ctx.statusCode() < 500) {
      status = ctx.statusCode();
      error = switch (status) {
        case 404 -> "not_found";
        case 405 -> "method_not_allowed";
        case 413 -> "request_too_large";
        default -> "bad_request";
      };
      description = switch (status) {
        case 404 -> "No such route";
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
    ctx.response()
        .setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .end(new JsonObject().put("ok", false).put("error", error).put("error_description", description).encode());
  }
}
