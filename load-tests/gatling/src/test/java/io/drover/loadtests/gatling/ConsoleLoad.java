package io.drover.loadtests.gatling;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The knobs of {@link ConsoleSimulation}, read once from system properties ({@code drover.*}), which
 * {@code bin/gatling.sh} and {@link ConsoleSimulationSmokeTest} set.
 *
 * @param baseUrl the node's HTTP API, {@code http://127.0.0.1:PORT}
 * @param fixture the directory {@code console-setup} wrote (users.csv, managers.csv)
 * @param consoleUsers virtual users that log in, list, open, call and read
 * @param streamUsers virtual users that log in and hold an event stream
 * @param managerUsers virtual users that log in as fleet managers and page the product's devices
 * @param ramp the time over which each population arrives (users ramped evenly)
 * @param actionsPerUser open/call/read rounds of a console user, and pages of a manager
 * @param thinkTime pause between two rounds
 * @param streamHold how long a stream is held open after its first event
 * @param maxFailedPercent the run fails (assertion) when more requests than this fail; 0 for the smoke run
 */
record ConsoleLoad(
    String baseUrl,
    Path fixture,
    int consoleUsers,
    int streamUsers,
    int managerUsers,
    Duration ramp,
    int actionsPerUser,
    Duration thinkTime,
    Duration streamHold,
    double maxFailedPercent) {

  static ConsoleLoad fromSystemProperties() {
    return new ConsoleLoad(
        required("drover.baseUrl"),
        Path.of(required("drover.fixture")),
        Integer.getInteger("drover.consoleUsers", 20),
        Integer.getInteger("drover.streamUsers", 10),
        Integer.getInteger("drover.managerUsers", 2),
        Duration.ofMillis(Long.getLong("drover.rampMs", 10_000)),
        Integer.getInteger("drover.actionsPerUser", 5),
        Duration.ofMillis(Long.getLong("drover.thinkMs", 500)),
        Duration.ofMillis(Long.getLong("drover.streamHoldMs", 10_000)),
        Double.parseDouble(System.getProperty("drover.maxFailedPercent", "0")));
  }

  private static String required(String key) {
    String value = System.getProperty(key);
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException("set -D" + key + " (bin/gatling.sh does)");
    }
    return value;
  }
}
