package io.drover.hub.http;

import io.drover.gateway.log.SampledLog;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connections of the HTTP ports: how many are open, and the deadline of a request's headers.
 *
 * <ul>
 *   <li>Past {@code http.max-connections} open at once, a new connection is closed as soon as it is
 *       accepted (counted): the process has one file descriptor budget, which the devices and the
 *       database share.</li>
 *   <li>A connection must begin a request within {@code http.request-timeout-seconds} of its opening,
 *       and of the end of its previous response; else it is closed (counted). Vert.x hands a request
 *       over only once its headers are complete, so this is what closes a client that opens
 *       connections and sends nothing, or drips its headers a byte at a time (slowloris), which the
 *       idle timeout alone would not. An idle keep-alive connection is closed by the same rule.</li>
 * </ul>
 *
 * Plain HTTP connections are seen as they are accepted; HTTPS ones once their TLS handshake is done
 * (Vert.x bounds the handshake itself, 10 s). One per API instance, called on its event loop only: its
 * HTTP servers' connections all run there. The count the limit is held to is the node's, shared by the
 * instances ({@link HttpMetrics#connections}): a connection is admitted by a compare-and-set on it, so
 * the instances together never hold more than the limit, and none waits for another.
 */
final class ConnectionLimits {

  private static final Logger LOG = LoggerFactory.getLogger(ConnectionLimits.class);

  private final Vertx vertx;
  private final long requestTimeoutMillis;
  private final int maxConnections;
  private final HttpMetrics metrics;
  private final Map<HttpConnection, Open> open = new HashMap<>();
  private final SampledLog refusals = new SampledLog(LOG, SampledLog.TEN_SECONDS);
  private final SampledLog timeouts = new SampledLog(LOG, SampledLog.TEN_SECONDS);

  ConnectionLimits(Vertx vertx, HttpSettings settings, HttpMetrics metrics) {
    this.vertx = vertx;
    this.requestTimeoutMillis = settings.requestTimeout().toMillis();
    this.maxConnections = settings.maxConnections();
    this.metrics = metrics;
  }

  /** The HTTP servers' connection handler. */
  void opened(HttpConnection connection) {
    if (!admit()) {
      metrics.connectionsRefused.increment();
      refusals.info("connection_limit", "HTTP connection refused: the limit is reached [remote: {}, open: {}, limit: {}]",
          connection.remoteAddress(), metrics.connections.get(), maxConnections);
      connection.close();
      return;
    }
    Open state = new Open(connection);
    open.put(connection, state);
    connection.closeHandler(ignored -> closed(connection));
    state.awaitRequest();
  }

  /** Counts one more connection of the node's, unless the limit is reached. */
  private boolean admit() {
    AtomicInteger count = metrics.connections;
    for (int held = count.get(); held < maxConnections; held = count.get()) {
      if (count.compareAndSet(held, held + 1)) {
        return true;
      }
    }
    return false;
  }

  /** A request's headers are complete. */
  void requestBegan(HttpServerRequest request) {
    Open state = open.get(request.connection());
    if (state != null) {
      state.inFlight++;
      state.cancelTimer();
    }
  }

  /** A request's response has ended, or its connection closed. */
  void requestDone(HttpServerRequest request) {
    Open state = open.get(request.connection());
    if (state != null && state.inFlight > 0 && --state.inFlight == 0) {
      state.awaitRequest();
    }
  }

  private void closed(HttpConnection connection) {
    Open state = open.remove(connection);
    if (state != null) {
      state.cancelTimer();
      metrics.connections.decrementAndGet();
    }
  }

  private final class Open {
    final HttpConnection connection;
    int inFlight;
    long timer = -1;

    Open(HttpConnection connection) {
      this.connection = connection;
    }

    void awaitRequest() {
      cancelTimer();
      timer = vertx.setTimer(requestTimeoutMillis, id -> {
        if (timer == id && inFlight == 0) {
          timer = -1;
          metrics.headerTimeouts.increment();
          timeouts.info("headers_timeout", "HTTP connection closed: no complete request within the request timeout [remote: {}, timeout-ms: {}]",
              connection.remoteAddress(), requestTimeoutMillis);
          connection.close();
        }
      });
    }

    void cancelTimer() {
      if (timer >= 0) {
        vertx.cancelTimer(timer);
        timer = -1;
      }
    }
  }
}
