package io.drover.hub.http;

import io.vertx.core.Handler;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.nio.file.Path;

/**
 * Request bodies as the Particle API takes them: JSON or form-encoded, read as one set of fields; and
 * the uploads of files.
 *
 * <p>A route mounts its body reader after its access checks, never before: {@link RequestGate} has
 * paused the request, so nothing of the body is read, buffered or written to disk until the caller is
 * known to be allowed. The reader refuses a body its {@code Content-Length} declares too large with 413
 * before reading any of it; a body without one (chunked) is cut at the limit as it arrives.
 */
public final class RequestBodies {

  /** Bodies of the JSON and form API. */
  public static final long MAX_FIELDS_BYTES = 64 * 1024;
  /** A product firmware binary: Particle caps them at a few megabytes; 8 MiB leaves room. */
  public static final long MAX_UPLOAD_BYTES = 8L * 1024 * 1024;
  /**
   * The largest body any route takes (a firmware binary and its multipart form). A request that
   * declares more is refused before routing; a refused request's unread body is discarded up to this.
   */
  static final long LARGEST_BODY = MAX_UPLOAD_BYTES + MAX_FIELDS_BYTES;

  private static final Handler<RoutingContext> FIELDS = handler(MAX_FIELDS_BYTES);

  private RequestBodies() {
  }

  /** JSON or form fields, at most {@link #MAX_FIELDS_BYTES}, in memory. */
  public static Handler<RoutingContext> handler() {
    return FIELDS;
  }

  /** A body of at most {@code limit} bytes, in memory, files not accepted. */
  public static Handler<RoutingContext> handler(long limit) {
    return reader(BodyHandler.create(false).setBodyLimit(limit), limit);
  }

  /**
   * A multipart form whose files are streamed to {@code directory} (deleted when the response ends),
   * at most {@code limit} bytes in all.
   */
  public static Handler<RoutingContext> uploads(Path directory, long limit) {
    return reader(BodyHandler.create(directory.toString()).setBodyLimit(limit).setDeleteUploadedFilesOnEnd(true), limit);
  }

  /**
   * Reads the body with {@code body}, once per request: a second reader on the same request (a route
   * that passes the request on to the next) finds it read already.
   */
  private static Handler<RoutingContext> reader(BodyHandler body, long limit) {
    return ctx -> {
      if (RequestGate.bodyStarted(ctx)) {
        ctx.next();
        return;
      }
      if (RequestGate.contentLength(ctx.request()) > limit) {
        RequestGate.refuseDeclared(ctx, limit);
        return;
      }
      RequestGate.markBodyStarted(ctx);
      body.handle(ctx);
    };
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
