package io.drover.hub.cluster;

import java.time.Duration;
import java.util.List;

/**
 * How this node joins a cluster.
 *
 * @param enabled false runs the node alone (no Hazelcast at all)
 * @param host the address the other nodes reach this one at, for Hazelcast and the event bus; empty lets
 *     Hazelcast pick one of the machine's addresses
 * @param members the static member list, {@code host:port}; ignored with multicast
 * @param eventBusPort the clustered event bus's TCP port, 0 for any free one
 * @param heartbeatTimeout how long a silent member stays in the cluster before it is declared dead
 */
public record ClusterSettings(boolean enabled, String name, String host, int port, List<String> members, boolean multicast,
                              int eventBusPort, Duration heartbeatTimeout) {
}
