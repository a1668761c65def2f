package io.drover.hub.cluster;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * How this node joins a cluster.
 *
 * @param enabled false runs the node alone (no Hazelcast at all)
 * @param host the address the other nodes reach this one at, for Hazelcast and the event bus, and the
 *     only one they listen on; empty lets Hazelcast pick one of the machine's addresses
 * @param members the static member list, {@code host:port}; ignored with multicast
 * @param eventBusPort the clustered event bus's TCP port, 0 for any free one
 * @param heartbeatTimeout how long a silent member stays in the cluster before it is declared dead
 * @param tls this node's certificate and the cluster's CA; null only with {@code cluster.insecure}, when
 *     the event bus runs in the clear and trusts whoever joins
 */
public record ClusterSettings(boolean enabled, String name, String host, int port, List<String> members, boolean multicast,
                              int eventBusPort, Duration heartbeatTimeout, Tls tls) {

  /** PEM files made by {@code drover cluster-ca}: this node's certificate and key, and the CA that signed every node's. */
  public record Tls(Path certificate, Path key, Path ca) {
  }
}
