package io.drover.loadtests.bench;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * What the in-process benchmarks share: the heap a loaded index holds, the random order of devices
 * every run looks up, the baseline (a plain {@code HashMap.get} over the same IDs in the same order:
 * the least a lookup could cost) and the median of the counted runs.
 */
final class InProcess {

  private InProcess() {
  }

  /** The heap in use after a GC, in MiB. */
  static long heapMbAfterGc() {
    Runtime.getRuntime().gc();
    return (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()) / (1024 * 1024);
  }

  /** {@code lookups} device indexes below {@code devices}, drawn once so that every run and form reads the same. */
  static int[] order(SplittableRandom random, int lookups, int devices) {
    int[] order = new int[lookups];
    for (int i = 0; i < lookups; i++) {
      order[i] = random.nextInt(devices);
    }
    return order;
  }

  /** What the baseline read, kept so that the JIT cannot drop its loop. */
  static long sink;

  /** The baseline's lookups per second. */
  static double baselineRate(Map<String, Object> baseline, String[] ids, int[] order) {
    long start = System.nanoTime();
    long read = 0;
    for (int device : order) {
      read += baseline.get(ids[device]).hashCode() & 1;
    }
    sink += read;
    return order.length / ((System.nanoTime() - start) / 1e9);
  }

  static double median(List<Double> values) {
    double[] sorted = values.stream().mapToDouble(Double::doubleValue).toArray();
    Arrays.sort(sorted);
    return sorted.length % 2 == 1 ? sorted[sorted.length / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
  }
}
