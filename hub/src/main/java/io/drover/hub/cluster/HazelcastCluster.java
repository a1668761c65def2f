package io.drover.hub.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.HazelcastInstance;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A node in a cluster on Vert.x's Hazelcast cluster manager: builds the Hazelcast configuration from
 * {@link ClusterSettings} (on top of the one vertx-hazelcast ships, which holds the maps the event bus
 * needs), joins, and answers {@link ClusterView} from Hazelcast's member list.
 */
public final class HazelcastCluster implements ClusterView {

  static final String ROLES_ATTRIBUTE = "drover.roles";

  private final HazelcastInstance hazelcast;
  private final NodeRoles roles;
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

  private HazelcastCluster(HazelcastInstance hazelcast, NodeRoles roles) {
    this.hazelcast = hazelcast;
    this.roles = roles;
    hazelcast.getCluster().addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent event) {
        listeners.forEach(Runnable::run);
      }

      @Override
      public void memberRemoved(MembershipEvent event) {
        listeners.forEach(Runnable::run);
      }
    });
  }

  /** Joins the cluster and starts a clustered Vert.x; the future completes once both are up. */
  public static Future<Joined> join(VertxBuilder builder, VertxOptions options, ClusterSettings settings, NodeRoles roles) {
    HazelcastClusterManager manager = new HazelcastClusterManager(hazelcastConfig(settings, roles));
    if (!settings.host().isEmpty()) {
      options.getEventBusOptions().setHost(settings.host()).setClusterPublicHost(settings.host());
    }
    options.getEventBusOptions().setPort(settings.eventBusPort());
    return builder.with(options).withClusterManager(manager).buildClustered()
        .map(vertx -> new Joined(vertx, new HazelcastCluster(manager.getHazelcastInstance(), roles)));
  }

  static Config hazelcastConfig(ClusterSettings settings, NodeRoles roles) {
    Config config = ConfigUtil.loadConfig();
    config.setClusterName(settings.name());
    // this node's own shutdown hook leaves the cluster after the node has drained, not before
    config.setProperty("hazelcast.shutdownhook.enabled", "false");
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setProperty("hazelcast.logging.type", "slf4j");
    config.setProperty("hazelcast.max.no.heartbeat.seconds", Long.toString(settings.heartbeatTimeout().toSeconds()));
    config.setProperty("hazelcast.heartbeat.interval.seconds", "1");
    // the static member list is known: no need to wait for others before forming a cluster
    config.setProperty("hazelcast.wait.seconds.before.join", "1");
    config.setProperty("hazelcast.merge.first.run.delay.seconds", "5");
    config.setProperty("hazelcast.merge.next.run.delay.seconds", "5");
    config.getMemberAttributeConfig().setAttribute(ROLES_ATTRIBUTE, roles.toString());

    NetworkConfig network = config.getNetworkConfig();
    network.setPort(settings.port()).setPortAutoIncrement(false);
    if (!settings.host().isEmpty()) {
      network.getInterfaces().setEnabled(true).addInterface(settings.host());
      network.setPublicAddress(settings.host() + ":" + settings.port());
      config.setProperty("hazelcast.local.localAddress", settings.host());
    }
    JoinConfig join = network.getJoin();
    join.getAutoDetectionConfig().setEnabled(false);
    join.getMulticastConfig().setEnabled(settings.multicast());
    join.getTcpIpConfig().setEnabled(!settings.multicast()).setMembers(new ArrayList<>(settings.members()));
    return config;
  }

  @Override
  public String nodeId() {
    return hazelcast.getCluster().getLocalMember().getUuid().toString();
  }

  @Override
  public NodeRoles roles() {
    return roles;
  }

  @Override
  public List<String> memberIds() {
    List<String> ids = new ArrayList<>();
    for (Member member : hazelcast.getCluster().getMembers()) {
      ids.add(member.getUuid().toString());
    }
    return ids;
  }

  /** Hazelcast lists members oldest first, in the same order on every member. */
  @Override
  public boolean leads() {
    for (Member member : hazelcast.getCluster().getMembers()) {
      NodeRoles memberRoles = NodeRoles.parse(String.valueOf(member.getAttribute(ROLES_ATTRIBUTE)));
      if (memberRoles != null && memberRoles.hub()) {
        return member.localMember();
      }
    }
    return false;
  }

  @Override
  public void onMembershipChange(Runnable listener) {
    listeners.add(listener);
  }

  /** A clustered Vert.x and its view of the cluster. */
  public record Joined(Vertx vertx, ClusterView view) {
  }
}
