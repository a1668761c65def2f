package io.drover.loadtests.bench;

import io.drover.hub.firmware.FirmwareTarget;
import io.drover.hub.firmware.Releases;
import io.drover.hub.firmware.TargetingIndex;
import io.drover.hub.firmware.TargetingIndex.DeviceState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Targeting decisions per second at the handshake, and the time to compute a release's impact, with
 * DEVICES devices in one product's index. The baseline, measured in the same run on the same IDs
 * in the same order, is a plain HashMap<String, Object> lookup: the least a handshake could cost.
 *
 * load-tests/bin/firmware-targeting.sh runs it: java -cp (the hub and this module) io.drover.loadtests.bench.TargetingBench [devices] [runs]
 * Prints one JSON line per run on stderr and the summary as one JSON line on stdout.
 */
public class TargetingBench {

  static final int PRODUCT = 1001;
  static final int LOOKUPS = 5_000_000;

  public static void main(String[] args) {
    int devices = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    int runs = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    SplittableRandom random = new SplittableRandom(42);
    String[] groupNames = {"beta", "early", "eu", "us", "field-1", "field-2", "field-3", "field-4", "lab", "returns"};
    TargetingIndex index = new TargetingIndex();
    Map<String, Object> baseline = new HashMap<>();
    String[] ids = new String[devices];
    for (int i = 0; i < devices; i++) {
      String id = String.format(Locale.ROOT, "%024x", (long) i * 2654435761L + 0x0a1b2c3d4e5fL);
      ids[i] = id;
      // a realistic mix: most devices in one group, some in two, some in none; 1% locked, 1% development
      int groups = random.nextInt(10) < 2 ? 0 : random.nextInt(10) < 8 ? 1 : 2;
      String[] memberOf = new String[groups];
      for (int g = 0; g < groups; g++) {
        memberOf[g] = groupNames[random.nextInt(groupNames.length)];
      }
      int locked = random.nextInt(100) == 0 ? 3 : 0;
      boolean development = random.nextInt(100) == 1;
      DeviceState state = new DeviceState(1 + random.nextInt(3), locked, development, memberOf);
      index.putDevice(PRODUCT, id, state);
      baseline.put(id, state);
    }
    index.setReleases(PRODUCT, new Releases(2, Map.of("beta", 4, "early", 3, "eu", 3)));
    long heapMb = InProcess.heapMbAfterGc();
    int[] order = InProcess.order(random, LOOKUPS, devices);
    List<Double> decisionRates = new ArrayList<>();
    List<Double> baselineRates = new ArrayList<>();
    List<Double> impactMillis = new ArrayList<>();
    long sink = 0;
    for (int run = 0; run <= runs; run++) { // run 0 warms up and is not counted
      double baselineRate = InProcess.baselineRate(baseline, ids, order);
      long start = System.nanoTime();
      for (int i = 0; i < LOOKUPS; i++) {
        FirmwareTarget target = index.target(PRODUCT, ids[order[i]]);
        sink += target.version();
      }
      double decisionRate = LOOKUPS / ((System.nanoTime() - start) / 1e9);
      start = System.nanoTime();
      int impacted = index.impact(PRODUCT, index.releases(PRODUCT).with(5, false, List.of("beta", "lab")), 5);
      double impactMs = (System.nanoTime() - start) / 1e6;
      sink += impacted;
      System.err.printf(Locale.ROOT, "{\"run\":%d,\"baseline_lookups_per_s\":%.0f,\"decisions_per_s\":%.0f,\"impact_ms\":%.1f,\"impacted\":%d}%n",
          run, baselineRate, decisionRate, impactMs, impacted);
      if (run > 0) {
        baselineRates.add(baselineRate);
        decisionRates.add(decisionRate);
        impactMillis.add(impactMs);
      }
    }
    System.out.printf(Locale.ROOT, "{\"devices\":%d,\"runs\":%d,\"heap_mb_after_load\":%d,\"median_baseline_lookups_per_s\":%.0f,"
        + "\"median_decisions_per_s\":%.0f,\"decision_to_baseline\":%.2f,\"median_impact_ms\":%.1f,\"sink\":%d}%n",
        devices, runs, heapMb, InProcess.median(baselineRates), InProcess.median(decisionRates), InProcess.median(decisionRates) / InProcess.median(baselineRates),
        InProcess.median(impactMillis), sink % 10);
  }
}
