package io.drover.loadtests.swarm;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run of the swarm: connect every device, hold them (publishing if asked), disconnect them, and
 * report. Runs on the calling thread, which only waits; the devices live on the client event loops.
 * Public for the Gatling smoke test, which holds a swarm in its own process.
 */
public final class Swarm {

  private static final Logger LOG = LoggerFactory.getLogger(Swarm.class);
  private static final Duration ACK_DRAIN = Duration.ofSeconds(10);
  private static final Duration STOP_FILE_POLL = Duration.ofMillis(100);

  private final SwarmSettings settings;
  private final List<DeviceCredentials> devices;

  public Swarm(SwarmSettings settings, List<DeviceCredentials> devices) {
    this.settings = settings;
    this.devices = devices;
  }

  public SwarmReport run() throws InterruptedException, TimeoutException {
    long deadlineNanos = System.nanoTime() + settings.deadline().toNanos();
    Vertx vertx = Vertx.vertx(new VertxOptions()
        .setEventLoopPoolSize(settings.eventLoops())
        .setWorkerPoolSize(1)
        .setInternalBlockingPoolSize(1));
    try {
      List<SwarmSlice> slices = deploySlices(vertx);
      List<Future<Void>> connectPhases = new ArrayList<>(slices.size());
      for (SwarmSlice slice : slices) {
        connectPhases.add(slice.connectPhase());
      }
      Future.all(connectPhases).await(remainingNanos(deadlineNanos), TimeUnit.NANOSECONDS);
      long connectedAtNanos = System.nanoTime();
      writeReadyFile(slices);

      for (SwarmSlice slice : slices) {
        slice.startPublishing().await();
      }
      hold(deadlineNanos);
      long heldNanos = System.nanoTime() - connectedAtNanos;

      List<Future<SliceStats>> finishing = new ArrayList<>(slices.size());
      for (SwarmSlice slice : slices) {
        finishing.add(slice.finish(ACK_DRAIN));
      }
      Future.all(finishing).await(remainingNanos(deadlineNanos), TimeUnit.NANOSECONDS);
      SliceStats total = new SliceStats();
      for (Future<SliceStats> finished : finishing) {
        total.add(finished.result());
      }
      return new SwarmReport(settings, devices.size(), total, heldNanos);
    } finally {
      try {
        vertx.close().await(10, TimeUnit.SECONDS);
      } catch (TimeoutException e) {
        LOG.warn("client Vert.x did not close within 10 s");
      }
    }
  }

  /** One slice per event loop; the CONNECT window and the event rate are split like the devices. */
  private List<SwarmSlice> deploySlices(Vertx vertx) {
    int sliceCount = Math.min(settings.eventLoops(), devices.size());
    List<SwarmSlice> slices = new ArrayList<>(sliceCount);
    for (int i = 0; i < sliceCount; i++) {
      List<DeviceCredentials> share = devices.subList(i * devices.size() / sliceCount, (i + 1) * devices.size() / sliceCount);
      int window = Math.max(1, (i + 1) * settings.connectsInFlight() / sliceCount - i * settings.connectsInFlight() / sliceCount);
      double rate = settings.publishing().ratePerSecond() * share.size() / devices.size();
      SwarmSlice slice = new SwarmSlice(share, settings, window, rate);
      vertx.deployVerticle(slice).await();
      slices.add(slice);
    }
    LOG.info("connecting [devices: {}, target: {}:{}, in-flight: {}, event-loops: {}]",
        devices.size(), settings.host(), settings.port(), settings.connectsInFlight(), sliceCount);
    return slices;
  }

  private void writeReadyFile(List<SwarmSlice> slices) {
    if (settings.readyFile() == null) {
      return;
    }
    // The counts are read from the slices without stopping them: they no longer change once the connect
    // phase is complete, and the completion of each phase future published them to this thread.
    SliceStats sum = new SliceStats();
    for (SwarmSlice slice : slices) {
      sum.add(slice.statsAfterConnectPhase());
    }
    JsonObject ready = new JsonObject().put("connected", sum.connected).put("failed", sum.failed);
    try {
      Path temporary = settings.readyFile().resolveSibling(settings.readyFile().getFileName() + ".tmp");
      Files.writeString(temporary, ready.encode() + "\n");
      Files.move(temporary, settings.readyFile(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the ready file " + settings.readyFile(), e);
    }
    LOG.info("connect phase over [connected: {}, failed: {}]", sum.connected, sum.failed);
  }

  /** Waits for the hold time, the stop file, or the deadline, whichever comes first. */
  private void hold(long deadlineNanos) throws InterruptedException {
    long endNanos = Math.min(System.nanoTime() + settings.hold().toNanos(), deadlineNanos - ACK_DRAIN.toNanos() * 2);
    while (System.nanoTime() < endNanos) {
      if (settings.stopFile() != null && Files.exists(settings.stopFile())) {
        return;
      }
      Thread.sleep(Math.max(1, Math.min(STOP_FILE_POLL.toMillis(), (endNanos - System.nanoTime()) / 1_000_000)));
    }
  }

  private static long remainingNanos(long deadlineNanos) {
    return Math.max(1, deadlineNanos - System.nanoTime());
  }
}
