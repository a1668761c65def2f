package io.drover.loadtests.swarm;

import io.vertx.mqtt.MqttConnectionException;
import java.net.ConnectException;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeoutException;

/**
 * What one slice of the swarm saw. Written only on the slice's event loop; read by the swarm once the
 * slice has finished, and merged with the other slices' stats there.
 */
final class SliceStats {

  final LatencyHistogram connectLatency = new LatencyHistogram();
  final LatencyHistogram ackLatency = new LatencyHistogram();
  final Map<String, Integer> failureReasons = new TreeMap<>();
  long firstConnectSentNanos = Long.MAX_VALUE;
  long lastConnectAnsweredNanos = Long.MIN_VALUE;
  int connected;
  int failed;
  int lostWhileHeld;
  long published;
  long acked;
  long publishFailed;
  long publishSkipped;
  long unackedAtEnd;
  /** --answer-calls: calls and reads answered; subscriptions, descriptions or claim reports that failed. */
  long callsAnswered;
  long announceFailed;

  void connectSent(long nanos) {
    firstConnectSentNanos = Math.min(firstConnectSentNanos, nanos);
  }

  void connectSucceeded(long sentNanos, long answeredNanos) {
    connected++;
    connectLatency.recordNanos(answeredNanos - sentNanos);
    lastConnectAnsweredNanos = Math.max(lastConnectAnsweredNanos, answeredNanos);
  }

  void connectFailed(Throwable cause, long answeredNanos) {
    failed++;
    failureReasons.merge(reason(cause), 1, Integer::sum);
    lastConnectAnsweredNanos = Math.max(lastConnectAnsweredNanos, answeredNanos);
  }

  void add(SliceStats other) {
    connectLatency.add(other.connectLatency);
    ackLatency.add(other.ackLatency);
    other.failureReasons.forEach((reason, n) -> failureReasons.merge(reason, n, Integer::sum));
    firstConnectSentNanos = Math.min(firstConnectSentNanos, other.firstConnectSentNanos);
    lastConnectAnsweredNanos = Math.max(lastConnectAnsweredNanos, other.lastConnectAnsweredNanos);
    connected += other.connected;
    failed += other.failed;
    lostWhileHeld += other.lostWhileHeld;
    published += other.published;
    acked += other.acked;
    publishFailed += other.publishFailed;
    publishSkipped += other.publishSkipped;
    unackedAtEnd += other.unackedAtEnd;
    callsAnswered += other.callsAnswered;
    announceFailed += other.announceFailed;
  }

  /** A short, countable name for why a connect failed: the CONNACK code, a timeout, a refused socket. */
  static String reason(Throwable cause) {
    if (cause instanceof MqttConnectionException refused) {
      return "connack:" + refused.code().name().toLowerCase();
    }
    if (cause instanceof TimeoutException) {
      return "timeout";
    }
    if (cause instanceof ConnectException) {
      return "tcp-refused";
    }
    return cause.getClass().getSimpleName();
  }
}
