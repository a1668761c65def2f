package io.drover.loadtests.gatling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.launcher.Node;
import io.drover.hub.launcher.NodeConfig;
import io.drover.loadtests.CommandLine;
import io.drover.loadtests.console.ConsoleSetup;
import io.drover.loadtests.swarm.DeviceCredentials;
import io.drover.loadtests.swarm.Swarm;
import io.drover.loadtests.swarm.SwarmSettings;
import io.gatling.app.Gatling$;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Gatling console simulation, small and short, against a real node (its embedded PostgreSQL) with
 * a real swarm of devices that answer calls: so that the simulations compile, run and pass against the
 * API as it is today, and cannot rot. Any failed request fails the run (the simulation's assertion),
 * and every request kind must have been made and have succeeded (read back from Gatling's HTML
 * report with {@link ReportTable}, which bin/gatling.sh's summary uses too).
 */
class ConsoleSimulationSmokeTest {

  private static final int USERS = 3;
  private static final int DEVICES_PER_USER = 2;
  /** Two pages of 25 and a bit: the managers page past the first. */
  private static final int PRODUCT_DEVICES = 60;
  private static final List<String> REQUEST_KINDS = List.of("log in", "list devices", "open device", "call function",
      "read variable", "open event stream", "first event", "close event stream", "product devices page 1",
      "product devices page n");

  @TempDir
  Path dir;

  @Test
  // about a minute on an idle machine; the bound is for a machine shared with other builds
  @Timeout(value = 600, unit = TimeUnit.SECONDS)
  void consoleSimulationRunsWithoutAFailedRequest() throws Exception {
    Node node = Node.start(NodeConfig.from(List.of(
        "--data-dir=" + dir.resolve("data"),
        "--http.host=127.0.0.1", "--http.port=0", "--http.tls-port=0",
        "--mqtt.host=127.0.0.1", "--mqtt.port=0", "--mqtt.tls-port=0",
        "--coap.host=127.0.0.1", "--coap.port=0"), Map.of()));
    Path stop = dir.resolve("stop");
    CompletableFuture<String> swarmRun = null;
    Properties saved = (Properties) System.getProperties().clone();
    try {
      Path fixture = dir.resolve("fixture");
      String bootstrap = Files.readString(node.adminTokenFile()).strip();
      ConsoleSetup setup = new ConsoleSetup("127.0.0.1", node.httpPort(), bootstrap, 4);
      setup.run(USERS, DEVICES_PER_USER, 1, PRODUCT_DEVICES, fixture);

      Path ready = dir.resolve("ready.json");
      SwarmSettings settings = SwarmSettings.from(CommandLine.parse(List.of(
          "--port", Integer.toString(node.mqttPort()),
          "--credentials", fixture.resolve("devices.txt").toString(),
          "--count", Integer.toString(USERS * DEVICES_PER_USER),
          "--hold-s", "240", "--deadline-s", "280",
          "--stop-file", stop.toString(), "--ready-file", ready.toString(),
          "--rate", "20", "--qos", "0", "--event-name", "load", "--answer-calls", "true")));
      List<DeviceCredentials> devices = DeviceCredentials.read(fixture.resolve("devices.txt"), 0, USERS * DEVICES_PER_USER);
      swarmRun = CompletableFuture.supplyAsync(() -> {
        try {
          return new Swarm(settings, devices).run().toJson().encode();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      assertEquals(USERS * DEVICES_PER_USER, setup.awaitClaimed(fixture, DEVICES_PER_USER, Duration.ofSeconds(60)),
          "every device claimed through its reported claim code, and online");

      Path results = dir.resolve("results");
      System.setProperty("drover.baseUrl", "http://127.0.0.1:" + node.httpPort());
      System.setProperty("drover.fixture", fixture.toString());
      System.setProperty("drover.consoleUsers", "4");
      System.setProperty("drover.streamUsers", "2");
      System.setProperty("drover.managerUsers", "1");
      System.setProperty("drover.rampMs", "2000");
      System.setProperty("drover.actionsPerUser", "2");
      System.setProperty("drover.thinkMs", "100");
      System.setProperty("drover.streamHoldMs", "1000");
      System.setProperty("drover.maxFailedPercent", "0");
      int exit = Gatling$.MODULE$.fromArgs(new String[] {
          "--simulation", ConsoleSimulation.class.getName(), "--results-folder", results.toString()});
      assertEquals(0, exit, "Gatling's exit code: 0 when the run passed its assertion (no failed request)");

      Path report;
      try (Stream<Path> files = Files.list(results)) {
        report = files.filter(run -> Files.exists(run.resolve("index.html"))).findFirst()
            .orElseThrow(() -> new AssertionError("no HTML report under " + results));
      }
      List<ReportTable.Row> rows = ReportTable.read(report);
      for (String kind : REQUEST_KINDS) {
        ReportTable.Row row = rows.stream().filter(r -> r.name().equals(kind)).findFirst()
            .orElseThrow(() -> new AssertionError("no request named '" + kind + "' in the report: " + rows));
        assertTrue(row.ok() > 0, kind + " was made and succeeded: " + row);
        assertEquals(0L, row.ko(), kind + " never failed: " + row);
      }
    } finally {
      System.setProperties(saved);
      Files.writeString(stop, "stop");
      try {
        if (swarmRun != null) {
          swarmRun.get(60, TimeUnit.SECONDS);
        }
      } finally {
        node.stop();
      }
    }
    JsonObject swarm = new JsonObject(swarmRun.get());
    assertEquals(0L, swarm.getLong("lostWhileHeld"), "no device lost its session: " + swarm);
    assertTrue(swarm.getLong("callsAnswered") >= 4 * 2 * 2, "the devices answered every call and read: " + swarm);
  }
}
