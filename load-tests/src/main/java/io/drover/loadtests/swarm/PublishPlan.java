package io.drover.loadtests.swarm;

/**
 * Events the swarm publishes while it holds its devices, spread round-robin over them.
 *
 * @param ratePerSecond for the whole swarm; 0 publishes nothing
 * @param maxInFlightPerDevice QoS 1 events a device may have unacknowledged; a device at the limit is
 *     skipped (and the skip counted) rather than queueing without bound
 * @param stamped whether each payload starts with its publish time ({@link PayloadStamp})
 */
public record PublishPlan(double ratePerSecond, int qos, int payloadBytes, String eventName, int maxInFlightPerDevice, boolean stamped) {

  public PublishPlan {
    if (qos < 0 || qos > 1) {
      throw new IllegalArgumentException("qos must be 0 or 1");
    }
    if (eventName == null || eventName.isEmpty() || eventName.contains("#") || eventName.contains("+")) {
      throw new IllegalArgumentException("event name must be non-empty and hold no MQTT wildcard");
    }
    if (stamped && payloadBytes < PayloadStamp.LENGTH) {
      throw new IllegalArgumentException("a stamped payload needs at least " + PayloadStamp.LENGTH + " bytes");
    }
  }

  boolean publishes() {
    return ratePerSecond > 0;
  }

  String topic() {
    return "e/" + eventName;
  }
}
