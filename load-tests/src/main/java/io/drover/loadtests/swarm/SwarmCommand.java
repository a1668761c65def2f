package io.drover.loadtests.swarm;

import io.drover.loadtests.CommandLine;
import java.util.List;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code swarm}: connects N devices, holds them, optionally publishes, and prints one JSON line. A
 * watchdog ends the process at the deadline whatever state the run is in, so no swarm outlives its
 * benchmark.
 */
public final class SwarmCommand {

  private static final Logger LOG = LoggerFactory.getLogger(SwarmCommand.class);

  private SwarmCommand() {
  }

  public static int run(CommandLine args) {
    if (args.helpRequested()) {
      System.err.print(SwarmSettings.HELP);
      return 0;
    }
    SwarmSettings settings = SwarmSettings.from(args);
    List<DeviceCredentials> devices = DeviceCredentials.read(settings.credentialsFile(), settings.offset(), settings.count());
    startWatchdog(settings);
    try {
      SwarmReport report = new Swarm(settings, devices).run();
      System.out.println(report.toJson().encode());
      return report.stats().connected == devices.size() ? 0 : 1;
    } catch (TimeoutException e) {
      LOG.error("swarm ran past its deadline [deadline-s: {}]", settings.deadline().toSeconds());
      return 3;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 3;
    }
  }

  private static void startWatchdog(SwarmSettings settings) {
    Thread watchdog = new Thread(() -> {
      try {
        Thread.sleep(settings.deadline().toMillis() + 15_000);
      } catch (InterruptedException e) {
        return;
      }
      System.err.println("drover-swarm: deadline passed; exiting without a report");
      Runtime.getRuntime().halt(3);
    }, "swarm-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
  }
}
