package io.drover.hub.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.support.TestDevice;
import io.drover.hub.support.TestNode;
import io.drover.hub.support.TestNode.DeviceIdentity;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * particle-cli 3.43.1 over HTTPS, trusting the node's own CA through Node.js's
 * {@code NODE_EXTRA_CA_CERTS}, as docs/operations.md ("Securing a node") tells a user to set it up.
 */
@ExtendWith(VertxExtension.class)
class ParticleCliHttpsTest {

  private static final String USERNAME = "https-user@example.com";
  private static final String PASSWORD = "correct horse battery staple";
  private static TestNode node;

  @TempDir
  Path home;

  @BeforeAll
  static void startNode() throws Exception {
    node = TestNode.start();
  }

  @AfterAll
  static void stopNode() {
    node.close();
  }

  @Test
  void cliOverHttpsWithTheNodesCaLogsInClaimsAndListsDevices(Vertx vertx) throws Exception {
    assertEquals(200, node.post("/v1/users", new JsonObject().put("username", USERNAME).put("password", PASSWORD).encode(), null).statusCode());
    DeviceIdentity identity = node.provisionDevice();
    try (TestDevice device = TestDevice.connect(vertx, node.mqttPort(), identity.id(), identity.secret()).await(10, TimeUnit.SECONDS)) {
      TestNode.eventually(Duration.ofSeconds(10), () -> online(identity), "device online");

      particle("config", "set", "apiUrl", "https://127.0.0.1:" + node.httpsPort());
      ParticleTools.Result login = particle("login", "--username", USERNAME, "--password", PASSWORD);
      assertTrue(login.stdout().contains("Successfully completed login!"), login.describe());

      // the set-up's part (api.md, "Claiming: claim codes"): a claim code of the account, which the
      // device reports; an ID alone claims nothing
      node.reportClaimCode(identity.id(), node.claimCode("/v1/device_claims", node.logIn(USERNAME, PASSWORD)));
      ParticleTools.Result claim = particle("cloud", "claim", identity.id());
      assertTrue(claim.lines().contains("Successfully claimed device " + identity.id()), claim.describe());

      ParticleTools.Result list = particle("list");
      assertTrue(list.lines().stream().anyMatch(line -> line.contains("[" + identity.id() + "]") && line.endsWith("is online")), list.describe());
    }
  }

  private ParticleTools.Result particle(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(ParticleTools.requireInstalled("node_modules/.bin/particle").toString()));
    command.addAll(List.of(args));
    ParticleTools.Result result = ParticleTools.run(command, Map.of(
        "home", home.toString(),
        "HOME", home.toString(),
        "PARTICLE_DISABLE_UPDATE", "true",
        "NODE_EXTRA_CA_CERTS", node.caFile().toString()), 30);
    assertEquals(0, result.exitCode(), result.describe());
    return result;
  }

  private static boolean online(DeviceIdentity identity) {
    try {
      return Boolean.TRUE.equals(node.deviceRow(identity.id()).get("online"));
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
