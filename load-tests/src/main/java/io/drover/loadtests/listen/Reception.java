package io.drover.loadtests.listen;

import io.drover.loadtests.swarm.LatencyHistogram;
import io.drover.loadtests.swarm.PayloadStamp;

/**
 * What a listener received: how many events, and for those whose payload carries a {@link PayloadStamp},
 * the latency from publish to receipt. Written on the listener's event loop only; {@link #lastNanos} is
 * also read by the thread that waits for the listener to go quiet.
 */
final class Reception {

  final LatencyHistogram latency = new LatencyHistogram();
  long received;
  long unstamped;
  /** Receipts stamped later than they were received: clocks disagree, which one machine's never should. */
  long stampedInFuture;
  long firstNanos = -1;
  volatile long lastNanos = -1;

  /** One event; its payload's stamp, if any, is at {@code stampAt} in {@code text}. */
  void record(CharSequence text, int stampAt) {
    recordStamp(PayloadStamp.read(text, stampAt));
  }

  /** One event whose payload's stamp was read already: -1 when it had none. */
  void recordStamp(long sentMicros) {
    long nowMicros = PayloadStamp.nowMicros();
    long now = System.nanoTime();
    received++;
    if (firstNanos < 0) {
      firstNanos = now;
    }
    lastNanos = now;
    if (sentMicros < 0) {
      unstamped++;
    } else if (sentMicros > nowMicros) {
      stampedInFuture++;
    } else {
      latency.recordNanos((nowMicros - sentMicros) * 1_000);
    }
  }
}
