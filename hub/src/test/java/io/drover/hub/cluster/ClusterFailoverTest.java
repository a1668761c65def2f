package io.drover.hub.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.launcher.Main;
import io.drover.hub.support.CoapTestDevice;
import io.drover.hub.support.SseClient;
import io.drover.hub.support.TestCluster;
import io.drover.hub.support.TestDevice;
import io.drover.hub.support.TestNode;
import io.drover.hub.support.TestNode.DeviceIdentity;
import io.drover.hub.support.TestPostgres;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.eclipse.californium.core.CoapResponse;
import org.eclipse.californium.core.coap.CoAP;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A gateway node dies mid-stream (SIGKILL: no goodbye to the cluster, no notices) while its devices
 * publish at MQTT QoS 1 and as confirmable CoAP requests over DTLS. Its devices reconnect through the surviving gateway and resend what was not
 * acknowledged; no acknowledged event is missing from the database or from the stream watched on
 * another node; the device that does not come back is marked offline by the leader; and when the
 * leader itself stops, the other hub node takes the once-only work over.
 */
@ExtendWith(VertxExtension.class)
class ClusterFailoverTest {

  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final int EVENTS_PER_DEVICE = 30;
  private static final int KILL_AFTER_ROUND = 8;

  @Test
  void aGatewayThatDiesLosesNoAcknowledgedEvent(Vertx vertx, @org.junit.jupiter.api.io.TempDir Path gatewayDir) throws Exception {
    try (TestCluster cluster = TestCluster.of(3)) {
      TestNode a = cluster.start(0, "hub,gateway");
      TestNode c = cluster.start(2, "hub");
      int gatewayMqtt = TestCluster.freePort();
      int gatewayCoap;
      try (java.net.DatagramSocket socket = new java.net.DatagramSocket(0)) {
        gatewayCoap = socket.getLocalPort();
      }
      Process gateway = startGatewayProcess(cluster, gatewayDir, gatewayMqtt, gatewayCoap);
      try {
        String alice = c.signUpAndLogIn("alice@example.com", "correct horse battery");
        TestNode.eventually(WAIT, () -> clusterSize(c) == 3, "the gateway process joined");
        List<DeviceIdentity> identities = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
          identities.add(claimed(c, a.adminToken(), alice));
        }
        DeviceIdentity stranded = claimed(c, a.adminToken(), alice);
        List<DeviceIdentity> coapIdentities = List.of(claimed(c, a.adminToken(), alice), claimed(c, a.adminToken(), alice));

        try (SseClient stream = SseClient.open(vertx, c.httpPort(), "/v1/devices/events/flow", alice)) {
          // C's stream consumer is known to the other nodes a few milliseconds after it registers:
          // wait until an event accepted on A reaches C before the test's events start
          DeviceIdentity warmUp = claimed(c, a.adminToken(), alice);
          // registered through C: A's hub learns the device a moment later (hub.devices.changed)
          try (TestDevice onA = TestDevice.connectWhenKnown(vertx, a.mqttPort(), warmUp.id(), warmUp.secret(), WAIT)) {
            TestNode.eventually(WAIT, () -> {
              try {
                onA.publishAcknowledged("e/flow-warm-up", Buffer.buffer("warm-up"));
              } catch (Exception e) {
                return false;
              }
              return streamed(stream).contains("warm-up");
            }, "an event accepted on A reaches the stream on C");
          }
          TestDevice[] devices = new TestDevice[identities.size()];
          for (int i = 0; i < devices.length; i++) {
            devices[i] = TestDevice.connect(vertx, i % 2 == 0 ? a.mqttPort() : gatewayMqtt, identities.get(i).id(), identities.get(i).secret())
                .await(10, TimeUnit.SECONDS);
          }
          CoapTestDevice[] coapDevices = {
              CoapTestDevice.connect(a.coapPort(), coapIdentities.get(0).id(), coapIdentities.get(0).secret()),
              CoapTestDevice.connect(gatewayCoap, coapIdentities.get(1).id(), coapIdentities.get(1).secret())};
          TestDevice strandedDevice = TestDevice.connect(vertx, gatewayMqtt, stranded.id(), stranded.secret()).await(10, TimeUnit.SECONDS);
          TestNode.eventually(WAIT, () -> online(c, alice, stranded.id()), "the stranded device online through the gateway process");

          Set<String> acknowledged = new HashSet<>();
          int reconnects = 0;
          for (int round = 0; round < EVENTS_PER_DEVICE; round++) {
            if (round == KILL_AFTER_ROUND) {
              gateway.destroyForcibly(); // SIGKILL
              gateway.waitFor(10, TimeUnit.SECONDS);
            }
            for (int i = 0; i < devices.length; i++) {
              String data = identities.get(i).id() + ":" + round;
              // at least once, as firmware does: resend until acknowledged, reconnecting through the surviving gateway
              for (int attempt = 1; ; attempt++) {
                assertTrue(attempt <= 5, "no acknowledgement for " + data + " after 5 attempts");
                try {
                  if (!devices[i].isConnected()) {
                    devices[i] = TestDevice.connect(vertx, a.mqttPort(), identities.get(i).id(), identities.get(i).secret()).await(10, TimeUnit.SECONDS);
                    reconnects++;
                  }
                  devices[i].publishAcknowledged("e/flow", Buffer.buffer(data));
                  acknowledged.add(data);
                  break;
                } catch (Exception dropped) {
                  devices[i].close();
                }
              }
            }
            for (int i = 0; i < coapDevices.length; i++) {
              String data = coapIdentities.get(i).id() + ":" + round;
              // confirmable: answered 2.04 only once written; no answer means send again, after a new handshake with A
              for (int attempt = 1; ; attempt++) {
                assertTrue(attempt <= 5, "no acknowledgement for " + data + " after 5 attempts");
                CoapResponse response = coapDevices[i].post("/e/flow", data);
                if (response != null && response.getCode() == CoAP.ResponseCode.CHANGED) {
                  acknowledged.add(data);
                  break;
                }
                coapDevices[i].close();
                coapDevices[i] = CoapTestDevice.connect(a.coapPort(), coapIdentities.get(i).id(), coapIdentities.get(i).secret());
                reconnects++;
              }
            }
          }
          assertEquals(4, reconnects, "the three MQTT devices and the CoAP device of the dead gateway came back through A");
          assertEquals((devices.length + coapDevices.length) * EVENTS_PER_DEVICE, acknowledged.size());

          // in the database, each acknowledged event at least once
          Set<String> stored = new HashSet<>();
          try (Connection db = TestPostgres.connect(cluster.databaseUrl());
               ResultSet rows = db.createStatement().executeQuery("SELECT device_id, data FROM events WHERE name = 'flow'")) {
            while (rows.next()) {
              stored.add(rows.getString(2));
            }
          }
          Set<String> missingFromDatabase = new HashSet<>(acknowledged);
          missingFromDatabase.removeAll(stored);
          assertEquals(Set.of(), missingFromDatabase, "acknowledged events missing from the database");

          // on the stream watched on C, each acknowledged event at least once
          TestNode.eventually(WAIT, () -> streamed(stream).containsAll(acknowledged), "every acknowledged event streamed");

          // the leader noticed the dead node and marked its stranded device offline, with the event to say so
          TestNode.eventually(WAIT, () -> !online(c, alice, stranded.id()), "the stranded device marked offline");
          try (SseClient history = SseClient.open(vertx, c.httpPort(), "/v1/devices/" + stranded.id() + "/events/spark/status", alice, "0")) {
            history.awaitEvent(event -> "offline".equals(event.data().getString("data")), WAIT);
          }
          strandedDevice.close();
          for (CoapTestDevice device : coapDevices) {
            device.close();
          }
          for (TestDevice device : devices) {
            device.close();
          }
        }

        assertTrue(leads(a), "A, the oldest hub node, leads");
        a.close();
        TestNode.eventually(WAIT, () -> leads(c), "C took the once-only work over when A left");
      } finally {
        gateway.destroyForcibly();
      }
    }
  }

  private static Process startGatewayProcess(TestCluster cluster, Path dataDir, int mqttPort, int coapPort) throws Exception {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"),
        Main.class.getName(),
        "--data-dir=" + dataDir, "--http.host=127.0.0.1", "--http.port=0", "--http.tls-port=0",
        "--mqtt.host=127.0.0.1", "--mqtt.port=" + mqttPort, "--mqtt.tls-port=0", "--coap.host=127.0.0.1", "--coap.port=" + coapPort));
    command.addAll(cluster.memberFlags(1, "gateway"));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    CountDownLatch started = new CountDownLatch(1);
    StringBuilder log = new StringBuilder();
    Thread reader = new Thread(() -> {
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
      } catch (java.io.IOException ignored) {
        // the process ended
      }
    });
    reader.setDaemon(true);
    reader.start();
    if (!started.await(90, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      synchronized (log) {
        throw new AssertionError("the gateway process did not start:\n" + log);
      }
    }
    assertTrue(Files.notExists(dataDir.resolve("postgres")), "a gateway node runs no database");
    return process;
  }

  private static DeviceIdentity claimed(TestNode hub, String adminToken, String token) throws Exception {
    JsonObject provisioned = new JsonObject(hub.post("/v1/admin/devices", "{}", adminToken).body());
    DeviceIdentity identity = new DeviceIdentity(provisioned.getString("id"), provisioned.getString("secret"));
    hub.claim(identity.id(), token);
    return identity;
  }

  private static Set<String> streamed(SseClient stream) {
    Set<String> data = new HashSet<>();
    for (SseClient.Event event : stream.events()) {
      data.add(event.data().getString("data"));
    }
    return data;
  }

  private static boolean online(TestNode hub, String token, String deviceId) {
    try {
      return new JsonObject(hub.get("/v1/devices/" + deviceId, token).body()).getBoolean("connected", false);
    } catch (Exception e) {
      return false;
    }
  }

  private static int clusterSize(TestNode node) {
    return clusterCheck(node).getInteger("members", 0);
  }

  private static boolean leads(TestNode node) {
    return clusterCheck(node).getBoolean("leader", false);
  }

  private static JsonObject clusterCheck(TestNode node) {
    try {
      JsonArray checks = new JsonObject(node.operations("/health").body()).getJsonArray("checks");
      for (int i = 0; i < checks.size(); i++) {
        if ("cluster".equals(checks.getJsonObject(i).getString("id"))) {
          return checks.getJsonObject(i).getJsonObject("data");
        }
      }
    } catch (Exception e) {
      // not answering yet
    }
    return new JsonObject();
  }
}
