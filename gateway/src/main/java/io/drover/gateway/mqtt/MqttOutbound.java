package io.drover.gateway.mqtt;

import io.drover.gateway.pipeline.GatewayMetrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetSocket;
import java.time.Duration;

/**
 * What one connection has sent its device and the operating system has not taken yet: the bytes of
 * every publish, from the moment it is handed to vertx-mqtt until its write completes. A device that
 * stops reading (while asking for firmware, or provoking {@code c/err} notices) would otherwise grow
 * this queue, in the gateway's memory, without end. So:
 *
 * <ul>
 *   <li>past {@link #WINDOW_BYTES} (or when Vert.x's own write queue is full, which PUBACKs alone can
 *       fill) the queue is <em>full</em>: the connection stops reading from the device, firmware chunks
 *       wait, notices are dropped (and counted), requests are refused as OVERLOADED;
 *   <li>when it drains below the window, all of that resumes;
 *   <li>when it stays full without a byte taken for {@code mqtt.outbound-stall-seconds}, or grows past
 *       {@link #LIMIT_BYTES} all the same (messages that are sent anyway: handshake answers, settings),
 *       the device is not reading: the connection is closed.
 * </ul>
 *
 * The bytes are counted from the MQTT encoding's size, near enough for a bound. Every method runs on the
 * connection's event loop.
 */
final class MqttOutbound {

  static final int WINDOW_BYTES = 16 * 1024;
  static final int LIMIT_BYTES = 256 * 1024;
  /** Bytes of a PUBLISH besides its topic and payload: fixed header, topic length, packet ID. */
  private static final int PUBLISH_OVERHEAD = 7;

  /** What the connection does as the queue fills and drains. */
  interface Listener {
    /** The queue became full: stop reading from the device. */
    void outboundFull();

    /** The queue drained below the window. */
    void outboundDrained();

    /** The device is not reading: close the connection. */
    void outboundStalled(String detail);
  }

  private final Vertx vertx;
  private final NetSocket socket;
  private final GatewayMetrics metrics;
  private final Duration stall;
  private final Listener listener;
  private long backlog;
  private long lastProgressNanos = System.nanoTime();
  private boolean full;
  private long stallTimer = -1;
  private Runnable whenDrained;
  private boolean stopped;

  MqttOutbound(Vertx vertx, NetSocket socket, GatewayMetrics metrics, Duration stall, Listener listener) {
    this.vertx = vertx;
    this.socket = socket;
    this.metrics = metrics;
    this.stall = stall;
    this.listener = listener;
    socket.drainHandler(drained -> check());
  }

  /** Whether the device should be sent nothing more that can wait. */
  boolean isFull() {
    return backlog >= WINDOW_BYTES || socket.writeQueueFull();
  }

  /** Counts a publish until it is written; {@code written} is vertx-mqtt's future of it. */
  void track(String topic, int payloadBytes, Future<?> written) {
    int bytes = topic.length() + payloadBytes + PUBLISH_OVERHEAD;
    backlog += bytes;
    metrics.outboundBacklog(bytes);
    written.onComplete(done -> {
      backlog -= bytes;
      metrics.outboundBacklog(-bytes);
      if (done.succeeded()) {
        lastProgressNanos = System.nanoTime();
      }
      check();
    });
    check();
  }

  /** Runs {@code task} once the queue is no longer full; replaces an earlier one. */
  void whenDrained(Runnable task) {
    whenDrained = task;
  }

  /** Looks at the queue after a write, a completed write or Vert.x's drain signal. */
  void check() {
    if (stopped) {
      return;
    }
    if (backlog > LIMIT_BYTES) {
      stop();
      listener.outboundStalled(backlog + " bytes unread by the device, past the bound of " + LIMIT_BYTES);
      return;
    }
    boolean nowFull = isFull();
    if (nowFull == full) {
      return;
    }
    full = nowFull;
    if (full) {
      armStallTimer(stall.toMillis());
      listener.outboundFull();
    } else {
      cancelStallTimer();
      listener.outboundDrained();
      Runnable task = whenDrained;
      whenDrained = null;
      if (task != null) {
        task.run();
      }
    }
  }

  /** The connection closed: nothing more is watched (its writes still complete, failed, and leave the backlog). */
  void stop() {
    stopped = true;
    whenDrained = null;
    cancelStallTimer();
  }

  private void armStallTimer(long millis) {
    stallTimer = vertx.setTimer(Math.max(1, millis), id -> {
      stallTimer = -1;
      if (stopped || !full) {
        return;
      }
      long idleMillis = (System.nanoTime() - lastProgressNanos) / 1_000_000;
      if (idleMillis >= stall.toMillis()) {
        stop();
        listener.outboundStalled("nothing sent to the device was taken for " + idleMillis + " ms, with " + backlog + " bytes waiting");
      } else {
        armStallTimer(stall.toMillis() - idleMillis);
      }
    });
  }

  private void cancelStallTimer() {
    if (stallTimer >= 0) {
      vertx.cancelTimer(stallTimer);
      stallTimer = -1;
    }
  }
}
