package io.drover.hub.products;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.support.TestDevice;
import io.drover.hub.support.TestNode;
import io.drover.hub.support.TestNode.DeviceIdentity;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The product metrics of a real node, read from its {@code /metrics} as Prometheus does: the cap, the
 * products past it summed as {@code other}, a deleted product's series gone, and none at all with
 * {@code metrics.product-labels=0}.
 */
class ProductMetricsTest {

  private static final Duration WAIT = Duration.ofSeconds(15);

  private final Vertx vertx = Vertx.vertx();
  private TestNode node;

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
    if (node != null) {
      node.close();
    }
  }

  @Test
  void theCapLabelsTheLargestFleetSumsTheRestAsOtherAndADeletedProductLosesItsSeries() throws Exception {
    node = TestNode.start("--metrics.product-labels=1");
    String owner = node.signUpAndLogIn("metrics-owner@example.com", "a long enough password");
    int first = createProduct(owner, "first-fleet");
    int second = createProduct(owner, "second-fleet");
    DeviceIdentity inFirst = deviceIn(first);
    DeviceIdentity inSecond = deviceIn(second);
    // one device each: the fleets tie, and the lower ID (the first product) is labelled on every node alike;
    // the fleet changes refresh the choice within a second (events before it count as other)
    String firstId = Integer.toString(first);
    eventually(() -> products("drover_product").equals(List.of(firstId, "other")), "the first product labelled");

    try (TestDevice a = TestDevice.connectWhenKnown(vertx, node.mqttPort(), inFirst.id(), inFirst.secret(), WAIT);
         TestDevice b = TestDevice.connectWhenKnown(vertx, node.mqttPort(), inSecond.id(), inSecond.secret(), WAIT)) {
      for (int i = 0; i < 3; i++) {
        a.publishAcknowledged("e/metered", Buffer.buffer("a" + i));
      }
      b.publishAcknowledged("e/metered", Buffer.buffer("b"));

      eventually(() -> value("drover_product_devices_online", "product", firstId) == 1
          && value("drover_product_devices_online", "product", "other") == 1, "each product's device counted online");
      assertEquals(List.of(firstId, "other"), products("drover_product_devices_online"), "one product labelled, the other summed");
      assertEquals(List.of(firstId, "other"), products("drover_product"));
      assertTrue(series("drover_product").stream().anyMatch(line -> line.contains("product=\"" + firstId + "\"")
          && line.contains("slug=\"first-fleet\"")), "the product's slug names it: " + series("drover_product"));
      // its three events, and what the cloud publishes for the device (spark/status...): every one taken is written
      eventually(() -> value("drover_product_events_total", "product", firstId, "outcome", "written") >= 3
          && value("drover_product_events_total", "product", firstId, "outcome", "written")
              == value("drover_product_events_total", "product", firstId, "outcome", "accepted"), "the product's events written");
      assertTrue(value("drover_product_events_total", "product", "other", "outcome", "written") >= 1, "the second product's as other");
      assertEquals(0, value("drover_product_events_total", "product", firstId, "outcome", "dropped"));

      // over its daily quota, the product's next event is refused by the hub: dropped, in its own series
      assertEquals(200, node.send("PUT", "/v1/admin/quotas/products/first-fleet", new JsonObject().put("events_per_day", 1).encode(),
          node.adminToken()).statusCode());
      assertEquals(429, node.post("/v1/products/" + first + "/events", new JsonObject().put("name", "over").put("data", "x").encode(), owner)
          .statusCode());
      assertEquals(1, value("drover_product_events_total", "product", firstId, "outcome", "dropped"));
      assertEquals(0, value("drover_product_events_total", "product", "other", "outcome", "dropped"));

      assertEquals(204, node.send("DELETE", "/v1/products/" + first, null, owner).statusCode());

      String secondId = Integer.toString(second);
      eventually(() -> products("drover_product_devices_online").equals(List.of(secondId, "other")),
          "the deleted product's series removed, the remaining product labelled");
      for (String name : List.of("drover_product", "drover_product_events_total", "drover_product_devices_online")) {
        assertTrue(series(name).stream().noneMatch(line -> line.contains("product=\"" + firstId + "\"")), name + ": " + series(name));
      }
      assertEquals(1, value("drover_product_devices_online", "product", secondId));
      assertEquals(0, value("drover_product_devices_online", "product", "other"), "the device left with its product is in none now");
    }
  }

  @Test
  void zeroProductLabelsMakeNoProductSeries() throws Exception {
    node = TestNode.start("--metrics.product-labels=0");
    String owner = node.signUpAndLogIn("no-metrics-owner@example.com", "a long enough password");
    DeviceIdentity device = deviceIn(createProduct(owner, "unmetered"));

    try (TestDevice connected = TestDevice.connectWhenKnown(vertx, node.mqttPort(), device.id(), device.secret(), WAIT)) {
      connected.publishAcknowledged("e/unmetered", Buffer.buffer("x"));
    }

    assertTrue(node.metric("drover_events_written_total") >= 1, "the event was written");
    String metrics = node.operations("/metrics").body();
    List<String> productSeries = metrics.lines().filter(line -> line.contains("drover_product{") || line.contains("drover_product_")).toList();
    assertTrue(productSeries.isEmpty(), "no product series: " + productSeries);
    assertTrue(metrics.contains("drover_products_device_limit_refusals_total"), "the check reads the metrics");
  }

  private int createProduct(String owner, String slug) throws Exception {
    return new JsonObject(node.post("/v1/products", new JsonObject().put("product", new JsonObject().put("name", slug).put("slug", slug)
        .put("platform_id", 12)).encode(), owner).body()).getJsonObject("product").getInteger("id");
  }

  private DeviceIdentity deviceIn(int product) throws Exception {
    DeviceIdentity device = node.provisionDevice();
    assertEquals(200, node.post("/v1/products/" + product + "/devices", new JsonObject().put("id", device.id()).encode(), node.adminToken())
        .statusCode());
    return device;
  }

  /** The exposition lines of {@code name} (samples only, not its HELP and TYPE). */
  private List<String> series(String name) throws Exception {
    return node.operations("/metrics").body().lines().filter(line -> line.startsWith(name + "{")).toList();
  }

  /** The {@code product} label of every series of {@code name}, sorted. */
  private List<String> products(String name) throws Exception {
    List<String> products = new ArrayList<>();
    for (String line : series(name)) {
      int at = line.indexOf("product=\"") + "product=\"".length();
      products.add(line.substring(at, line.indexOf('"', at)));
    }
    products.sort(null);
    return products;
  }

  /** The value of the series of {@code name} with these label pairs; 0 when there is none. */
  private double value(String name, String... labels) throws Exception {
    for (String line : series(name)) {
      boolean all = true;
      for (int i = 0; i < labels.length; i += 2) {
        all &= line.contains(labels[i] + "=\"" + labels[i + 1] + "\"");
      }
      if (all) {
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return 0;
  }

  private interface Check {
    boolean holds() throws Exception;
  }

  private static void eventually(Check check, String what) throws InterruptedException {
    TestNode.eventually(WAIT, () -> {
      try {
        return check.holds();
      } catch (Exception e) {
        return false;
      }
    }, what);
  }
}
