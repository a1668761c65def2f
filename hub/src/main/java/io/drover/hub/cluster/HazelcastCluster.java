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
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node in a cluster on Vert.x's Hazelcast cluster manager: builds the Hazelcast configuration from
 * {@link ClusterSettings} (on top of the one vertx-hazelcast ships, which holds the maps the event bus
 * needs), joins, and answers {@link ClusterView} from Hazelcast's member list.
 */
public final class HazelcastCluster implements ClusterView {

  static final String ROLES_ATTRIBUTE = "drover.roles";
  private static final Logger LOG = LoggerFactory.getLogger(HazelcastCluster.class);

  private final HazelcastInstance hazelcast;
  private final NodeRoles roles;
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

  /** @param memberCheck null when the event bus runs in the clear ({@code cluster.insecure}) */
  private HazelcastCluster(HazelcastInstance hazelcast, NodeRoles roles, MemberCheck memberCheck) {
    this.hazelcast = hazelcast;
    this.roles = roles;
    hazelcast.getCluster().addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent event) {
        if (memberCheck != null) {
          memberCheck.check(event.getMember());
        }
        listeners.forEach(Runnable::run);
      }

      @Override
      public void memberRemoved(MembershipEvent event) {
        listeners.forEach(Runnable::run);
      }
    });
    if (memberCheck != null) {
      for (Member member : hazelcast.getCluster().getMembers()) {
        if (!member.localMember()) {
          memberCheck.check(member);
        }
      }
    }
  }

  /** Joins the cluster and starts a clustered Vert.x; the future completes once both are up. */
  public static Future<Joined> join(VertxBuilder builder, VertxOptions options, ClusterSettings settings, NodeRoles roles) {
    HazelcastClusterManager manager = new HazelcastClusterManager(hazelcastConfig(settings, roles));
    EventBusOptions eventBus = options.getEventBusOptions();
    if (!settings.host().isEmpty()) {
      eventBus.setHost(settings.host()).setClusterPublicHost(settings.host());
    }
    eventBus.setPort(settings.eventBusPort());
    if (settings.tls() != null) {
      X509Certificate certificate = ClusterCa.checkNodeFiles(settings.tls());
      Instant expires = certificate.getNotAfter().toInstant();
      LOG.info("cluster event bus over TLS [certificate: {}, expires: {}, ca: {}]",
          certificate.getSubjectX500Principal().getName(), expires, settings.tls().ca());
      if (expires.isBefore(Instant.now().plus(Duration.ofDays(30)))) {
        LOG.warn("the cluster certificate expires in less than 30 days; make a new one with drover cluster-ca "
            + "[certificate: {}, expires: {}]", settings.tls().certificate(), expires);
      }
      secure(eventBus, settings.tls());
    } else {
      LOG.warn("cluster.insecure: the clustered event bus runs WITHOUT TLS. Any process that reaches this cluster's "
          + "Hazelcast port and knows its name joins, then reads device keys and events and sends as any node. Use it on a "
          + "trusted lab network only; make certificates with 'drover cluster-ca' [cluster: {}]", settings.name());
    }
    return builder.with(options).withClusterManager(manager).buildClustered()
        .map(vertx -> new Joined(vertx, new HazelcastCluster(manager.getHazelcastInstance(), roles,
            settings.tls() == null ? null : new MemberCheck(vertx, manager, eventBus))));
  }

  /**
   * TLS 1.3 both ways with the node's own certificate, trusting the cluster CA and nothing else, and a
   * client certificate required: a process without a certificate this CA signed can neither send to
   * this node nor receive from it. The clustered event bus copies these options (through JSON) into its
   * server and its client; the client does not check host names (Vert.x turns that off for the event
   * bus), which is fine here: the CA signs only this cluster's nodes.
   *
   * <p>{@code trustAll} must be turned off by hand: {@code EventBusOptions} defaults it to true, and its
   * client would then send to any member whose event bus shows any certificate at all.
   */
  static void secure(EventBusOptions eventBus, ClusterSettings.Tls tls) {
    eventBus.setSsl(true)
        .setTrustAll(false)
        .setKeyCertOptions(new PemKeyCertOptions().setCertPath(tls.certificate().toString()).setKeyPath(tls.key().toString()))
        .setTrustOptions(new PemTrustOptions().addCertPath(tls.ca().toString()))
        .setClientAuth(ClientAuth.REQUIRED)
        .setEnabledSecureTransportProtocols(Set.of("TLSv1.3"));
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

    // listen on the one address Hazelcast picked or was given, never on every interface
    config.setProperty("hazelcast.socket.bind.any", "false");

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
  public int hubCount() {
    int hubs = 0;
    for (Member member : hazelcast.getCluster().getMembers()) {
      NodeRoles memberRoles = NodeRoles.parse(String.valueOf(member.getAttribute(ROLES_ATTRIBUTE)));
      if (memberRoles != null && memberRoles.hub()) {
        hubs++;
      }
    }
    return hubs;
  }

  @Override
  public void onMembershipChange(Runnable listener) {
    listeners.add(listener);
  }

  /** A clustered Vert.x and its view of the cluster. */
  public record Joined(Vertx vertx, ClusterView view) {
  }
}
