package io.drover.loadtests.listen;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.parsetools.RecordParser;
import java.nio.charset.StandardCharsets;

/**
 * Reads a Drover event stream (Server-Sent Events, {@code GET /v1/devices/events/NAME}) with a bearer
 * token. Each {@code data:} line is one event, whose JSON starts with the event's data:
 * {@code data: {"data":"1764998400123456 xxx...","ttl":60,...}}.
 */
final class SseStreamSource extends EventSource {

  static final String DATA_LINE = "data: ";
  static final String DATA_FIELD = "\"data\":\"";

  private final ListenSettings settings;
  private final String token;
  private HttpClientAgent client;

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
          RecordParser lines = RecordParser.newDelimited("\n", line -> onLine(line, opened));
          response.handler(lines);
          response.endHandler(ignored -> ended = "stream ended");
          response.exceptionHandler(error -> ended = "stream failed: " + error.getMessage());
        })
        .onFailure(opened::tryFail);
    return opened.future();
  }

  private void onLine(Buffer line, Promise<Void> opened) {
    if (line.length() == 0) {
      return;
    }
    String text = line.toString(StandardCharsets.ISO_8859_1);
    if (text.startsWith(":")) {
      opened.tryComplete(); // ":ok", the stream's opening comment
    } else if (text.startsWith(DATA_LINE)) {
      opened.tryComplete();
      int field = text.indexOf(DATA_FIELD);
      reception.record(text, field < 0 ? -1 : field + DATA_FIELD.length());
    }
  }

  @Override
  public Future<?> stop() {
    return client == null ? Future.succeededFuture() : client.close();
  }
}
