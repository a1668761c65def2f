package io.drover.hub.cluster;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/** The cluster as this node sees it, for Prometheus: every node reports, so a split shows as disagreeing sizes. */
public final class ClusterMetrics {

  private ClusterMetrics() {
  }

  public static void register(MeterRegistry registry, ClusterView cluster) {
    Gauge.builder("drover_cluster_members", cluster, ClusterView::size)
        .description("Members of the cluster this node sees, itself included")
        .register(registry);
    Gauge.builder("drover_cluster_leader", cluster, view -> view.leads() ? 1 : 0)
        .description("1 on the node that runs the cluster's once-only work (retention, departed gateways)")
        .register(registry);
    Gauge.builder("drover_node_info", () -> 1)
        .description("This node's identity and roles, as labels")
        .tag("node_id", cluster.nodeId())
        .tag("roles", cluster.roles().toString())
        .register(registry);
  }
}
