package io.drover.hub.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.drover.hub.storage.Database;
import io.drover.hub.storage.DatabaseSettings;
import io.drover.hub.support.SseClient;
import io.drover.hub.support.TestDevice;
import io.drover.hub.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The launcher in its own process, stopped by a real SIGTERM, as an operator or systemd stops it. */
@ExtendWith(VertxExtension.class)
class SigtermTest {

  private static final int EVENTS = 50;

  @Test
  void sigtermWritesEveryAcceptedEventBeforeTheProcessExits(Vertx vertx, @TempDir Path dataDir) throws Exception {
    int httpPort = freePort();
    int mqttPort = freePort();
    Process node = new ProcessBuilder(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"),
        Main.class.getName(),
        "--data-dir=" + dataDir, "--http.host=127.0.0.1", "--http.port=" + httpPort,
        "--mqtt.host=127.0.0.1", "--mqtt.port=" + mqttPort, "--coap.host=127.0.0.1", "--coap.port=0",
        // only the shutdown can write these events
        "--events.batch-size=10000", "--events.flush-interval-ms=60000"))
        .redirectErrorStream(true)
        .start();
    CountDownLatch started = new CountDownLatch(1);
    StringBuilder log = new StringBuilder();
    CompletableFuture<Void> logRead = CompletableFuture.runAsync(() -> readLog(node, log, started));
    try {
      if (!started.await(60, TimeUnit.SECONDS)) {
        throw new AssertionError("node did not start:\n" + log);
      }
      String token = Files.readString(dataDir.resolve("admin-token")).trim();
      JsonObject device = new JsonObject(HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/v1/admin/devices"))
              .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
          HttpResponse.BodyHandlers.ofString()).body());
      try (SseClient stream = SseClient.open(vertx, httpPort, "/v1/devices/events/queued", token);
           TestDevice mqtt = TestDevice.connect(vertx, mqttPort, device.getString("id"), device.getString("secret")).await(10, TimeUnit.SECONDS)) {
        for (int i = 0; i < EVENTS; i++) {
          mqtt.publish("queued", Integer.toString(i));
        }
        TestNode.eventually(Duration.ofSeconds(10), () -> stream.events().size() == EVENTS, "events accepted");

        node.destroy(); // SIGTERM

        if (!node.waitFor(60, TimeUnit.SECONDS)) {
          throw new AssertionError("node did not exit after SIGTERM:\n" + log);
        }
      }
    } finally {
      node.destroyForcibly();
    }

    logRead.get(10, TimeUnit.SECONDS);
    assertEquals(143, node.exitValue(), "exit status of a process ended by SIGTERM; node log:\n" + log);
    try (Database reopened = Database.open(new DatabaseSettings(null, dataDir.resolve("postgres"), 0, 1));
         Connection connection = reopened.jdbcConnection();
         ResultSet count = connection.createStatement().executeQuery("SELECT count(*) FROM events WHERE name = 'queued'")) {
      count.next();
      assertEquals(EVENTS, count.getInt(1), "events in the database after SIGTERM; node log:\n" + log);
    }
  }

  private static void readLog(Process node, StringBuilder log, CountDownLatch started) {
    try (BufferedReader lines = new BufferedReader(new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = lines.readLine()) != null) {
        synchronized (log) {
          log.append(line).append('\n');
        }
        if (line.contains("node started")) {
          started.countDown();
        }
      }
    } catch (java.io.IOException ignored) {
      // the process ended
    }
  }

  private static int freePort() throws java.io.IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
