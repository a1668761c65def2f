package io.drover.hub.devices;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.drover.hub.storage.DeviceBatchLock;
import io.drover.hub.support.TestNode;
import io.drover.hub.support.TestNode.DeviceIdentity;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The leader's look for devices stranded online by a gateway node that is gone: those of a departed
 * node, and an online device with no node recorded, are marked offline; a live node's stay. While every
 * holder lives, as it nearly always does on the look every 30 s, it reads the holders alone and neither
 * updates nor waits for the batch lock (it read every online row under that lock, holding up the
 * connectivity batches: 110 ms at 900,000 online devices).
 */
@ExtendWith(VertxExtension.class)
class DepartedGatewaysSweepTest {

  @Test
  void devicesOfDepartedNodesGoOfflineAndALookWithEveryHolderLiveTakesNoLock(Vertx vertx) throws Exception {
    try (TestNode node = TestNode.start()) {
      DeviceIdentity departed = node.provisionDevice();
      DeviceIdentity unheld = node.provisionDevice();
      DeviceIdentity live = node.provisionDevice();
      DeviceIdentity liveToo = node.provisionDevice();
      node.execute("UPDATE device_connectivity SET online = true, gateway_node = 'gone' WHERE device_id = '" + departed.id() + "'");
      node.execute("UPDATE device_connectivity SET online = true, gateway_node = 'node-a' WHERE device_id = '" + live.id() + "'");
      node.execute("UPDATE device_connectivity SET online = true, gateway_node = 'node-b' WHERE device_id = '" + liveToo.id() + "'");
      Pool pool = PgBuilder.pool().connectingTo(node.node().database().connectOptions()).using(vertx).build();
      DeviceRepository repository = new DeviceRepository(pool);
      List<String> liveNodes = List.of("node-a", "node-b");

      // a look while every holder lives takes no lock: it answers though another batch holds it
      try (java.sql.Connection batch = node.node().database().jdbcConnection()) {
        batch.setAutoCommit(false);
        batch.createStatement().execute(DeviceBatchLock.LOCK);
        try {
          assertEquals(List.of(), repository.markOfflineUnlessHeldBy(List.of("gone", "node-a", "node-b", "node-c"))
              .await(5, TimeUnit.SECONDS), "nothing to mark while every holder lives (and the batch lock is held)");
        } finally {
          batch.rollback();
        }
      }

      // the devices of a departed node, and one held by none, are marked offline; the live nodes' stay online
      node.execute("UPDATE device_connectivity SET online = true, gateway_node = NULL WHERE device_id = '" + unheld.id() + "'");
      Set<String> marked = new TreeSet<>(repository.markOfflineUnlessHeldBy(liveNodes).await(10, TimeUnit.SECONDS));
      assertEquals(new TreeSet<>(List.of(departed.id(), unheld.id())), marked);
      assertEquals("f", online(node, departed));
      assertEquals("f", online(node, unheld));
      assertEquals("t", online(node, live));
      assertEquals("t", online(node, liveToo));

      // and once they are, the next look finds nothing
      assertEquals(List.of(), repository.markOfflineUnlessHeldBy(liveNodes).await(10, TimeUnit.SECONDS));
      pool.close().await(5, TimeUnit.SECONDS);
    }
  }

  private static String online(TestNode node, DeviceIdentity device) throws Exception {
    return node.query("SELECT online FROM device_connectivity WHERE device_id = '" + device.id() + "'");
  }
}
