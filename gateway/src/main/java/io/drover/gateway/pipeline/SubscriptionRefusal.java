package io.drover.gateway.pipeline;

/** Why a topic filter was refused in a SUBACK: the {@code reason} of {@code drover.gateway.subscriptions.refused}. */
public enum SubscriptionRefusal {
  /** Outside the device's own {@code c/...} namespace, or not a valid filter (MQTT 3.1.1 section 4.7.1). */
  INVALID_FILTER("invalid_filter"),
  /** Past the filters one session may hold. */
  TOO_MANY("too_many");

  private final String metricName;

  SubscriptionRefusal(String metricName) {
    this.metricName = metricName;
  }

  public String metricName() {
    return metricName;
  }
}
