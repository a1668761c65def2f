package io.drover.hub.support;

import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A Server-Sent Events reader over a real HTTP connection: it parses the stream as a browser's
 * EventSource would and keeps every line and event it saw.
 */
public final class SseClient implements AutoCloseable {

  /** @param id the event's {@code id:} line, null when it had none */
  public record Event(String id, String name, JsonObject data) {
  }

  private final HttpClient client;
  private final List<String> lines = new CopyOnWriteArrayList<>();
  private final List<Event> events = new CopyOnWriteArrayList<>();
  private final StringBuilder partial = new StringBuilder();
  private String pendingName;
  private String pendingId;
  private int status;

  private SseClient(HttpClient client) {
    this.client = client;
  }

  /** Opens {@code path} and waits until the stream is open (its {@code :ok} has arrived). */
  public static SseClient open(Vertx vertx, int port, String path, String token) throws Exception {
    return open(vertx, port, path, token, null);
  }

  /** As {@link #open(Vertx, int, String, String)}, resuming after {@code lastEventId} as a reconnecting EventSource does. */
  public static SseClient open(Vertx vertx, int port, String path, String token, String lastEventId) throws Exception {
    SseClient sse = new SseClient(vertx.createHttpClient());
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(port).setURI(path);
    if (lastEventId != null) {
      options.putHeader("Last-Event-ID", lastEventId);
    }
    if (token != null) {
      options.putHeader("Authorization", "Bearer " + token);
    }
    // the body handler must be set before the first chunk is handled, or Vert.x drops that chunk (the
    // stream's ":ok"). Chained from this thread, the handler's callback could be added after the
    // response had arrived, when this thread lost the CPU meanwhile; chained on the connection's own
    // event loop, the response cannot be handled before the callback is in place
    Promise<HttpClientResponse> answered = Promise.promise();
    vertx.getOrCreateContext().runOnContext(ignored -> sse.client.request(options)
        .compose(request -> request.send())
        .map(r -> r.handler(sse::onChunk))
        .onComplete(answered));
    HttpClientResponse response = answered.future().await(10, TimeUnit.SECONDS);
    sse.status = response.statusCode();
    if (sse.status == 200) {
      sse.awaitLine(":ok", Duration.ofSeconds(10));
    }
    return sse;
  }

  public int status() {
    return status;
  }

  public List<String> lines() {
    return lines;
  }

  public List<Event> events() {
    return events;
  }

  public Event awaitEvent(Predicate<Event> matching, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      for (Event event : events) {
        if (matching.test(event)) {
          return event;
        }
      }
      Thread.sleep(10);
    }
    throw new AssertionError("no matching event within " + timeout + "; saw " + events);
  }

  public void awaitLine(String line, Duration timeout) throws InterruptedException {
    TestNode.eventually(timeout, () -> lines.contains(line), "line '" + line + "' on the stream; saw " + lines);
  }

  private synchronized void onChunk(Buffer chunk) {
    partial.append(chunk.toString());
    int newline;
    while ((newline = partial.indexOf("\n")) >= 0) {
      String line = partial.substring(0, newline);
      partial.delete(0, newline + 1);
      lines.add(line);
      if (line.startsWith("id: ")) {
        pendingId = line.substring(4);
      } else if (line.startsWith("event: ")) {
        pendingName = line.substring(7);
      } else if (line.startsWith("data: ") && pendingName != null) {
        events.add(new Event(pendingId, pendingName, new JsonObject(line.substring(6))));
        pendingName = null;
        pendingId = null;
      }
    }
  }

  @Override
  public void close() {
    client.close();
  }
}
