package io.drover.gateway.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.gateway.contract.BusAddresses;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The gateway's per-device byte sums: what a flush sends over the bus, in batches, and what it forgets. */
class DataUsageMeterTest {

  private Vertx vertx;
  private final List<JsonObject> batches = new CopyOnWriteArrayList<>();

  @BeforeEach
  void bus() throws Exception {
    vertx = Vertx.vertx();
    vertx.eventBus().<JsonObject>consumer(BusAddresses.DATA_USAGE, message -> batches.add(message.body())).completion()
        .toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  @AfterEach
  void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  private Map<String, long[]> sent(int expectedBatches) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 5000;
    while (batches.size() < expectedBatches && System.currentTimeMillis() < deadline) {
      Thread.sleep(10);
    }
    assertEquals(expectedBatches, batches.size(), "bus messages");
    Map<String, long[]> byDevice = new HashMap<>();
    for (JsonObject batch : batches) {
      JsonArray devices = batch.getJsonArray("devices");
      assertTrue(devices.size() <= DataUsageMeter.BATCH);
      for (Object o : devices) {
        JsonObject device = (JsonObject) o;
        long[] previous = byDevice.put(device.getString("device_id"), new long[] {device.getLong("rx"), device.getLong("tx")});
        assertEquals(null, previous, "a device once per flush");
      }
    }
    batches.clear();
    return byDevice;
  }

  @Test
  void aFlushSumsEachDevicesConnectionsAndSendsOnlyWhatMoved() throws Exception {
    DataUsageMeter meter = new DataUsageMeter(vertx.eventBus());
    WireBytes first = new WireBytes();
    WireBytes second = new WireBytes();
    WireBytes idle = new WireBytes();
    meter.track("aaaaaaaaaaaaaaaaaaaaaaaa", first);
    meter.track("aaaaaaaaaaaaaaaaaaaaaaaa", second);
    meter.track("bbbbbbbbbbbbbbbbbbbbbbbb", idle);
    first.received(100);
    first.sent(4);
    second.received(50);
    meter.flush();
    Map<String, long[]> sums = sent(1);
    assertEquals(1, sums.size(), "the idle device is left out");
    assertEquals(150, sums.get("aaaaaaaaaaaaaaaaaaaaaaaa")[0]);
    assertEquals(4, sums.get("aaaaaaaaaaaaaaaaaaaaaaaa")[1]);

    meter.flush();
    Thread.sleep(100);
    assertEquals(0, batches.size(), "nothing moved since: nothing sent");
  }

  @Test
  void anEndedConnectionsLastBytesAreSentOnceAndItIsDropped() throws Exception {
    DataUsageMeter meter = new DataUsageMeter(vertx.eventBus());
    WireBytes bytes = new WireBytes();
    meter.track("cccccccccccccccccccccccc", bytes);
    bytes.received(10);
    meter.ended(bytes);
    assertEquals(1, meter.trackedSessions());
    meter.flush();
    assertEquals(10, sent(1).get("cccccccccccccccccccccccc")[0]);
    assertEquals(0, meter.trackedSessions(), "dropped after its last flush");
    bytes.received(5); // a late count on a dropped counter is nobody's
    meter.flush();
    Thread.sleep(100);
    assertEquals(0, batches.size());
  }

  @Test
  void manyDevicesGoInBatchesOfAThousand() throws Exception {
    DataUsageMeter meter = new DataUsageMeter(vertx.eventBus());
    for (int i = 0; i < 2500; i++) {
      WireBytes bytes = new WireBytes();
      meter.track(String.format("%024x", i), bytes);
      bytes.sent(i + 1);
    }
    meter.flush();
    Map<String, long[]> sums = sent(3);
    assertEquals(2500, sums.size());
    assertEquals(2500, sums.get(String.format("%024x", 2499))[1]);
  }
}
