package io.drover.hub.events;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.drover.hub.storage.Database;
import io.drover.hub.storage.DatabaseSettings;
import io.drover.hub.storage.Durability;
import io.drover.hub.support.SseClient;
import io.drover.hub.support.TestDevice;
import io.drover.hub.support.TestNode;
import io.drover.hub.support.TestNode.DeviceIdentity;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The default node (embedded PostgreSQL in its data directory) stopped the way SIGTERM stops it:
 * events it accepted but had not yet written are in the database afterwards.
 */
@ExtendWith(VertxExtension.class)
class GracefulStopTest {

  private static final int EVENTS = 200;

  @Test
  void acceptedEventsAreWrittenBeforeTheNodeStops(Vertx vertx, @TempDir Path dataDir) throws Exception {
    // the device is only a fast source of events here: past its quota of events it would be refused
    TestNode node = TestNode.startEmbedded(dataDir, "--devices.events-per-second=100000", "--devices.events-burst=100000");
    DeviceIdentity identity = node.provisionDevice();
    try (SseClient stream = SseClient.open(vertx, node.httpPort(), "/v1/devices/events/burst", node.adminToken());
         TestDevice device = TestDevice.connect(vertx, node.mqttPort(), identity.id(), identity.secret()).await(10, TimeUnit.SECONDS);
         Connection lock = node.node().database().jdbcConnection()) {
      // the writer's INSERTs wait behind this lock (it conflicts with their ROW EXCLUSIVE), so only the
      // stop, once the lock is gone, can write these events
      lock.setAutoCommit(false);
      lock.createStatement().execute("LOCK TABLE events IN SHARE ROW EXCLUSIVE MODE");
      for (int i = 0; i < EVENTS; i++) {
        device.publish("burst", Integer.toString(i));
      }
      // streamed means accepted by the hub
      TestNode.eventually(Duration.ofSeconds(10), () -> stream.events().size() == EVENTS, "all events accepted");
      assertEquals(0, node.countEvents(identity.id(), "burst"), "nothing written yet");

      CompletableFuture<Void> stopped = CompletableFuture.runAsync(node::close);
      // the listeners close first: the node is stopping, with the events still queued
      device.closed().await(10, TimeUnit.SECONDS);
      lock.close();
      stopped.get(60, TimeUnit.SECONDS);
    }

    try (Database reopened = Database.open(new DatabaseSettings(null, dataDir.resolve("postgres"), 0, 1, Durability.DURABLE, true));
         Connection connection = reopened.jdbcConnection();
         Statement statement = connection.createStatement();
         ResultSet counts = statement.executeQuery(
             "SELECT count(*), count(DISTINCT data) FROM events WHERE device_id = '" + identity.id() + "' AND name = 'burst'");
         ResultSet device = connection.createStatement().executeQuery(
             "SELECT online FROM device_connectivity WHERE device_id = '" + identity.id() + "'")) {
      counts.next();
      assertEquals(EVENTS, counts.getInt(1));
      assertEquals(EVENTS, counts.getInt(2));
      device.next();
      assertEquals(false, device.getBoolean(1), "the device's session ended with the node");
    }
    try (Database reopened = Database.open(new DatabaseSettings(null, dataDir.resolve("postgres"), 0, 1, Durability.DURABLE, true));
         Connection connection = reopened.jdbcConnection();
         ResultSet offline = connection.createStatement().executeQuery(
             "SELECT count(*) FROM events WHERE device_id = '" + identity.id() + "' AND name = 'spark/status' AND data = 'offline'")) {
      offline.next();
      assertEquals(1, offline.getInt(1), "the stop published the device's offline event, once");
    }
  }
}
