package io.drover.hub.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.drover.hub.support.TestCluster;
import io.drover.hub.support.TestNode;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The billing pass runs once per cluster, on its leader. Two hub nodes share one database,
 * both with a billing timer of a second: only the leader's timer runs passes, and a period that ended
 * is invoiced once.
 */
class BillingLeaderTest {

  @Test
  void onlyTheLeaderRunsTheBillingPass() throws Exception {
    try (TestCluster cluster = TestCluster.of(2)) {
      TestNode a = cluster.start(0, "hub", "--billing.tick-seconds=1");
      TestNode b = cluster.start(1, "hub", "--billing.tick-seconds=1");
      TestNode.eventually(Duration.ofSeconds(20), () -> a.node().cluster().hubCount() == 2 && b.node().cluster().hubCount() == 2,
          "both hub nodes see each other");
      TestNode leader = a.node().cluster().leads() ? a : b;
      TestNode follower = leader == a ? b : a;
      assertNotEquals(leader.node().cluster().leads(), follower.node().cluster().leads(), "one leader");

      // given a product whose period ended
      String owner = follower.signUpAndLogIn("leader@billing.example", "the owner's password");
      HttpResponse<String> made = follower.post("/v1/products", new JsonObject().put("product", new JsonObject().put("name", "Led Lamp")
          .put("platform_id", 12)).encode(), owner);
      assertEquals(201, made.statusCode(), made.body());
      int productId = new JsonObject(made.body()).getJsonObject("product").getInteger("id");
      follower.execute("UPDATE product_billing SET period_end = now() - interval '1 second', period_start = now() - interval '1 month' "
          + "WHERE product_id = " + productId);

      // then the leader's timer invoices it, and several ticks later the follower's has run no pass
      TestNode.eventually(Duration.ofSeconds(20), () -> {
        try {
          return "1".equals(leader.query("SELECT count(*) FROM invoices WHERE product_id = " + productId));
        } catch (Exception e) {
          return false;
        }
      }, "the period's invoice, issued by the leader");
      double leaderPasses = leader.metric("drover_billing_passes_total");
      TestNode.eventually(Duration.ofSeconds(20), () -> {
        try {
          return leader.metric("drover_billing_passes_total") >= leaderPasses + 3;
        } catch (Exception e) {
          return false;
        }
      }, "three more passes of the leader");
      assertEquals(0.0, follower.metric("drover_billing_passes_total"), "the follower's timer ran no pass");
      assertEquals("1", follower.query("SELECT count(*) FROM invoices WHERE product_id = " + productId), "one invoice for the period");
    }
  }
}
