package io.drover.hub.cluster;

import java.util.List;

/**
 * What this node knows of the cluster: who is in it, and whether this node leads the work that must
 * happen once (retention pruning, marking a departed gateway's devices offline; later webhook delivery,
 * billing runs and rollout batches). The leader is the oldest member with the hub role: every member
 * sees the same member list in the same order, so they agree without an election, and when the leader
 * leaves, the next oldest leads from the moment the cluster notices.
 */
public interface ClusterView {

  String nodeId();

  NodeRoles roles();

  /** Every member's node ID, this node's included. */
  List<String> memberIds();

  default int size() {
    return memberIds().size();
  }

  /** Whether this node runs the cluster's once-only work now. */
  boolean leads();

  /** Members with the hub role, this node included if it is one: the nodes that share the work of events. */
  int hubCount();

  /** Runs {@code listener} (on a Hazelcast thread) whenever a member joins or leaves. */
  void onMembershipChange(Runnable listener);

  /** A node on its own: it is the whole cluster, and leads if it is a hub. */
  static ClusterView standalone(String nodeId, NodeRoles roles) {
    return new ClusterView() {
      @Override
      public String nodeId() {
        return nodeId;
      }

      @Override
      public NodeRoles roles() {
        return roles;
      }

      @Override
      public List<String> memberIds() {
        return List.of(nodeId);
      }

      @Override
      public boolean leads() {
        return roles.hub();
      }

      @Override
      public int hubCount() {
        return roles.hub() ? 1 : 0;
      }

      @Override
      public void onMembershipChange(Runnable listener) {
        // alone, membership never changes
      }
    };
  }
}
