package io.drover.hub.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.drover.hub.storage.Database;
import io.drover.hub.storage.DatabaseSettings;
import io.drover.hub.storage.Durability;
import io.drover.hub.support.NodeProcess;
import io.drover.hub.support.SseClient;
import io.drover.hub.support.TestDevice;
import io.drover.hub.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
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
    int httpPort = NodeProcess.freeTcpPort();
    int mqttPort = NodeProcess.freeTcpPort();
    int databasePort = NodeProcess.freeTcpPort();
    try (NodeProcess node = NodeProcess.start(dataDir, httpPort, List.of(
        "--mqtt.host=127.0.0.1", "--mqtt.port=" + mqttPort, "--coap.host=127.0.0.1", "--coap.port=0",
        "--database.embedded-port=" + databasePort))) {
      String token = node.adminToken();
      TestNode.DeviceIdentity device = node.provisionDevice();
      try (SseClient stream = SseClient.open(vertx, httpPort, "/v1/devices/events/queued", token);
           TestDevice mqtt = TestDevice.connect(vertx, mqttPort, device.id(), device.secret()).await(10, TimeUnit.SECONDS);
           Connection lock = embeddedConnection(dataDir, databasePort)) {
        // the writer's INSERTs wait behind this lock, so only the shutdown, once it is gone, can write these events
        lock.setAutoCommit(false);
        lock.createStatement().execute("LOCK TABLE events IN SHARE ROW EXCLUSIVE MODE");
        for (int i = 0; i < EVENTS; i++) {
          mqtt.publish("queued", Integer.toString(i));
        }
        TestNode.eventually(Duration.ofSeconds(10), () -> stream.events().size() == EVENTS, "events accepted");
        try (ResultSet written = lock.createStatement().executeQuery("SELECT count(*) FROM events WHERE name = 'queued'")) {
          written.next();
          assertEquals(0, written.getInt(1), "nothing written yet");
        }

        node.terminate(); // SIGTERM
        try {
          TestNode.eventually(Duration.ofSeconds(30), () -> node.logContains("node stopping"), "the node stopping");
        } catch (AssertionError e) {
          throw new AssertionError(e.getMessage() + "; node log:\n" + node.log(), e);
        }
        lock.close();

        assertEquals(143, node.waitForExit(60), "exit status of a process ended by SIGTERM; node log:\n" + node.log());
      }
      try (Database reopened = Database.open(new DatabaseSettings(null, dataDir.resolve("postgres"), 0, 1, Durability.DURABLE, true));
           Connection connection = reopened.jdbcConnection();
           ResultSet count = connection.createStatement().executeQuery("SELECT count(*) FROM events WHERE name = 'queued'")) {
        count.next();
        assertEquals(EVENTS, count.getInt(1), "events in the database after SIGTERM; node log:\n" + node.log());
      }
    }
  }

  /** A connection to the node's embedded PostgreSQL, with the password the node gave it. */
  private static Connection embeddedConnection(Path dataDir, int port) throws Exception {
    Properties credentials = new Properties();
    credentials.setProperty("user", "postgres");
    credentials.setProperty("password", Files.readString(dataDir.resolve("postgres").resolve("drover-password")).trim());
    return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", credentials);
  }
}
