package io.drover.hub.support;

import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.DatagramSocket;
import java.net.ServerSocket;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The launcher in a process of its own, started as an operator starts it: for tests that signal or
 * kill the whole node, which an in-process node cannot survive. Its output is kept for assertions
 * and failure messages. Closing it kills it (SIGKILL) if it is still running.
 */
public final class NodeProcess implements AutoCloseable {

  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private final Process process;
  private final Path dataDir;
  private final int httpPort;
  private final StringBuilder log = new StringBuilder();
  private final CompletableFuture<Void> logRead;

  private NodeProcess(Process process, Path dataDir, int httpPort, CountDownLatch started) {
    this.process = process;
    this.dataDir = dataDir;
    this.httpPort = httpPort;
    this.logRead = CompletableFuture.runAsync(() -> readLog(started));
  }

  /**
   * Starts {@code io.drover.hub.launcher.Main} on {@code dataDir} with its API on loopback at
   * {@code httpPort} and {@code flags}, and waits for "node started".
   */
  public static NodeProcess start(Path dataDir, int httpPort, List<String> flags) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"),
        "io.drover.hub.launcher.Main",
        "--data-dir=" + dataDir, "--http.host=127.0.0.1", "--http.port=" + httpPort));
    command.addAll(flags);
    CountDownLatch started = new CountDownLatch(1);
    NodeProcess node = new NodeProcess(new ProcessBuilder(command).redirectErrorStream(true).start(), dataDir, httpPort, started);
    if (!started.await(60, TimeUnit.SECONDS)) {
      node.close();
      throw new AssertionError("node did not start:\n" + node.log());
    }
    return node;
  }

  /**
   * SIGTERM, as an operator or systemd stops the node. Through the process handle: Process.destroy()
   * sends the same signal but also closes the pipe of the node's output, whose last lines are wanted.
   */
  public void terminate() {
    process.toHandle().destroy();
  }

  public String adminToken() throws IOException {
    return Files.readString(dataDir.resolve("admin-token")).trim();
  }

  /** Registers a device through the admin route, as an operator would. */
  public TestNode.DeviceIdentity provisionDevice() throws IOException, InterruptedException {
    HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/v1/admin/devices"))
        .timeout(Duration.ofSeconds(10))
        .header("Authorization", "Bearer " + adminToken()).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 201) {
      throw new IllegalStateException("provisioning failed: " + response.statusCode() + " " + response.body());
    }
    JsonObject body = new JsonObject(response.body());
    return new TestNode.DeviceIdentity(body.getString("id"), body.getString("secret"));
  }

  /** Everything the node has printed so far. */
  public String log() {
    synchronized (log) {
      return log.toString();
    }
  }

  public boolean logContains(String text) {
    synchronized (log) {
      return log.indexOf(text) >= 0;
    }
  }

  /** Waits for the process to end, and for its output to be read to the end. */
  public int waitForExit(long seconds) throws Exception {
    if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
      throw new AssertionError("node did not exit within " + seconds + " s:\n" + log());
    }
    logRead.get(10, TimeUnit.SECONDS);
    return process.exitValue();
  }

  @Override
  public void close() {
    process.destroyForcibly();
  }

  private void readLog(CountDownLatch started) {
    try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = lines.readLine()) != null) {
        synchronized (log) {
          log.append(line).append('\n');
        }
        if (line.contains("node started")) {
          started.countDown();
        }
      }
    } catch (IOException ignored) {
      // the process ended
    }
  }

  /** A TCP port free a moment ago, for a process that cannot report the port it picked. */
  public static int freeTcpPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  public static int freeUdpPort() throws IOException {
    try (DatagramSocket socket = new DatagramSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
