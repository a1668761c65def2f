package io.drover.hub.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.support.SseClient;
import io.drover.hub.support.TestDevice;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/drover-cluster 3} as a developer runs it: three real node processes on loopback that form
 * one cluster (two hubs sharing the first one's database, one gateway), a device publishing through
 * the gateway whose event reaches the other hub's stream, then {@code bin/drover-cluster stop}
 * leaving no process behind.
 */
@ExtendWith(VertxExtension.class)
class DroverClusterScriptTest {

  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private static final Path SCRIPT = Path.of("").toAbsolutePath().getParent().resolve("bin").resolve("drover-cluster");

  /** A line of the script's {@code nodes} file: what it started, where. */
  private record Node(String name, String roles, int http, int mqtt) {
  }

  @Test
  void threeNodesFormOneClusterCarryADevicesEventAndStopCompletely(Vertx vertx, @TempDir Path dir) throws Exception {
    Path clusterDir = dir.resolve("cluster");
    // a base of its own, so that two runs of this test on one machine do not even try the same ports
    int basePort = 20000 + 10 * ThreadLocalRandom.current().nextInt(2000);
    List<Long> pids = new ArrayList<>();
    String stopped;
    try {
      String started = run(clusterDir, basePort, 240, "3");
      List<Node> nodes = readNodes(clusterDir);
      assertEquals(List.of("hub", "hub", "gateway"), nodes.stream().map(Node::roles).toList(), "roles:\n" + started);
      for (Node node : nodes) {
        long pid = Long.parseLong(Files.readString(clusterDir.resolve(node.name() + ".pid")).trim());
        pids.add(pid);
        assertTrue(started.contains(Long.toString(pid)) && started.contains(clusterDir.resolve(node.name() + ".log").toString()),
            "the listing names " + node.name() + "'s PID and log:\n" + started);
      }

      // every node sees the same three members, and exactly one leads
      String metricsToken = Files.readString(clusterDir.resolve("metrics-token")).trim();
      int leaders = 0;
      for (Node node : nodes) {
        JsonObject cluster = clusterCheck(node.http(), metricsToken);
        assertEquals(3, cluster.getInteger("members"), node.name() + " sees " + cluster);
        assertEquals(node.roles(), cluster.getString("roles"), node.name() + "'s roles");
        leaders += cluster.getBoolean("leader") ? 1 : 0;
      }
      assertEquals(1, leaders, "one leader in the cluster");

      // a device registered through the first hub publishes through the gateway; the second hub streams it
      Node hub = nodes.get(0);
      Node otherHub = nodes.get(1);
      Node gateway = nodes.get(2);
      String adminToken = Files.readString(clusterDir.resolve("node1").resolve("data").resolve("admin-token")).trim();
      JsonObject device = registerDevice(hub.http(), adminToken);
      try (SseClient stream = SseClient.open(vertx, otherHub.http(), "/v1/devices/events/through-the-gateway", adminToken);
           TestDevice mqtt = TestDevice.connectWhenKnown(vertx, gateway.mqtt(), device.getString("id"), device.getString("secret"),
               Duration.ofSeconds(10))) {
        // a hub that has just opened its first stream hears of other hubs' events a moment later
        // (operations.md, "Running a cluster"): publish until one arrives
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        SseClient.Event seen = null;
        for (int i = 0; seen == null; i++) {
          String payload = "reading-" + i;
          mqtt.publishAcknowledged("e/through-the-gateway", Buffer.buffer(payload));
          try {
            seen = stream.awaitEvent(e -> e.name().equals("through-the-gateway") && e.data().getString("data").startsWith("reading-"),
                Duration.ofMillis(1000));
          } catch (AssertionError notYet) {
            if (System.nanoTime() > deadline) {
              throw notYet;
            }
          }
        }
        assertEquals(device.getString("id"), seen.data().getString("coreid"), "the event's device");
      }
    } finally {
      // also after a failure above, so that no node outlives the test
      stopped = run(clusterDir, basePort, 90, "stop");
    }
    assertTrue(stopped.contains("stopped node3 node2 node1"), "the stop names every node, the last started first:\n" + stopped);
    for (long pid : pids) {
      assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "process " + pid + " is gone after the stop");
    }
    assertTrue(run(clusterDir, basePort, 30, "stop").contains("no node of"), "a second stop finds nothing to stop");
  }

  /** Runs the script with the test's class path (the jar is not packaged yet when tests run); returns its output. */
  private static String run(Path clusterDir, int basePort, int timeoutSeconds, String argument) throws Exception {
    ProcessBuilder builder = new ProcessBuilder("bash", SCRIPT.toString(), argument).redirectErrorStream(true);
    Map<String, String> env = builder.environment();
    env.put("DROVER_CLUSTER_DIR", clusterDir.toString());
    env.put("DROVER_CLUSTER_BASE_PORT", Integer.toString(basePort));
    env.put("DROVER_CLASSPATH", System.getProperty("java.class.path"));
    env.put("PATH", Path.of(System.getProperty("java.home"), "bin") + ":" + env.getOrDefault("PATH", "/usr/bin:/bin"));
    Process process = builder.start();
    // read while it runs; the nodes it starts write to their own log files, not to this pipe
    CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> {
      try {
        return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
    if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("bin/drover-cluster " + argument + " did not finish within " + timeoutSeconds + " s");
    }
    String text = output.get(10, TimeUnit.SECONDS);
    assertEquals(0, process.exitValue(), "exit status of bin/drover-cluster " + argument + ":\n" + text);
    return text;
  }

  private static List<Node> readNodes(Path clusterDir) throws IOException {
    List<Node> nodes = new ArrayList<>();
    for (String line : Files.readAllLines(clusterDir.resolve("nodes"))) {
      String[] f = line.split(" ");
      nodes.add(new Node(f[0], f[1], Integer.parseInt(f[2]), Integer.parseInt(f[4])));
    }
    return nodes;
  }

  private static JsonObject clusterCheck(int httpPort, String metricsToken) throws Exception {
    HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/health"))
        .timeout(Duration.ofSeconds(10)).header("Authorization", "Bearer " + metricsToken).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, response.statusCode(), response.body());
    for (Object check : new JsonObject(response.body()).getJsonArray("checks")) {
      JsonObject c = (JsonObject) check;
      if (c.getString("id").equals("cluster")) {
        return c.getJsonObject("data");
      }
    }
    throw new AssertionError("no cluster check in " + response.body());
  }

  private static JsonObject registerDevice(int httpPort, String adminToken) throws Exception {
    HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/v1/admin/devices"))
        .timeout(Duration.ofSeconds(10))
        .header("Authorization", "Bearer " + adminToken).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(201, response.statusCode(), response.body());
    return new JsonObject(response.body());
  }
}
