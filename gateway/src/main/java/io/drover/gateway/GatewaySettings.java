package io.drover.gateway;

import io.drover.coap.CoapSettings;
import io.drover.gateway.intake.EventQuota;
import io.drover.gateway.mqtt.MqttSettings;
import java.time.Duration;

/**
 * The gateway's settings, built once from the node's configuration and validated there.
 *
 * @param hubTimeout how long a session waits for the hub (authentication, a durable publish, a firmware
 *     target, a settings check), on every transport
 * @param listenerInstances MQTT listener instances, each on its own event loop; 0 for one per core
 * @param maxConnections device connections this process holds before refusing more; 0 for the
 *     open-files limit less what the process keeps for itself
 * @param hubOnThisNode true when this node is also a hub: every question stays on this node
 * @param eventQuota the events (and descriptions) one device may send, on every transport
 * @param overloadRetry how long a durable event the hub could not take (OVERLOADED, UNAVAILABLE) is
 *     sent to it again, the device held meanwhile, where the transport can hold it (MQTT)
 * @param dataUsageFlush how often the wire bytes of every session, summed per device in memory, are sent
 *     to the hub in batches (SIM data usage)
 * @param particleHost the address the Particle device listener binds (UDP 5684, which Device OS cannot
 *     change), null or blank for none: {@code particle.host}
 */
public record GatewaySettings(MqttSettings mqtt, CoapSettings coap, Duration hubTimeout, int listenerInstances, int maxConnections,
    boolean hubOnThisNode, EventQuota eventQuota, Duration overloadRetry, Duration dataUsageFlush, String particleHost) {

  /** Without a Particle listener. */
  public GatewaySettings(MqttSettings mqtt, CoapSettings coap, Duration hubTimeout, int listenerInstances, int maxConnections,
      boolean hubOnThisNode, EventQuota eventQuota, Duration overloadRetry, Duration dataUsageFlush) {
    this(mqtt, coap, hubTimeout, listenerInstances, maxConnections, hubOnThisNode, eventQuota, overloadRetry, dataUsageFlush, null);
  }

  /** The listener instances to deploy: {@link #listenerInstances}, or the number of cores for 0. */
  public int effectiveListenerInstances() {
    return listenerInstances > 0 ? listenerInstances : Runtime.getRuntime().availableProcessors();
  }
}
