package io.drover.hub.coap;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.drover.hub.support.CoapTestDevice;
import io.drover.hub.support.TestNode;
import io.drover.hub.support.TestNode.DeviceIdentity;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Function calls, variable reads and signals to a CoAP device: the node sends a CoAP request to the
 * device's own resources over the DTLS session the device opened, and the API answers with the
 * device's response.
 */
class CoapCallsTest {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final String LONG_VALUE = "0123456789abcdef".repeat(200);
  private static TestNode node;
  private static String alice;

  @BeforeAll
  static void startNode() throws Exception {
    node = TestNode.start("--devices.call-timeout-ms=1500");
    alice = node.signUpAndLogIn("alice@example.com", "alice's password");
  }

  @AfterAll
  static void stopNode() {
    node.close();
  }

  @Test
  void functionCallVariableReadAndSignalReachTheDeviceOverItsDtlsSession() throws Exception {
    DeviceIdentity identity = claimed();
    List<String> arguments = new ArrayList<>();
    Map<String, Function<String, String>> functions = Map.of("led", argument -> {
      arguments.add(argument);
      return "on".equals(argument) ? "1" : "0";
    });
    try (CoapTestDevice device = CoapTestDevice.serving(node.coapPort(), identity.id(), identity.secret(), functions,
        Map.of("temperature", "21.5", "log", LONG_VALUE))) {
      assertEquals(ResponseCode.CHANGED, device.post("/d", "{\"f\":[\"led\"],\"v\":{\"temperature\":\"double\",\"log\":\"string\"}}").getCode());
      TestNode.eventually(WAIT, () -> describedFunctions(identity).contains("led"), "the description reached the hub");

      JsonObject call = new JsonObject(node.post("/v1/devices/" + identity.id() + "/led", "{\"arg\":\"on\"}", alice).body());
      assertEquals(1, call.getInteger("return_value"), call.encode());
      assertEquals(List.of("on"), arguments);

      JsonObject temperature = new JsonObject(node.get("/v1/devices/" + identity.id() + "/temperature", alice).body());
      assertEquals(21.5, temperature.getDouble("result"), temperature.encode());

      // larger than one CoAP message: the device answers in blocks (RFC 7959 Block2), which the node reassembles
      assertEquals(LONG_VALUE, node.get("/v1/devices/" + identity.id() + "/log?format=raw", alice).body());

      HttpResponse<String> signal = node.send("PUT", "/v1/devices/" + identity.id(), "{\"signal\":\"1\"}", alice);
      assertEquals(200, signal.statusCode(), signal.body());
      assertEquals("1", device.signal());
    }
  }

  @Test
  void aDeviceThatDoesNotAnswerTimesOutAndInFlightRequestsAreBoundedAsOverMqtt() throws Exception {
    DeviceIdentity identity = claimed();
    AtomicInteger calls = new AtomicInteger();
    Map<String, Function<String, String>> functions = Map.of("hang", argument -> {
      calls.incrementAndGet();
      return null;
    });
    try (CoapTestDevice device = CoapTestDevice.serving(node.coapPort(), identity.id(), identity.secret(), functions, Map.of())) {
      assertEquals(ResponseCode.CHANGED, device.post("/d", "{\"f\":[\"hang\"]}").getCode());
      TestNode.eventually(WAIT, () -> describedFunctions(identity).contains("hang"), "the description reached the hub");

      List<CompletableFuture<HttpResponse<String>>> concurrent = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        concurrent.add(CompletableFuture.supplyAsync(() -> call(identity, "hang")));
      }
      List<Integer> statuses = new ArrayList<>();
      for (CompletableFuture<HttpResponse<String>> response : concurrent) {
        statuses.add(response.get(20, TimeUnit.SECONDS).statusCode());
      }

      assertEquals(4, statuses.stream().filter(status -> status == 408).count(), "four in flight, each timed out: " + statuses);
      assertEquals(2, statuses.stream().filter(status -> status == 429).count(), "the rest refused: " + statuses);
      assertEquals(4, calls.get(), "only the admitted requests reached the device");
    }
  }

  private static HttpResponse<String> call(DeviceIdentity identity, String function) {
    try {
      return node.post("/v1/devices/" + identity.id() + "/" + function, "{\"arg\":\"x\"}", alice);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static DeviceIdentity claimed() throws Exception {
    DeviceIdentity device = node.provisionDevice();
    node.claim(device.id(), alice);
    return device;
  }

  private static JsonArray describedFunctions(DeviceIdentity identity) {
    try {
      return new JsonObject(node.get("/v1/devices/" + identity.id(), node.adminToken()).body()).getJsonArray("functions");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
