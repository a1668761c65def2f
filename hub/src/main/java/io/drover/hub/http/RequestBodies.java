package io.drover.hub.http;

import io.netty.handler.codec.http.QueryStringDecoder;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.impl.RoutingContextInternal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

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

  /** A body of at most {@code limit} bytes, in memory, files not accepted: JSON or a form; a multipart body is refused 415. */
  public static Handler<RoutingContext> handler(long limit) {
    return reader(BodyHandler.create(false).setBodyLimit(limit), limit, false);
  }

  /**
   * Adds to {@code route} (after its access checks) the reading of a multipart form whose files are
   * streamed to {@code directory} (deleted when the response ends), at most {@code limit} bytes in all;
   * the route's own handlers follow.
   *
   * <p>Vert.x 5.0.7's body handler waits for every file part to end, and one the body ends inside (no
   * closing boundary, RFC 2046 section 5.1.1) never does: the request would wait for good, its
   * connection open. Such a body is still unread {@link #UPLOADS_SETTLE} after the request was fully
   * received, and is refused 400.
   */
  public static Route withUploads(Route route, Path directory, long limit) {
    Handler<RoutingContext> read = reader(BodyHandler.create(directory.toString()).setBodyLimit(limit).setDeleteUploadedFilesOnEnd(true), limit, true);
    return route
        .handler(ctx -> {
          // an empty body has ended already (nothing to watch): the reader sets it
          if (!ctx.request().isEnded()) {
            UnreadUploads watch = new UnreadUploads(ctx);
            ctx.addEndHandler(ended -> watch.cancel());
            ctx.request().end().onSuccess(received -> watch.start());
          }
          read.handle(ctx);
        })
        .handler(ctx -> {
          ctx.put(UPLOADS_READ, true);
          ctx.next();
        });
  }

  /**
   * Reads the body with {@code body}, once per request: a second reader on the same request (a route
   * that passes the request on to the next) finds it read already.
   */
  private static Handler<RoutingContext> reader(BodyHandler body, long limit, boolean uploads) {
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
      if (ctx.request().isEnded()) {
        // no body (Content-Length: 0), and the access checks before took their time: Vert.x's body
        // handler refuses an ended request (500), so the empty body is set here
        ((RoutingContextInternal) ctx).setBody(Buffer.buffer());
        ((RoutingContextInternal) ctx).visitHandler(RoutingContextInternal.BODY_HANDLER);
        ctx.next();
      } else if (isForm(ctx.request())) {
        readForm(ctx, limit);
      } else if (!uploads && isMultipart(ctx.request())) {
        refuseMultipart(ctx, limit);
      } else {
        body.handle(ctx);
      }
    };
  }

  private static boolean isMultipart(HttpServerRequest request) {
    String type = request.getHeader(HttpHeaders.CONTENT_TYPE);
    return type != null && type.regionMatches(true, 0, "multipart/", 0, 10);
  }

  /**
   * A multipart body sent to a route that takes JSON or form fields: no client of the API sends one
   * (particle-api-js and particle-cli use multipart for files only), and Vert.x 5.0.7's body handler
   * never finishes one whose parts do not match its boundary (the request waited, its connection open,
   * until the request timeout: found by the hostile-input suite). Its bytes are read (at most
   * {@code limit}) and it is answered 415.
   */
  private static void refuseMultipart(RoutingContext ctx, long limit) {
    HttpServerRequest request = ctx.request();
    long[] read = {0};
    boolean[] refused = {false};
    request.handler(chunk -> {
      read[0] += chunk.length();
      if (!refused[0] && read[0] > limit) {
        refused[0] = true;
        RequestGate.refuseDeclared(ctx, limit);
      }
    });
    request.endHandler(ended -> {
      if (!refused[0] && !ctx.failed() && !ctx.response().ended()) {
        ctx.fail(new ApiException(415, "unsupported_media_type",
            "This route takes JSON (application/json) or form fields (application/x-www-form-urlencoded), not a multipart body"));
      }
    });
    request.resume();
  }

  private static boolean isForm(HttpServerRequest request) {
    String type = request.getHeader(HttpHeaders.CONTENT_TYPE);
    return type != null && type.regionMatches(true, 0, "application/x-www-form-urlencoded", 0, 33);
  }

  /**
   * A form-encoded body, read here rather than by Vert.x's body handler: Vert.x 5.0.7 hands the form to
   * Netty's decoder, which throws for a field without a name ({@code =}, {@code a=1&=2}), and the
   * request then never ends: no answer, the connection held until its idle timeout. Here it is read as
   * bytes (at most {@code limit}), decoded as a query string would be, and its fields become the
   * request's form attributes, as the body handler would have made them.
   */
  private static void readForm(RoutingContext ctx, long limit) {
    HttpServerRequest request = ctx.request();
    Buffer body = Buffer.buffer();
    boolean[] refused = {false};
    Handler<Void> ended = done -> {
      if (refused[0] || ctx.failed() || ctx.response().ended()) {
        return;
      }
      ((RoutingContextInternal) ctx).setBody(body);
      ((RoutingContextInternal) ctx).visitHandler(RoutingContextInternal.BODY_HANDLER);
      Map<String, List<String>> decoded;
      try {
        decoded = new QueryStringDecoder(body.toString(StandardCharsets.UTF_8), StandardCharsets.UTF_8, false).parameters();
      } catch (IllegalArgumentException e) {
        ctx.fail(new ApiException(400, "bad_request", "The form body is not valid: " + e.getMessage()));
        return;
      }
      // as the body handler does: the fields are form attributes, and parameters too (an access_token field)
      MultiMap form = request.formAttributes();
      MultiMap params = request.params();
      decoded.forEach((name, values) -> {
        if (!name.isEmpty()) {
          values.forEach(value -> {
            form.add(name, value);
            params.add(name, value);
          });
        }
      });
      ctx.next();
    };
    if (request.isEnded()) {
      ended.handle(null);
      return;
    }
    request.handler(chunk -> {
      if (refused[0]) {
        return;
      }
      if (body.length() + chunk.length() > limit) {
        refused[0] = true;
        RequestGate.refuseDeclared(ctx, limit);
        return;
      }
      body.appendBuffer(chunk);
    });
    request.endHandler(ended);
    request.resume();
  }

  /**
   * Once a request is fully received, its file uploads have all their bytes; writing the last of them
   * out takes far less than this.
   */
  static final Duration UPLOADS_SETTLE = Duration.ofSeconds(3);
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
