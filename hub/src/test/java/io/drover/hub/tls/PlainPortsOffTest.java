package io.drover.hub.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.support.TestNode;
import io.drover.hub.support.TlsClients;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code mqtt.plain-enabled=false} and {@code http.plain-enabled=false}: nothing listens in clear text,
 * and everything still works over TLS, the node's own demo devices included.
 */
class PlainPortsOffTest {

  @Test
  void aNodeWithThePlainPortsOffServesDevicesAndTheApiOverTlsOnly() throws Exception {
    try (TestNode node = TestNode.start("--mqtt.plain-enabled=false", "--http.plain-enabled=false", "--demo.devices=1")) {
      assertEquals(-1, node.mqttPort());
      assertEquals(-1, node.httpPort());

      TlsClients.Result provisioned = curl(node, "-H", "Authorization: Bearer " + node.adminToken(), "-H", "Content-Type: application/json",
          "-d", "{}", "https://127.0.0.1:" + node.httpsPort() + "/v1/admin/devices");
      assertEquals(0, provisioned.exitCode(), provisioned.output());
      JsonObject device = new JsonObject(provisioned.output());

      TlsClients.Result pub = TlsClients.mosquittoPub(node.mqttTlsPort(), node.caFile(), device.getString("id"), device.getString("secret"),
          "e/door", "open");
      assertEquals(0, pub.exitCode(), pub.output());
      assertEquals(1, node.countEvents(device.getString("id"), "door"));

      // the demo device and the one that just published: the demo fleet connects over TLS too
      TestNode.eventually(Duration.ofSeconds(15), () -> demoDeviceConnected(node), "the demo device connected over MQTT over TLS");
    }
  }

  private static boolean demoDeviceConnected(TestNode node) {
    try {
      String metrics = curl(node, "-H", "Authorization: Bearer " + node.metricsToken(), "https://127.0.0.1:" + node.httpsPort() + "/metrics")
          .output();
      return metrics.lines().anyMatch(line -> line.startsWith("drover_devices_connected{protocol=\"mqtt\"") && line.endsWith(" 1.0"));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static TlsClients.Result curl(TestNode node, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("curl", "-sS", "--fail", "--noproxy", "*", "--cacert", node.caFile().toString()));
    command.addAll(List.of(args));
    TlsClients.Result result = TlsClients.run(command);
    assertTrue(result.exitCode() == 0, result.output());
    return result;
  }
}
