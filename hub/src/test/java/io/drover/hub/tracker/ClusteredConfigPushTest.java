package io.drover.hub.tracker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.drover.hub.products.FleetChanges;
import io.drover.hub.support.TestCluster;
import io.drover.hub.support.TestDevice;
import io.drover.hub.support.TestNode;
import io.drover.hub.support.TestNode.DeviceIdentity;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A fleet settings change made on one hub node reaches a tracker whose session is on a gateway-only
 * node, without reconnecting: the push goes through the node that holds the session, and that session's
 * check may be answered by the other hub node (whose index reloads on the change notice).
 */
@ExtendWith(VertxExtension.class)
class ClusteredConfigPushTest {

  private static final Duration SOON = Duration.ofSeconds(15);

  @Test
  void aSettingsChangeOnOneHubReachesATrackerOnAGatewayNode(Vertx vertx) throws Exception {
    try (TestCluster cluster = TestCluster.of(3)) {
      TestNode a = cluster.start(0, "hub,gateway");
      TestNode b = cluster.start(1, "gateway");
      TestNode c = cluster.start(2, "hub");
      String owner = c.signUpAndLogIn("owner@example.com", "owner's password");
      TrackerFleet fleet = new TrackerFleet(a); // A made the cluster's bootstrap token
      int product = fleet.product("clustered-trackers", "owner@example.com", "tracker");
      DeviceIdentity identity = fleet.device(product, false);
      // the fleet change is announced over the cluster's bus once; a hub that joined a moment before may not
      // be among its receivers yet (its consumers still spreading through the cluster), so say it again
      // each second until both hubs know, as a later change would
      long[] announced = {System.nanoTime()};
      TestNode.eventually(SOON, () -> {
        if (System.nanoTime() - announced[0] > 1_000_000_000L) {
          announced[0] = System.nanoTime();
          FleetChanges.productChanged(a.eventBus(), product);
          FleetChanges.devicesChanged(a.eventBus(), product, java.util.List.of(identity.id()));
        }
        return tracked(new TrackerFleet(a), identity) && tracked(new TrackerFleet(c), identity);
      }, "both hubs index the tracker");

      // registered through A: the credentials reach C's index a moment later, and B may ask either hub
      TestDevice.connectWhenKnown(vertx, b.mqttPort(), identity.id(), identity.secret(), SOON).close();
      try (TrackerTestDevice tracker = TrackerTestDevice.connect(vertx, b.mqttPort(), identity.id(), identity.secret(), "")) {
        tracker.handshake(product);
        TestNode.eventually(SOON, () -> tracker.running != null && !tracker.running.isEmpty(), "the defaults arrive at the handshake");

        for (String change : new String[] {"{\"imu_trig\":{\"motion\":\"high\"}}", "{\"location\":{\"radius\":42}}", "{\"rgb\":{\"type\":\"off\"}}"}) {
          HttpResponse<String> written = c.send("PUT", "/v1/products/" + product + "/config", change, owner);
          assertEquals(200, written.statusCode(), written.body());
          String checksum = new JsonObject(written.body()).getString("checksum");
          TestNode.eventually(SOON, () -> checksum.equals(tracker.running), "the change " + change + " reached the device on B");
        }
      }
    }
  }

  private static boolean tracked(TrackerFleet hub, DeviceIdentity device) {
    try {
      return hub.check(device.id(), "").getBoolean("tracker", false);
    } catch (Exception e) {
      return false;
    }
  }
}
