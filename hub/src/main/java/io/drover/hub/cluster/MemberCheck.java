package io.drover.hub.cluster;

import com.hazelcast.cluster.Member;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.core.spi.cluster.NodeInfo;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks that a member that joins the cluster proves the cluster CA on its event bus, and logs the
 * ones that do not.
 *
 * <p>Why a check of its own: Hazelcast (open source) admits any process that knows the cluster name,
 * and the event bus's TLS with client certificates is what keeps such a process from reading or
 * sending anything. But Vert.x drops an inbound connection that fails its handshake without a word
 * (its event-bus server sets no exception handler), and logs an outbound one only when a message is
 * sent to that member. So each node opens one TLS connection to every member that joins, with its own
 * certificate and the cluster CA as the only trust, exactly as the event bus would: a member whose
 * certificate does not verify, or whose event bus speaks no TLS, is logged once as refused (then at
 * most once a minute per address, however often it rejoins). Its messages are refused by the TLS of
 * the event bus itself, whether or not this check has run.
 */
final class MemberCheck {

  private static final Logger LOG = LoggerFactory.getLogger(MemberCheck.class);
  /** Where vertx-hazelcast keeps a member's Vert.x node ID. */
  private static final String VERTX_NODE_ID = "__vertx.nodeId";
  /** A member publishes its event bus address a moment after it joins Hazelcast. */
  private static final int ATTEMPTS = 10;
  private static final long RETRY_MS = 1000;
  private static final long QUIET_MS = 60_000;

  private final Vertx vertx;
  private final ClusterManager manager;
  private final NetClient client;
  /** Event-bus address of a refused member, to when it was last logged. */
  private final Map<String, Long> lastLogged = new ConcurrentHashMap<>();

  MemberCheck(Vertx vertx, ClusterManager manager, EventBusOptions eventBus) {
    this.vertx = vertx;
    this.manager = manager;
    // the options the clustered event bus makes its own client from, hostname check off as there
    this.client = vertx.createNetClient(new NetClientOptions(eventBus.toJson())
        .setHostnameVerificationAlgorithm("")
        .setConnectTimeout(5000)
        .setSslHandshakeTimeout(5).setSslHandshakeTimeoutUnit(TimeUnit.SECONDS));
  }

  /** Checks {@code member}; called from any thread. */
  void check(Member member) {
    // Vert.x names a node by this attribute (its own log lines too), not by the Hazelcast member's UUID
    String nodeId = member.getAttribute(VERTX_NODE_ID);
    String hazelcast = member.getAddress().getHost() + ":" + member.getAddress().getPort();
    if (nodeId == null) {
      // a plain Hazelcast process: it holds a share of the maps, but no message reaches it
      LOG.warn("cluster member has no event bus: not a Drover node? [hazelcast: {}, uuid: {}]", hazelcast, member.getUuid());
      return;
    }
    nodeInfo(nodeId, 1).onComplete(found -> {
      if (found.failed()) {
        if (manager.getNodes().contains(nodeId)) {
          LOG.warn("cluster member has no event bus: not a Drover node? [member: {}, hazelcast: {}, cause: {}]",
              nodeId, hazelcast, found.cause().getMessage());
        }
        return;
      }
      NodeInfo info = found.result();
      String address = info.host() + ":" + info.port();
      client.connect(info.port(), info.host()).onComplete(connected -> {
        if (connected.succeeded()) {
          LOG.info("cluster member verified [member: {}, hazelcast: {}, event-bus: {}, certificate: {}]",
              nodeId, hazelcast, address, subject(connected.result()));
          connected.result().close();
        } else {
          refused(nodeId, hazelcast, address, connected.cause());
        }
      });
    });
  }

  private void refused(String nodeId, String hazelcast, String address, Throwable cause) {
    long now = System.currentTimeMillis();
    Long last = lastLogged.get(address);
    if (last != null && now - last < QUIET_MS) {
      return;
    }
    if (lastLogged.size() > 10_000) {
      lastLogged.clear();
    }
    lastLogged.put(address, now);
    if (isTls(cause)) {
      LOG.warn("cluster member refused: its event bus does not prove the cluster CA, so no message goes to or comes from it "
          + "[member: {}, hazelcast: {}, event-bus: {}, cause: {}]", nodeId, hazelcast, address, describe(cause));
    } else {
      LOG.warn("cluster member unreachable on its event bus [member: {}, hazelcast: {}, event-bus: {}, cause: {}]",
          nodeId, hazelcast, address, describe(cause));
    }
  }

  /** A failed handshake (a handshake timeout included), as against a refused or timed-out TCP connect. */
  private static boolean isTls(Throwable cause) {
    for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof SSLException) {
        return true;
      }
    }
    return false;
  }

  private Future<NodeInfo> nodeInfo(String nodeId, int attempt) {
    Promise<NodeInfo> promise = Promise.promise();
    manager.getNodeInfo(nodeId, promise);
    return promise.future().recover(failure -> {
      if (attempt >= ATTEMPTS) {
        return Future.failedFuture(failure);
      }
      Promise<NodeInfo> later = Promise.promise();
      vertx.setTimer(RETRY_MS, id -> nodeInfo(nodeId, attempt + 1).onComplete(later));
      return later.future();
    });
  }

  private static String subject(NetSocket socket) {
    try {
      List<Certificate> certificates = socket.peerCertificates();
      return certificates != null && !certificates.isEmpty() && certificates.get(0) instanceof X509Certificate x509
          ? x509.getSubjectX500Principal().getName()
          : "-";
    } catch (SSLPeerUnverifiedException e) {
      return "-";
    }
  }

  /** The innermost message: "PKIX path building failed: ...", "not an SSL/TLS record", a timeout. */
  private static String describe(Throwable cause) {
    Throwable root = cause;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = root.getMessage();
    return root.getClass().getSimpleName() + (message == null ? "" : ": " + message);
  }

  Future<Void> close() {
    return client.close();
  }
}
