package io.drover.hub.http;

import io.vertx.core.Handler;
import java.time.Duration;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/** Request bodies as the Particle API takes them: JSON or form-encoded, read as one set of fields. */
public final class RequestBodies {

  private RequestBodies() {
  }

  /**
   * Once a request is fully received, its file uploads have all their bytes; writing the last of them
   * out takes far less than this.
   */
  static final Duration UPLOADS_SETTLE = Duration.ofSeconds(3);

  public static Handler<RoutingContext> handler() {
    return BodyHandler.create(false).setBodyLimit(ApiVerticle.MAX_BODY_BYTES);
  }

  /**
   * Adds to {@code route} the reading of bodies that may carry files (multipart), which go to
   * {@code directory} and are deleted when the request ends; the route's handlers follow.
   *
   * <p>Vert.x 5.0.7's body handler waits for every file part to end, and one the body ends inside (no
   * closing boundary, RFC 2046 section 5.1.1) never does: the request would wait for good, its
   * connection open. Such a body is still unread {@link #UPLOADS_SETTLE} after the request was fully
   * received, and is refused 400.
   */
  public static Route withUploads(Route route, String directory, long limit) {
    BodyHandler bodies = BodyHandler.create(directory).setBodyLimit(limit).setDeleteUploadedFilesOnEnd(true);
    return route
        .handler(ctx -> {
          UnreadUploads watch = new UnreadUploads(ctx);
          ctx.addEndHandler(ended -> watch.cancel());
          ctx.request().end().onSuccess(received -> watch.start());
          bodies.handle(ctx);
        })
        .handler(ctx -> {
          ctx.put(UPLOADS_READ, true);
          ctx.next();
        });
  }

  private static final String UPLOADS_READ = "drover.uploads-read";

  /** Fails a request whose body is still unread {@link #UPLOADS_SETTLE} after it was fully received; all on its event loop. */
  private static final class UnreadUploads {

    private final RoutingContext ctx;
    private long timer = -1;
    private boolean over;

    UnreadUploads(RoutingContext ctx) {
      this.ctx = ctx;
    }

    void start() {
      if (!over) {
        timer = ctx.vertx().setTimer(UPLOADS_SETTLE.toMillis(), settled -> {
          if (ctx.get(UPLOADS_READ) == null && !ctx.failed() && !ctx.response().headWritten()) {
            ctx.fail(new ApiException(400, "bad_request", "The multipart body ends inside a part: it has no closing boundary"));
          }
        });
      }
    }

    void cancel() {
      over = true;
      if (timer >= 0) {
        ctx.vertx().cancelTimer(timer);
      }
    }
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
