package io.drover.loadtests.swarm;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The devices of one client event loop: connects them with at most {@code connectWindow} CONNECTs
 * awaiting their CONNACK, publishes its share of the event rate while held, then disconnects them.
 * Every method that the swarm calls from its own thread hops onto this verticle's context.
 */
final class SwarmSlice extends VerticleBase {

  private static final long PUBLISH_TICK_MS = 10;
  private static final long DRAIN_POLL_MS = 20;

  private final List<DeviceCredentials> credentials;
  private final SwarmSettings settings;
  private final int connectWindow;
  private final double eventsPerSecond;
  private final SliceStats stats = new SliceStats();
  private final Promise<Void> connectPhase = Promise.promise();
  private final List<SimulatedDevice> devices;
  private byte[] payload;
  private int nextToConnect;
  private int connecting;
  private int answered;
  private boolean fillingWindow;
  private long publishTimer = -1;
  private long lastTickNanos;
  private double eventsDue;
  private int publishCursor;

  SwarmSlice(List<DeviceCredentials> credentials, SwarmSettings settings, int connectWindow, double eventsPerSecond) {
    this.credentials = credentials;
    this.settings = settings;
    this.connectWindow = connectWindow;
    this.eventsPerSecond = eventsPerSecond;
    this.devices = new ArrayList<>(credentials.size());
  }

  @Override
  public Future<?> start() {
    for (DeviceCredentials device : credentials) {
      devices.add(new SimulatedDevice(vertx, device, settings, stats));
    }
    payload = PayloadStamp.template(settings.publishing().payloadBytes());
    if (devices.isEmpty()) {
      connectPhase.complete();
    } else {
      fillConnectWindow();
    }
    return Future.succeededFuture();
  }

  /** Completes when every device's CONNECT has been answered (accepted, refused or timed out). */
  Future<Void> connectPhase() {
    return connectPhase.future();
  }

  /** Only for counts that stop changing with the connect phase (connected, failed); see {@link Swarm}. */
  SliceStats statsAfterConnectPhase() {
    return stats;
  }

  /**
   * Keeps {@code connectWindow} CONNECTs outstanding. Re-entrant calls (a connect that fails at once
   * completes inside the loop) return early; the outer loop goes on with the freed slot.
   */
  private void fillConnectWindow() {
    if (fillingWindow) {
      return;
    }
    fillingWindow = true;
    try {
      while (connecting < connectWindow && nextToConnect < devices.size()) {
        SimulatedDevice device = devices.get(nextToConnect++);
        connecting++;
        long sentNanos = System.nanoTime();
        stats.connectSent(sentNanos);
        device.connect(settings.host(), settings.port(), settings.connectTimeout()).onComplete(answer -> {
          long answeredNanos = System.nanoTime();
          connecting--;
          answered++;
          if (answer.succeeded()) {
            stats.connectSucceeded(sentNanos, answeredNanos);
          } else {
            stats.connectFailed(answer.cause(), answeredNanos);
          }
          if (answered == devices.size()) {
            connectPhase.complete();
          } else {
            fillConnectWindow();
          }
        });
      }
    } finally {
      fillingWindow = false;
    }
  }

  Future<Void> startPublishing() {
    return onContext(() -> {
      if (eventsPerSecond > 0 && !devices.isEmpty()) {
        lastTickNanos = System.nanoTime();
        publishTimer = vertx.setPeriodic(PUBLISH_TICK_MS, id -> publishDueEvents());
      }
      return Future.succeededFuture();
    });
  }

  /** Publishes what the rate owes since the last tick, round-robin; a device at its in-flight limit is skipped. */
  private void publishDueEvents() {
    long now = System.nanoTime();
    eventsDue = Math.min(eventsDue + eventsPerSecond * (now - lastTickNanos) / 1e9, Math.max(1, eventsPerSecond));
    lastTickNanos = now;
    int due = (int) eventsDue;
    eventsDue -= due;
    boolean stamped = settings.publishing().stamped();
    for (int sent = 0; sent < due; sent++) {
      SimulatedDevice device = nextPublisher();
      if (device == null) {
        stats.publishSkipped += due - sent;
        return;
      }
      device.publish(stamped ? PayloadStamp.stamp(payload, PayloadStamp.nowMicros()) : Buffer.buffer(payload.clone()));
    }
  }

  private SimulatedDevice nextPublisher() {
    for (int tried = 0; tried < devices.size(); tried++) {
      SimulatedDevice device = devices.get(publishCursor);
      publishCursor = (publishCursor + 1) % devices.size();
      if (device.canPublish()) {
        return device;
      }
    }
    return null;
  }

  /**
   * Stops publishing, waits up to {@code drain} for outstanding PUBACKs, then disconnects every device.
   * The stats are final once the returned future completes.
   */
  Future<SliceStats> finish(Duration drain) {
    return onContext(() -> {
      if (publishTimer >= 0) {
        vertx.cancelTimer(publishTimer);
      }
      Promise<Void> drained = Promise.promise();
      awaitAcks(System.nanoTime() + drain.toNanos(), drained);
      return drained.future().compose(ignored -> {
        for (SimulatedDevice device : devices) {
          stats.unackedAtEnd += device.unacknowledged();
        }
        List<Future<Void>> disconnects = new ArrayList<>(devices.size());
        for (SimulatedDevice device : devices) {
          disconnects.add(device.disconnect());
        }
        return Future.join(disconnects).otherwiseEmpty().map(stats);
      });
    });
  }

  private void awaitAcks(long deadlineNanos, Promise<Void> drained) {
    long unacknowledged = 0;
    for (SimulatedDevice device : devices) {
      unacknowledged += device.unacknowledged();
    }
    if (unacknowledged == 0 || System.nanoTime() >= deadlineNanos) {
      drained.complete();
    } else {
      vertx.setTimer(DRAIN_POLL_MS, id -> awaitAcks(deadlineNanos, drained));
    }
  }

  private <T> Future<T> onContext(Supplier<Future<T>> action) {
    Promise<T> result = Promise.promise();
    context.runOnContext(ignored -> action.get().onComplete(result));
    return result.future();
  }
}
