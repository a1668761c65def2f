package io.drover.hub.particle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.coap.VirtualParticleDevice;
import io.drover.hub.compat.ParticleTools;
import io.drover.hub.devices.DtlsServerKey;
import io.drover.hub.support.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * particle-cli 3.43.1, unchanged, pointed at a node (as {@code ParticleCliTest} does: a temporary HOME,
 * {@code particle config set apiUrl}, {@code particle login}) while Particle's virtual Device OS 6.2.0
 * device is online through the node's Particle listener: the CLI lists it online with the functions and
 * variables its describe gave, calls its function and reads its variable.
 */
class ParticleCliParticleDeviceTest {

  private static final long COMMAND_TIMEOUT_SECONDS = 30;
  private static final String PASSWORD = "a long enough password 1";
  private static TestNode node;
  private static String host;
  private static KeyPair serverKey;

  @TempDir
  Path home;

  /** Device OS connects to port 5684 only: the node's Particle listener gets a loopback address of its own. */
  @BeforeAll
  static void startNode() throws Exception {
    for (int attempt = 0; node == null; attempt++) {
      host = VirtualParticleDevice.freeLoopbackHost();
      try {
        node = TestNode.start("--particle.host=" + host);
      } catch (RuntimeException bindFailed) {
        if (attempt >= 3) {
          throw bindFailed;
        }
      }
    }
    serverKey = DtlsServerKey.loadAtStart(node.dataDir().resolve(DtlsServerKey.FILE_NAME));
  }

  @AfterAll
  static void stopNode() {
    node.close();
  }

  @Test
  void cliListsTheVirtualDeviceOnlineCallsItsFunctionAndReadsItsVariable() throws Exception {
    String deviceId = VirtualParticleDevice.newDeviceId();
    KeyPair deviceKey = VirtualParticleDevice.newKey();
    HttpResponse<String> registered = node.post("/v1/admin/devices", new JsonObject().put("id", deviceId)
        .put("public_key", Base64.getEncoder().encodeToString(deviceKey.getPublic().getEncoded())).encode(), node.adminToken());
    assertEquals(201, registered.statusCode(), registered.body());
    String username = "cli-particle-" + UUID.randomUUID() + "@example.com";
    String owner = node.signUpAndLogIn(username, PASSWORD);
    node.claim(deviceId, owner);

    try (VirtualParticleDevice device = VirtualParticleDevice.start(deviceId, deviceKey, serverKey.getPublic(), host)) {
      try {
        boolean described = VirtualParticleDevice.await(Duration.ofSeconds(15), () -> {
          try {
            JsonObject shown = new JsonObject(node.get("/v1/devices/" + deviceId, owner).body());
            return shown.getBoolean("online", false) && shown.getJsonArray("functions", new JsonArray()).size() == 1;
          } catch (Exception e) {
            return false;
          }
        });
        assertTrue(described, "not online and described within 15 s: " + node.get("/v1/devices/" + deviceId, owner).body());

        particle("config", "set", "apiUrl", "http://127.0.0.1:" + node.httpPort());
        ParticleTools.Result login = particle("login", "--username", username, "--password", PASSWORD);
        assertTrue(login.stdout().contains("Successfully completed login!"), login.describe());

        ParticleTools.Result list = particle("list");
        List<String> lines = list.lines();
        assertTrue(lines.stream().anyMatch(line -> line.contains("[" + deviceId + "]") && line.endsWith("is online")), list.describe());
        assertTrue(lines.contains("int setName (String args)"), list.describe());
        assertTrue(lines.contains("temp (double)"), list.describe());
        assertTrue(lines.contains("counter (int)"), "Drover's type name (api.md, where a node differs): " + list.describe());
        assertTrue(lines.contains("name (string)"), list.describe());

        ParticleTools.Result call = particle("call", deviceId, "setName", "abc");
        assertEquals("3", last(call.lines()), "setName returns its argument's length: " + call.describe());

        ParticleTools.Result get = particle("get", deviceId, "temp");
        assertEquals("21.5", last(get.lines()), get.describe());
      } catch (AssertionError e) {
        throw new AssertionError(e.getMessage() + "\nthe device said:\n" + device.log(), e);
      }
    }
  }

  /** Runs {@code particle ARGS} with the temporary HOME and fails unless it exits 0. */
  private ParticleTools.Result particle(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(ParticleTools.requireInstalled("node_modules/.bin/particle").toString()));
    command.addAll(List.of(args));
    Map<String, String> env = new HashMap<>();
    // settings.js looks for the home folder in $home before $HOME
    env.put("home", home.toString());
    env.put("HOME", home.toString());
    env.put("PARTICLE_DISABLE_UPDATE", "true");
    ParticleTools.Result result = ParticleTools.run(command, env, COMMAND_TIMEOUT_SECONDS);
    assertEquals(0, result.exitCode(), result.describe());
    return result;
  }

  private static String last(List<String> lines) {
    return lines.isEmpty() ? null : lines.get(lines.size() - 1);
  }
}
