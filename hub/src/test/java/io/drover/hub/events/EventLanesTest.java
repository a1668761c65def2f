package io.drover.hub.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.gateway.contract.BusAddresses;
import io.drover.gateway.contract.DeviceEvent;
import io.drover.gateway.contract.DeviceEventCodec;
import io.drover.hub.support.TestNode;
import io.drover.hub.storage.DeviceBatchLock;
import io.drover.hub.support.TestNode.DeviceIdentity;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Several batches in flight at once (events.writers lanes): a device's events still commit, and are
 * acknowledged, in the order they were accepted; and the devices' last_heard, no longer written in the
 * events' transaction, still follows the committed events within a second or so.
 */
class EventLanesTest {

  private static final DeliveryOptions OPTIONS = new DeliveryOptions().setCodecName(DeviceEventCodec.NAME);

  @Test
  void aDevicesEventsCommitAndAreAcknowledgedInOrderWithSeveralBatchesInFlight() throws Exception {
    int devices = 12;
    int perDevice = 150;
    try (TestNode node = TestNode.start("--events.writers=4", "--events.batch-size=7")) {
      List<String> ids = new ArrayList<>();
      for (int d = 0; d < devices; d++) {
        ids.add(String.format("0123456789abcdef%08x", d));
      }
      Map<String, List<Integer>> acknowledged = new ConcurrentHashMap<>();
      ids.forEach(id -> acknowledged.put(id, Collections.synchronizedList(new ArrayList<>())));
      List<Future<Object>> answers = new ArrayList<>();
      long now = System.currentTimeMillis();
      for (int i = 0; i < perDevice; i++) {
        for (String id : ids) {
          int seq = i;
          answers.add(node.eventBus().request(BusAddresses.PUBLISH_EVENT, new DeviceEvent(id, "lanes", "seq-" + i, now, 60, false), OPTIONS)
              .map(reply -> {
                acknowledged.get(id).add(seq);
                return null;
              }));
        }
      }
      for (Future<Object> answer : answers) {
        answer.await(30, TimeUnit.SECONDS);
      }

      Set<Long> transactions = new HashSet<>();
      try (Connection connection = node.node().database().jdbcConnection();
           PreparedStatement query = connection.prepareStatement(
               "SELECT data, xmin::text::bigint FROM events WHERE device_id = ? AND name = 'lanes' ORDER BY id")) {
        for (String id : ids) {
          List<Integer> expected = new ArrayList<>();
          for (int i = 0; i < perDevice; i++) {
            expected.add(i);
          }
          assertEquals(expected, acknowledged.get(id), "device " + id + " is acknowledged in the order it published");
          query.setString(1, id);
          List<Integer> stored = new ArrayList<>();
          long lastTransaction = -1;
          try (ResultSet rows = query.executeQuery()) {
            while (rows.next()) {
              stored.add(Integer.parseInt(rows.getString(1).substring(4)));
              long transaction = rows.getLong(2);
              assertTrue(transaction >= lastTransaction, "device " + id + ": a later event never commits in an earlier transaction");
              lastTransaction = transaction;
              transactions.add(transaction);
            }
          }
          assertEquals(expected, stored, "device " + id + ": ids follow the order it published");
        }
      }
      assertTrue(transactions.size() >= devices * perDevice / 7, "batches of at most 7: " + transactions.size() + " transactions");
    }
  }

  @Test
  void lastHeardFollowsTheCommittedEventsWithinAboutASecondAndNeverGoesBack() throws Exception {
    try (TestNode node = TestNode.start("--events.writers=3")) {
      DeviceIdentity device = node.provisionDevice();
      long published = System.currentTimeMillis() / 1000 * 1000;
      node.eventBus().request(BusAddresses.PUBLISH_EVENT, new DeviceEvent(device.id(), "heard", "now", published, 60, false), OPTIONS)
          .await(10, TimeUnit.SECONDS);
      TestNode.eventually(Duration.ofSeconds(5), () -> heardAt(node, device.id()) == published, "last_heard is the event's time");

      // an event published earlier (a device's clock, a late delivery) does not move last_heard back
      node.eventBus().request(BusAddresses.PUBLISH_EVENT, new DeviceEvent(device.id(), "heard", "older", published - 60_000, 60, false), OPTIONS)
          .await(10, TimeUnit.SECONDS);
      Thread.sleep(2500);
      assertEquals(published, heardAt(node, device.id()));

      // status events are not what the cloud heard from the device
      node.eventBus().request(BusAddresses.PUBLISH_EVENT,
          new DeviceEvent(device.id(), DeviceEvent.STATUS, "online", published + 60_000, 60, false), OPTIONS).await(10, TimeUnit.SECONDS);
      Thread.sleep(2500);
      assertEquals(published, heardAt(node, device.id()));
    }
  }

  /**
   * The last_heard UPDATE visits its rows in no set order (it no longer locks them in id order first),
   * so it must run only under DeviceBatchLock, like every other statement that updates many device
   * rows: while another transaction holds the lock it waits, and it is written once the lock is free.
   */
  @Test
  void lastHeardWaitsForTheDeviceBatchLockAndIsWrittenOnceItIsFree() throws Exception {
    try (TestNode node = TestNode.start(); Connection other = node.node().database().jdbcConnection()) {
      DeviceIdentity device = node.provisionDevice();
      long published = System.currentTimeMillis() / 1000 * 1000;
      other.setAutoCommit(false);
      other.createStatement().execute(DeviceBatchLock.LOCK);
      try {
        node.eventBus().request(BusAddresses.PUBLISH_EVENT, new DeviceEvent(device.id(), "heard", "locked", published, 60, false), OPTIONS)
            .await(10, TimeUnit.SECONDS);
        // the event is committed; unlocked, its last_heard would be written within a second
        Thread.sleep(2500);
        assertEquals(-1, heardAt(node, device.id()), "not written while another batch holds the lock");
      } finally {
        other.rollback();
      }
      TestNode.eventually(Duration.ofSeconds(5), () -> heardAt(node, device.id()) == published, "written once the lock is free");
    }
  }

  private static long heardAt(TestNode node, String deviceId) {
    try {
      Object heard = node.deviceRow(deviceId).get("last_heard");
      assertNotNull(heard);
      return heard instanceof OffsetDateTime time ? time.toInstant().toEpochMilli() : ((java.sql.Timestamp) heard).getTime();
    } catch (AssertionError | Exception e) {
      return -1;
    }
  }
}
