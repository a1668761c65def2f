package io.drover.loadtests.bench;

import io.drover.hub.tracker.ConfigIndex;
import io.drover.hub.tracker.TrackerSettings;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Tracker settings checksum checks per second at the handshake, with DEVICES devices of one product
 * in the hub's ConfigIndex: what the hub's hub.tracker.config-check handler does per handshake
 * (effective settings of the device, then a string compare with the reported checksum). Baseline in
 * the same run on the same IDs in the same order: a plain HashMap<String, Object> lookup. Also times
 * a fleet change (the index entry replaced, development devices with their own settings recomputed)
 * and listing the devices to push it to.
 *
 * load-tests/bin/tracker-config-check.sh runs it: java -cp (the hub and this module) io.drover.loadtests.bench.ConfigCheckBench [devices] [runs]
 * Prints one JSON line per run on stderr and the summary as one JSON line on stdout.
 */
public class ConfigCheckBench {

  static final int PRODUCT = 1001;
  static final int LOOKUPS = 5_000_000;

  public static void main(String[] args) {
    int devices = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    int runs = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    SplittableRandom random = new SplittableRandom(42);
    ConfigIndex index = new ConfigIndex();
    index.putFleet(PRODUCT, new JsonObject().put("location", new JsonObject().put("radius", 151.0).put("interval_min", 30)));
    Map<String, Object> baseline = new HashMap<>();
    String[] ids = new String[devices];
    for (int i = 0; i < devices; i++) {
      String id = String.format(Locale.ROOT, "%024x", (long) i * 2654435761L + 0x0a1b2c3d4e5fL);
      ids[i] = id;
      // 1% development devices with settings of their own
      boolean development = random.nextInt(100) == 0;
      JsonObject own = development ? new JsonObject().put("rgb", new JsonObject().put("type", "direct").put("red", random.nextInt(256))) : null;
      index.putDevice(id, PRODUCT, development, own);
      baseline.put(id, id);
    }
    String fleetChecksum = index.fleet(PRODUCT).checksum();
    // what devices report: 90% the current checksum, the rest a stale one
    String[] reported = new String[devices];
    for (int i = 0; i < devices; i++) {
      reported[i] = random.nextInt(10) == 0 ? "00000000" : index.effective(ids[i]).checksum();
    }
    long heapMb = InProcess.heapMbAfterGc();
    int[] order = InProcess.order(random, LOOKUPS, devices);
    List<Double> checkRates = new ArrayList<>();
    List<Double> baselineRates = new ArrayList<>();
    List<Double> changeMillis = new ArrayList<>();
    List<Double> listMillis = new ArrayList<>();
    long sink = 0;
    for (int run = 0; run <= runs; run++) { // run 0 warms up and is not counted
      double baselineRate = InProcess.baselineRate(baseline, ids, order);
      long start = System.nanoTime();
      for (int i = 0; i < LOOKUPS; i++) {
        int device = order[i];
        ConfigIndex.Effective effective = index.effective(ids[device]);
        sink += effective.checksum().equals(reported[device]) ? 1 : 0;
      }
      double checkRate = LOOKUPS / ((System.nanoTime() - start) / 1e9);
      start = System.nanoTime();
      index.putFleet(PRODUCT, new JsonObject().put("location", new JsonObject().put("radius", 151.0).put("interval_min", 30 + run)));
      double changeMs = (System.nanoTime() - start) / 1e6;
      start = System.nanoTime();
      int toPush = index.devicesOnFleet(PRODUCT).size();
      double listMs = (System.nanoTime() - start) / 1e6;
      sink += toPush;
      System.err.printf(Locale.ROOT, "{\"run\":%d,\"baseline_lookups_per_s\":%.0f,\"checks_per_s\":%.0f,\"fleet_change_ms\":%.1f,"
          + "\"push_list_ms\":%.1f,\"to_push\":%d}%n", run, baselineRate, checkRate, changeMs, listMs, toPush);
      if (run > 0) {
        baselineRates.add(baselineRate);
        checkRates.add(checkRate);
        changeMillis.add(changeMs);
        listMillis.add(listMs);
      }
    }
    System.out.printf(Locale.ROOT, "{\"devices\":%d,\"runs\":%d,\"heap_mb_after_load\":%d,\"median_baseline_lookups_per_s\":%.0f,"
        + "\"median_checks_per_s\":%.0f,\"check_to_baseline\":%.2f,\"median_fleet_change_ms\":%.1f,\"median_push_list_ms\":%.1f,"
        + "\"fleet_checksum_before\":\"%s\",\"sink\":%d}%n",
        devices, runs, heapMb, InProcess.median(baselineRates), InProcess.median(checkRates), InProcess.median(checkRates) / InProcess.median(baselineRates),
        InProcess.median(changeMillis), InProcess.median(listMillis), fleetChecksum, sink % 10);
  }
}
