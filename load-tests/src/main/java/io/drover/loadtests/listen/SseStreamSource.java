package io.drover.loadtests.listen;

import io.drover.loadtests.swarm.PayloadStamp;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads a Drover event stream (Server-Sent Events, {@code GET /v1/devices/events/NAME}) with a bearer
 * token. Each {@code data:} line is one event, whose JSON starts with the event's data:
 * {@code data: {"data":"1764998400123456 xxx...","ttl":60,...}}.
 *
 * <p>The lines are split and read as bytes, each copied once into one reused array: no line buffer and
 * no String per event. The listener is the thermometer of the ingest benchmark; at 20,000 events/s the
 * garbage of a line parser and a String per event gave it a young collection every 2.5 s (three times as
 * many as its MQTT subscriber), 5 to 80 ms long on the loaded 2-core machine, and every pause counted as
 * the server's latency.
 */
final class SseStreamSource extends EventSource {

  static final String DATA_LINE = "data: ";
  static final String DATA_FIELD = "\"data\":\"";
  private static final byte[] DATA_LINE_BYTES = DATA_LINE.getBytes(StandardCharsets.US_ASCII);
  private static final byte[] DATA_FIELD_BYTES = DATA_FIELD.getBytes(StandardCharsets.US_ASCII);

  private final ListenSettings settings;
  private final String token;
  private HttpClientAgent client;
  /** The line being read: its bytes so far (a line may end in a later chunk than it began in). */
  private byte[] line = new byte[1024];
  private int lineLength;

  SseStreamSource(ListenSettings settings, String token) {
    this.settings = settings;
    this.token = token;
  }

  @Override
  public Future<?> start() {
    client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false));
    Promise<Void> opened = Promise.promise();
    RequestOptions request = new RequestOptions().setMethod(HttpMethod.GET).setHost(settings.host()).setPort(settings.port())
        .setURI(settings.path()).putHeader("Authorization", "Bearer " + token).putHeader("Accept", "text/event-stream");
    client.request(request)
        .compose(req -> req.send())
        .onSuccess(response -> {
          if (response.statusCode() != 200) {
            response.body().onComplete(body -> opened.tryFail("GET " + settings.path() + " answered " + response.statusCode() + ": "
                + (body.succeeded() ? body.result().toString() : "")));
            return;
          }
          response.handler(chunk -> onChunk(chunk, opened));
          response.endHandler(ignored -> ended = "stream ended");
          response.exceptionHandler(error -> ended = "stream failed: " + error.getMessage());
        })
        .onFailure(opened::tryFail);
    return opened.future();
  }

  /** Splits a chunk of the stream into lines; the last one may go on in the next chunk. */
  void onChunk(Buffer chunk, Promise<Void> opened) {
    int start = 0;
    int length = chunk.length();
    for (int i = 0; i < length; i++) {
      if (chunk.getByte(i) == '\n') {
        take(chunk, start, i);
        onLine(opened);
        lineLength = 0;
        start = i + 1;
      }
    }
    take(chunk, start, length);
  }

  private void take(Buffer chunk, int start, int end) {
    int more = end - start;
    if (more <= 0) {
      return;
    }
    if (lineLength + more > line.length) {
      line = Arrays.copyOf(line, Math.max(2 * line.length, lineLength + more));
    }
    chunk.getBytes(start, end, line, lineLength);
    lineLength += more;
  }

  private void onLine(Promise<Void> opened) {
    if (lineLength == 0) {
      return;
    }
    if (line[0] == ':') {
      opened.tryComplete(); // ":ok", the stream's opening comment
    } else if (startsWith(line, lineLength, DATA_LINE_BYTES, 0)) {
      opened.tryComplete();
      int field = indexOf(line, lineLength, DATA_FIELD_BYTES, DATA_LINE_BYTES.length);
      reception.recordStamp(field < 0 ? -1 : PayloadStamp.read(line, lineLength, field + DATA_FIELD_BYTES.length));
    }
  }

  private static boolean startsWith(byte[] bytes, int length, byte[] prefix, int at) {
    if (at + prefix.length > length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if (bytes[at + i] != prefix[i]) {
        return false;
      }
    }
    return true;
  }

  private static int indexOf(byte[] bytes, int length, byte[] part, int from) {
    for (int at = from; at + part.length <= length; at++) {
      if (startsWith(bytes, length, part, at)) {
        return at;
      }
    }
    return -1;
  }

  @Override
  public Future<?> stop() {
    return client == null ? Future.succeededFuture() : client.close();
  }
}
