package io.drover.hub.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.support.CoapTestDevice;
import io.drover.hub.support.NodeProcess;
import io.drover.hub.support.TestDevice;
import io.drover.hub.support.TestNode;
import io.drover.hub.support.TestNode.DeviceIdentity;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.junit5.VertxExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.eclipse.californium.core.CoapResponse;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Durable by default, shown by a crash: while MQTT devices publish at QoS 1 and a CoAP device with
 * confirmable requests, the embedded PostgreSQL's postmaster is killed with SIGKILL (its backends
 * and WAL writer die with it, as in a crash), then the node too, since it cannot drain its queue
 * into a dead database. A new node on the same data directory recovers PostgreSQL from its WAL, and
 * every event a device was acknowledged (PUBACK, 2.04) is in the events table. With
 * {@code events.durability=relaxed} the commits acknowledged in the last moments before the kill can
 * be missing.
 */
@ExtendWith(VertxExtension.class)
class EmbeddedDatabaseCrashTest {

  private static final int MQTT_DEVICES = 3;
  /** Acknowledged events each device has before the kill, so that the kill falls amid steady writes. */
  private static final int ACKNOWLEDGED_BEFORE_KILL = 30;

  @Test
  void everyAcknowledgedEventSurvivesAKillOfThePostmaster(Vertx vertx, @TempDir Path dataDir) throws Exception {
    int mqttPort = NodeProcess.freeTcpPort();
    int coapPort = NodeProcess.freeUdpPort();
    // device ID to the sequence numbers it was told were received
    Map<String, Set<Integer>> acknowledged = new ConcurrentHashMap<>();
    ExecutorService publishers = Executors.newCachedThreadPool();
    List<AutoCloseable> devices = new ArrayList<>();
    try (NodeProcess node = NodeProcess.start(dataDir, NodeProcess.freeTcpPort(), List.of(
        "--mqtt.host=127.0.0.1", "--mqtt.port=" + mqttPort, "--coap.host=127.0.0.1", "--coap.port=" + coapPort,
        "--devices.events-per-second=100000", "--devices.events-burst=100000"))) {
      assertTrue(node.logContains("events durability durable"), "durable is the default; node log:\n" + node.log());

      List<Future<Integer>> running = new ArrayList<>();
      for (int i = 0; i < MQTT_DEVICES; i++) {
        DeviceIdentity identity = node.provisionDevice();
        TestDevice device = TestDevice.connect(vertx, mqttPort, identity.id(), identity.secret()).await(10, TimeUnit.SECONDS);
        devices.add(device);
        running.add(publishers.submit(() -> publishUntilUnacknowledged(identity.id(), acknowledged,
            seq -> device.publishAcknowledged("e/crash", Buffer.buffer(Integer.toString(seq))))));
      }
      DeviceIdentity coapIdentity = node.provisionDevice();
      CoapTestDevice coap = CoapTestDevice.connect(coapPort, coapIdentity.id(), coapIdentity.secret());
      devices.add(coap);
      running.add(publishers.submit(() -> publishUntilUnacknowledged(coapIdentity.id(), acknowledged, seq -> {
        CoapResponse response = coap.post("/e/crash", Integer.toString(seq));
        if (response == null || response.getCode() != ResponseCode.CHANGED) {
          throw new IllegalStateException("not acknowledged: " + (response == null ? "no response" : response.getCode()));
        }
      })));
      TestNode.eventually(Duration.ofSeconds(60), () -> acknowledged.size() == MQTT_DEVICES + 1
          && acknowledged.values().stream().allMatch(seqs -> seqs.size() >= ACKNOWLEDGED_BEFORE_KILL), "devices publishing");

      ProcessHandle postmaster = postmaster(dataDir);
      List<ProcessHandle> serverProcesses = new ArrayList<>(postmaster.descendants().toList());
      serverProcesses.add(postmaster);
      assertTrue(postmaster.destroyForcibly(), "SIGKILL sent to the postmaster");

      // each publisher stops at its first event that is not acknowledged (the gateway gives up on the hub
      // after 5 s): nothing can be committed any more
      for (Future<Integer> publisher : running) {
        assertTrue(publisher.get(60, TimeUnit.SECONDS) >= ACKNOWLEDGED_BEFORE_KILL);
      }
      node.close(); // SIGKILL: its queue cannot drain into a dead database
      node.waitForExit(30);
      // a new postmaster refuses to start while a process of the old server still holds its shared memory
      for (ProcessHandle process : serverProcesses) {
        process.onExit().get(30, TimeUnit.SECONDS);
      }
    } finally {
      publishers.shutdownNow();
      for (AutoCloseable device : devices) {
        device.close();
      }
    }

    try (TestNode restarted = TestNode.startEmbedded(dataDir);
         Connection connection = restarted.node().database().jdbcConnection();
         ResultSet rows = connection.createStatement().executeQuery("SELECT device_id, data FROM events WHERE name = 'crash'")) {
      Map<String, Set<Integer>> stored = new ConcurrentHashMap<>();
      while (rows.next()) {
        stored.computeIfAbsent(rows.getString(1), id -> new TreeSet<>()).add(Integer.valueOf(rows.getString(2)));
      }
      assertEquals(MQTT_DEVICES + 1, acknowledged.size());
      acknowledged.forEach((deviceId, seqs) -> {
        Set<Integer> lost = new TreeSet<>(seqs);
        lost.removeAll(stored.getOrDefault(deviceId, Set.of()));
        assertEquals(Set.of(), lost, "events acknowledged to device " + deviceId + " but not in the database after the crash");
      });
    }
  }

  /** The postmaster's PID is the first line of postmaster.pid in its data directory. */
  private static ProcessHandle postmaster(Path dataDir) throws Exception {
    String pid = Files.readAllLines(dataDir.resolve("postgres").resolve("postmaster.pid"), StandardCharsets.US_ASCII).get(0).trim();
    return ProcessHandle.of(Long.parseLong(pid)).orElseThrow(() -> new AssertionError("no postmaster process " + pid));
  }

  /**
   * Publishes 0, 1, 2, ... one at a time, recording each number acknowledged, until one is not.
   *
   * @return how many were acknowledged
   */
  private static int publishUntilUnacknowledged(String deviceId, Map<String, Set<Integer>> acknowledged, Publish publish) {
    Set<Integer> seqs = acknowledged.computeIfAbsent(deviceId, id -> ConcurrentHashMap.newKeySet());
    for (int seq = 0; ; seq++) {
      try {
        publish.send(seq);
      } catch (Exception notAcknowledged) {
        return seqs.size();
      }
      seqs.add(seq);
    }
  }

  @FunctionalInterface
  private interface Publish {
    void send(int seq) throws Exception;
  }
}
