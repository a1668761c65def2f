package io.drover.gateway.pipeline;

import io.drover.gateway.contract.BusAddresses;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The wire bytes of every device session of this gateway node, summed per device in memory and sent to
 * the hub in batches ({@link BusAddresses#DATA_USAGE}) at each {@link #flush}: a bus message per batch of
 * up to {@value #BATCH} devices, never one per packet. A session's {@link WireBytes} is tracked from its
 * opening and dropped at the first flush after its connection ended, its last bytes included. Holds one
 * entry per live session (and per session ended since the last flush): bounded by the connection budget.
 * Thread-safe: sessions open and close on their event loops, the flush runs on the gateway's.
 */
public final class DataUsageMeter {

  static final int BATCH = 1000;
  private static final Logger LOG = LoggerFactory.getLogger(DataUsageMeter.class);

  private final EventBus bus;
  private final Map<WireBytes, String> tracked = new ConcurrentHashMap<>();

  public DataUsageMeter(EventBus bus) {
    this.bus = bus;
  }

  /** A session of {@code deviceId} opened on a connection counted by {@code bytes}. */
  void track(String deviceId, WireBytes bytes) {
    tracked.put(bytes, deviceId);
  }

  /** The session's connection ended: its bytes since the last flush go in the next one, then it is dropped. */
  void ended(WireBytes bytes) {
    bytes.end();
  }

  /** Sends what every device moved since the last flush; devices that moved nothing are left out. */
  public void flush() {
    Map<String, long[]> byDevice = new HashMap<>();
    for (Iterator<Map.Entry<WireBytes, String>> entries = tracked.entrySet().iterator(); entries.hasNext(); ) {
      Map.Entry<WireBytes, String> entry = entries.next();
      WireBytes bytes = entry.getKey();
      // read ended before draining: bytes counted after the drain of an ended connection cannot come
      boolean ended = bytes.ended();
      long received = bytes.drainReceived();
      long sent = bytes.drainSent();
      if (ended) {
        entries.remove();
      }
      if (received != 0 || sent != 0) {
        long[] sums = byDevice.computeIfAbsent(entry.getValue(), id -> new long[2]);
        sums[0] += received;
        sums[1] += sent;
      }
    }
    JsonArray batch = new JsonArray();
    for (Map.Entry<String, long[]> device : byDevice.entrySet()) {
      batch.add(new JsonObject().put("device_id", device.getKey()).put("rx", device.getValue()[0]).put("tx", device.getValue()[1]));
      if (batch.size() == BATCH) {
        send(batch);
        batch = new JsonArray();
      }
    }
    if (!batch.isEmpty()) {
      send(batch);
    }
  }

  /** Sessions (live, or ended since the last flush) being counted. */
  public int trackedSessions() {
    return tracked.size();
  }

  private void send(JsonArray batch) {
    LOG.debug("data usage sent [devices: {}]", batch.size());
    bus.send(BusAddresses.DATA_USAGE, new JsonObject().put("devices", batch));
  }
}
