package io.drover.loadtests.swarm;

import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;

/** The one-line JSON result of a swarm run. Latencies are in milliseconds, rates per second. */
public record SwarmReport(SwarmSettings settings, int devices, SliceStats stats, long heldNanos) {

  /** Connects per second over the connect phase: first CONNECT sent to last CONNACK (or failure) received. */
  double connectsPerSecond() {
    long phaseNanos = stats.lastConnectAnsweredNanos - stats.firstConnectSentNanos;
    return phaseNanos <= 0 ? 0 : stats.connected / (phaseNanos / 1e9);
  }

  public JsonObject toJson() {
    PublishPlan plan = settings.publishing();
    long phaseNanos = Math.max(0, stats.lastConnectAnsweredNanos - stats.firstConnectSentNanos);
    JsonObject json = new JsonObject()
        .put("target", settings.host() + ":" + settings.port())
        .put("devices", devices)
        .put("connected", stats.connected)
        .put("failed", stats.failed)
        .put("failureReasons", new JsonObject(new LinkedHashMap<>(stats.failureReasons)))
        .put("connectInFlight", settings.connectsInFlight())
        .put("connectSeconds", round(phaseNanos / 1e9))
        .put("connectsPerSecond", round(connectsPerSecond()))
        .put("connectP50Ms", round(stats.connectLatency.percentileMillis(50)))
        .put("connectP99Ms", round(stats.connectLatency.percentileMillis(99)))
        .put("connectMaxMs", round(stats.connectLatency.maxMillis()))
        .put("heldSeconds", round(heldNanos / 1e9))
        .put("lostWhileHeld", stats.lostWhileHeld);
    if (settings.answerCalls()) {
      json.put("callsAnswered", stats.callsAnswered).put("announceFailed", stats.announceFailed);
    }
    if (plan.publishes()) {
      json.put("qos", plan.qos())
          .put("payloadBytes", plan.payloadBytes())
          .put("stamped", plan.stamped())
          .put("targetRate", plan.ratePerSecond())
          .put("published", stats.published)
          .put("publishedPerSecond", round(heldNanos <= 0 ? 0 : stats.published / (heldNanos / 1e9)))
          .put("publishFailed", stats.publishFailed)
          .put("publishSkipped", stats.publishSkipped);
      if (plan.qos() == 1) {
        json.put("publishesAcked", stats.acked)
            .put("unackedAtEnd", stats.unackedAtEnd)
            .put("ackP50Ms", round(stats.ackLatency.percentileMillis(50)))
            .put("ackP99Ms", round(stats.ackLatency.percentileMillis(99)))
            .put("ackMaxMs", round(stats.ackLatency.maxMillis()));
      }
    }
    return json;
  }

  private static double round(double value) {
    return Math.round(value * 1000) / 1000.0;
  }
}
