package io.drover.hub.coap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.support.SseClient;
import io.drover.hub.support.TestNode;
import io.drover.hub.support.TestNode.DeviceIdentity;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * libcoap's {@code coap-client-gnutls} (Debian's libcoap3-bin, installed by bin/test) as the device,
 * exactly as docs/device-protocol.md tells a firmware author to try it: GnuTLS's DTLS against
 * Scandium's.
 */
@ExtendWith(VertxExtension.class)
class CoapClientGnutlsDeviceTest {

  private static TestNode node;

  @BeforeAll
  static void startNode() throws Exception {
    node = TestNode.start();
  }

  @AfterAll
  static void stopNode() {
    node.close();
  }

  @Test
  void coapClientPublishesAnEventOverPskThatArrivesOnTheStream(Vertx vertx) throws Exception {
    DeviceIdentity device = node.provisionDevice();
    try (SseClient stream = SseClient.open(vertx, node.httpPort(), "/v1/devices/events", node.adminToken())) {

      Result post = coapClient(device.id(), device.secret(), "-m", "post", "-e", "21.5", "coaps://127.0.0.1:" + node.coapPort() + "/e/temp");

      assertEquals(0, post.exitCode(), post.output());
      SseClient.Event event = stream.awaitEvent(e -> e.name().equals("temp") && device.id().equals(e.data().getString("coreid")), Duration.ofSeconds(10));
      assertEquals("21.5", event.data().getString("data"));
      assertEquals(1, node.countEvents(device.id(), "temp"), "a confirmable POST is answered after the write");
    }
  }

  @Test
  void coapClientSeesTheRefusalOfAForbiddenEvent() throws Exception {
    DeviceIdentity device = node.provisionDevice();

    Result post = coapClient(device.id(), device.secret(), "-m", "post", "-e", "online", "coaps://127.0.0.1:" + node.coapPort() + "/e/spark/status");

    assertTrue(post.output().contains("4.03"), post.output());
  }

  @Test
  void coapClientWithAWrongKeyGetsNoSession() throws Exception {
    DeviceIdentity device = node.provisionDevice();
    double before = node.metric("drover_connects_rejected_total{protocol=\"coap\",reason=\"bad_credentials\"}");

    Result post = coapClient(device.id(), "00000000000000000000000000000000", "-m", "post", "-e", "1", "-B", "5",
        "coaps://127.0.0.1:" + node.coapPort() + "/e/temp");

    assertTrue(!post.output().contains("2.04"), post.output());
    assertEquals(0, node.countEvents(device.id(), "temp"));
    assertEquals(before + 1, node.metric("drover_connects_rejected_total{protocol=\"coap\",reason=\"bad_credentials\"}"));
  }

  private static Result coapClient(String identity, String key, String... arguments) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("coap-client-gnutls", "-u", identity, "-k", key, "-B", "10"));
    command.addAll(List.of(arguments));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("coap-client-gnutls did not finish");
    }
    return new Result(process.exitValue(), new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
  }

  private record Result(int exitCode, String output) {
  }
}
