package io.drover.hub.events;

import io.drover.gateway.contract.DeviceEvent;
import io.drover.hub.HubAddresses;
import io.drover.hub.http.AccessCheck;
import io.drover.hub.http.ApiFeature;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live event streams, {@code GET /v1/devices/events[/:prefix]}, as Server-Sent Events. One bus
 * consumer per API instance fans each event out to that instance's streams; each event is formatted
 * once however many streams take it. A client that reads too slowly is cut off, not buffered for.
 * Runs on the API verticle's event loop.
 */
public final class EventStreamApi implements ApiFeature {

  private static final Logger LOG = LoggerFactory.getLogger(EventStreamApi.class);
  private static final String PATH = "/v1/devices/events";
  /** Past this many bytes waiting to be sent, a stream is cut: its reader is too slow. */
  private static final int MAX_PENDING_BYTES = 1 << 20;

  private final Vertx vertx;
  private final AccessCheck access;
  private final EventSettings settings;
  private final EventMetrics metrics;
  private final List<Stream> streams = new ArrayList<>();
  private MessageConsumer<DeviceEvent> consumer;

  public EventStreamApi(Vertx vertx, AccessCheck access, EventSettings settings, EventMetrics metrics) {
    this.vertx = vertx;
    this.access = access;
    this.settings = settings;
    this.metrics = metrics;
  }

  @Override
  public Future<Void> mount(Router router) {
    router.get(PATH).handler(access::requireAdmin).handler(this::open);
    router.get(PATH + "/*").handler(access::requireAdmin).handler(this::open);
    consumer = vertx.eventBus().consumer(HubAddresses.LIVE_EVENTS, message -> deliver(message.body()));
    return consumer.completion();
  }

  @Override
  public Future<Void> close() {
    for (Stream stream : new ArrayList<>(streams)) {
      stream.response.end();
    }
    return consumer == null ? Future.succeededFuture() : consumer.unregister();
  }

  private void open(RoutingContext ctx) {
    String prefix = ctx.pathParam("*");
    if (prefix != null && prefix.isEmpty()) {
      prefix = null;
    }
    HttpServerResponse response = ctx.response()
        .setChunked(true)
        .putHeader("Content-Type", "text/event-stream")
        .putHeader("Cache-Control", "no-cache")
        .putHeader("X-Accel-Buffering", "no")
        .setWriteQueueMaxSize(MAX_PENDING_BYTES);
    Stream stream = new Stream(response, prefix, String.valueOf(ctx.request().remoteAddress()));
    streams.add(stream);
    metrics.openStreams.incrementAndGet();
    stream.keepAliveTimer = vertx.setPeriodic(settings.streamKeepAlive().toMillis(), id -> response.write(SseFormat.KEEP_ALIVE));
    response.closeHandler(ignored -> forget(stream));
    response.endHandler(ignored -> forget(stream));
    response.write(SseFormat.OPENING);
  }

  private void deliver(DeviceEvent event) {
    String frame = null;
    for (int i = streams.size() - 1; i >= 0; i--) {
      Stream stream = streams.get(i);
      if (stream.prefix != null && !event.name().startsWith(stream.prefix)) {
        continue;
      }
      if (stream.response.writeQueueFull()) {
        metrics.streamsCut.increment();
        LOG.info("event stream cut: client reads too slowly [remote: {}]", stream.remote);
        forget(stream);
        stream.response.reset();
        continue;
      }
      if (frame == null) {
        frame = SseFormat.frame(event);
      }
      stream.response.write(frame);
    }
  }

  private void forget(Stream stream) {
    if (streams.remove(stream)) {
      vertx.cancelTimer(stream.keepAliveTimer);
      metrics.openStreams.decrementAndGet();
    }
  }

  private static final class Stream {
    final HttpServerResponse response;
    final String prefix;
    final String remote;
    long keepAliveTimer;

    Stream(HttpServerResponse response, String prefix, String remote) {
      this.response = response;
      this.prefix = prefix;
      this.remote = remote;
    }
  }
}
