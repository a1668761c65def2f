package io.drover.hub.http;

import io.vertx.core.Handler;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/** Request bodies as the Particle API takes them: JSON or form-encoded, read as one set of fields. */
public final class RequestBodies {

  private RequestBodies() {
  }

  public static Handler<RoutingContext> handler() {
    return BodyHandler.create(false).setBodyLimit(ApiVerticle.MAX_BODY_BYTES);
  }

  /** @throws ApiException 400 when a JSON body does not parse or is not an object */
  public static JsonObject fields(RoutingContext ctx) {
    String contentType = ctx.request().getHeader("Content-Type");
    if (contentType != null && contentType.startsWith("application/json")) {
      if (ctx.body().length() == 0) {
        return new JsonObject();
      }
      try {
        Object parsed = ctx.body().asJsonObject();
        if (parsed == null) {
          return new JsonObject();
        }
        return (JsonObject) parsed;
      } catch (DecodeException | ClassCastException e) {
        throw new ApiException(400, "invalid_request", "The body is not a valid JSON object");
      }
    }
    JsonObject fields = new JsonObject();
    ctx.request().formAttributes().forEach(entry -> fields.put(entry.getKey(), entry.getValue()));
    return fields;
  }
}
