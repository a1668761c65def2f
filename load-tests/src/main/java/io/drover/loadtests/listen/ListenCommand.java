package io.drover.loadtests.listen;

import io.drover.loadtests.CommandLine;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code listen}: subscribes to where the swarm's events come out (an MQTT topic, a Drover event stream),
 * counts them and their publish-to-receipt latency until told to stop, and prints one JSON line. A
 * watchdog ends the process at the deadline whatever state it is in.
 */
public final class ListenCommand {

  private static final Logger LOG = LoggerFactory.getLogger(ListenCommand.class);
  private static final long POLL_MS = 50;

  private ListenCommand() {
  }

  public static int run(CommandLine args) {
    if (args.helpRequested()) {
      System.err.print(ListenSettings.HELP);
      return 0;
    }
    ListenSettings settings = ListenSettings.from(args);
    startWatchdog(settings);
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1).setInternalBlockingPoolSize(1));
    try {
      JsonObject report = listen(vertx, settings);
      System.out.println(report.encode());
      return 0;
    } catch (TimeoutException e) {
      LOG.error("listener not ready in time [deadline-s: {}]", settings.deadline().toSeconds());
      return 3;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 3;
    } finally {
      try {
        vertx.close().await(10, TimeUnit.SECONDS);
      } catch (TimeoutException e) {
        LOG.warn("listener Vert.x did not close within 10 s");
      }
    }
  }

  static JsonObject listen(Vertx vertx, ListenSettings settings) throws InterruptedException, TimeoutException {
    long deadlineNanos = System.nanoTime() + settings.deadline().toNanos();
    EventSource source = settings.sse() ? new SseStreamSource(settings, readToken(settings.tokenFile())) : new MqttTopicSource(settings);
    vertx.deployVerticle(source).await(Math.min(30, settings.deadline().toSeconds()), TimeUnit.SECONDS);
    writeReadyFile(settings.readyFile());
    LOG.info("listening [{}]", settings.sse() ? "GET " + settings.path() : "topic " + settings.topic());

    String endedBy = "deadline";
    long stopSeenNanos = -1;
    while (System.nanoTime() < deadlineNanos) {
      if (source.ended() != null) {
        endedBy = source.ended();
        break;
      }
      if (settings.stopFile() != null && stopSeenNanos < 0 && Files.exists(settings.stopFile())) {
        stopSeenNanos = System.nanoTime();
      }
      if (stopSeenNanos >= 0 && System.nanoTime() - Math.max(stopSeenNanos, source.reception.lastNanos) >= settings.quiet().toNanos()) {
        endedBy = "stop file, then quiet";
        break;
      }
      Thread.sleep(POLL_MS);
    }
    Reception seen = source.reception().await(10, TimeUnit.SECONDS);
    return report(seen, endedBy);
  }

  static JsonObject report(Reception seen, String endedBy) {
    double seconds = seen.received < 2 ? 0 : (seen.lastNanos - seen.firstNanos) / 1e9;
    return new JsonObject()
        .put("received", seen.received)
        .put("unstamped", seen.unstamped)
        .put("stampedInFuture", seen.stampedInFuture)
        .put("receivingSeconds", round(seconds))
        .put("receivedPerSecond", round(seconds <= 0 ? 0 : (seen.received - 1) / seconds))
        .put("e2eP50Ms", round(seen.latency.percentileMillis(50)))
        .put("e2eP90Ms", round(seen.latency.percentileMillis(90)))
        .put("e2eP99Ms", round(seen.latency.percentileMillis(99)))
        .put("e2eMaxMs", round(seen.latency.maxMillis()))
        .put("endedBy", endedBy);
  }

  private static String readToken(Path file) {
    try {
      return Files.readString(file).strip();
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read the token file " + file + ": " + e.getMessage(), e);
    }
  }

  private static void writeReadyFile(Path file) {
    if (file == null) {
      return;
    }
    try {
      Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
      Files.writeString(temporary, "{\"ready\":true}\n");
      Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the ready file " + file, e);
    }
  }

  private static double round(double value) {
    return Math.round(value * 1000) / 1000.0;
  }

  private static void startWatchdog(ListenSettings settings) {
    Thread watchdog = new Thread(() -> {
      try {
        Thread.sleep(settings.deadline().toMillis() + 15_000);
      } catch (InterruptedException e) {
        return;
      }
      System.err.println("drover-swarm listen: deadline passed; exiting without a report");
      Runtime.getRuntime().halt(3);
    }, "listen-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
  }
}
