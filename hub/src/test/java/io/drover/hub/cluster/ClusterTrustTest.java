package io.drover.hub.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import io.drover.gateway.contract.BusAddresses;
import io.drover.gateway.contract.DeviceEvent;
import io.drover.gateway.contract.DeviceEventCodec;
import io.drover.hub.HubAddresses;
import io.drover.hub.events.EventsVerticle;
import io.drover.hub.events.LiveEventCodec;
import io.drover.hub.events.LiveEventsCodec;
import io.drover.hub.support.TestCluster;
import io.drover.hub.support.TestDevice;
import io.drover.hub.support.TestNode;
import io.drover.hub.support.TestNode.DeviceIdentity;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.junit5.VertxExtension;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The cluster as an attacker sees it. Hazelcast (open source) admits any process that reaches its
 * port and knows the cluster name, so the attacker here does join: a clustered Vert.x of its own,
 * with the real cluster's name and member list. Its event bus has either no TLS or a certificate from
 * another CA (and trusts anything). Yet it cannot ask the hub for a device's key, register a device,
 * store an event or receive one, and the real nodes log it as refused; the two real nodes, whose
 * certificates the cluster CA signed, go on working together.
 */
@ExtendWith(VertxExtension.class)
class ClusterTrustTest {

  private static final Duration WAIT = Duration.ofSeconds(30);
  /** Long enough for a delivered request to be answered many times over. */
  private static final long ROGUE_TIMEOUT_MS = 3000;

  private static final ListAppender<ILoggingEvent> refusals = new ListAppender<>();
  private static final ListAppender<ILoggingEvent> failedDeliveries = new ListAppender<>();
  private static TestCluster cluster;
  /** hub and gateway */
  private static TestNode a;
  /** a gateway only: everything it does crosses the event bus to A */
  private static TestNode b;
  private static DeviceIdentity device;

  @BeforeAll
  static void startCluster() throws Exception {
    capture(MemberCheck.class.getName(), refusals);
    // where Vert.x itself reports a message it could not deliver to another node
    capture("io.vertx.core.eventbus.impl.clustered.ClusteredEventBus", failedDeliveries);
    cluster = TestCluster.of(2);
    a = cluster.start(0, "hub,gateway");
    b = cluster.start(1, "gateway");
    TestNode.eventually(WAIT, () -> a.node().cluster().size() == 2 && b.node().cluster().size() == 2, "A and B in one cluster");
    device = a.provisionDevice();
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
    release(MemberCheck.class.getName(), refusals);
    release("io.vertx.core.eventbus.impl.clustered.ClusteredEventBus", failedDeliveries);
  }

  @Test
  void theRealNodesWorkTogetherOverTheirCertificates(Vertx vertx) throws Exception {
    // B asks A's hub over the bus, as its DTLS handshakes do
    JsonObject key = b.eventBus().<JsonObject>request(BusAddresses.PRESHARED_KEY, new JsonObject().put("device_id", device.id()))
        .await(10, TimeUnit.SECONDS).body();
    assertNotNull(key.getString("psk"));

    try (TestDevice onB = TestDevice.connectWhenKnown(vertx, b.mqttPort(), device.id(), device.secret(), WAIT)) {
      onB.publishAcknowledged("e/through-b", Buffer.buffer("x"));
      // B's session notice crossed the cluster in its codec's wire form, and A's hub recorded it
      TestNode.eventually(WAIT, () -> online(device.id()), "the device online in A's database");
    }
    assertEquals(1, a.countEvents(device.id(), "through-b"), "the event B's device published is stored by A");
    TestNode.eventually(WAIT, () -> !online(device.id()), "the device offline in A's database once B's session ended");

    // each verified the other's certificate when it joined, and refused neither
    TestNode.eventually(WAIT, () -> verified().size() >= 2, "A and B each log the other as verified");
    for (ILoggingEvent line : verified()) {
      String message = line.getFormattedMessage();
      assertTrue(message.contains("certificate: CN=member-"), message);
      String member = message.substring(message.indexOf("member: ") + 8, message.indexOf(','));
      assertTrue(refusals(member).isEmpty(), "a real node refused another: " + messages(refusals));
    }
  }

  private static boolean online(String deviceId) {
    try {
      return Boolean.TRUE.equals(a.deviceRow(deviceId).get("online"));
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private static List<ILoggingEvent> verified() {
    List<ILoggingEvent> found = new ArrayList<>();
    synchronized (refusals) {
      for (ILoggingEvent event : refusals.list) {
        if (event.getFormattedMessage().startsWith("cluster member verified")) {
          found.add(event);
        }
      }
    }
    return found;
  }

  @Test
  void aMemberWithoutTlsGetsNoKeyRegistersNothingAndStoresNoEvent(Vertx vertx) throws Exception {
    try (Rogue rogue = Rogue.join(new EventBusOptions())) {
      attackAndExpectNothing(vertx, rogue);
    }
  }

  @Test
  void aMemberWithACertificateFromAnotherCaGetsNoKeyRegistersNothingAndStoresNoEvent(Vertx vertx, @TempDir Path dir)
      throws Exception {
    ClusterCa.NodeFiles other = ClusterCa.create("Someone else's CA").issue("rogue", Duration.ofDays(1), dir);
    // the strongest attacker: it shows a well-formed certificate and trusts whatever the nodes show
    EventBusOptions tls = new EventBusOptions().setSsl(true).setTrustAll(true)
        .setKeyCertOptions(new PemKeyCertOptions().setCertPath(other.certificate().toString()).setKeyPath(other.key().toString()));
    try (Rogue rogue = Rogue.join(tls)) {
      attackAndExpectNothing(vertx, rogue);
    }
  }

  private void attackAndExpectNothing(Vertx vertx, Rogue rogue) throws Exception {
    TestNode.eventually(WAIT, () -> a.node().cluster().size() == 3 && b.node().cluster().size() == 3, "the rogue joined Hazelcast");
    DeliveryOptions quick = new DeliveryOptions().setSendTimeout(ROGUE_TIMEOUT_MS);

    // no device key: the request never reaches the hub
    Future<?> psk = rogue.vertx().eventBus().request(BusAddresses.PRESHARED_KEY, new JsonObject().put("device_id", device.id()), quick);
    assertTrue(failed(psk), "the rogue got an answer with the device's key: " + (psk.succeeded() ? psk.result() : null));

    // no device registered past the admin check
    String wanted = UUID.randomUUID().toString().replace("-", "").substring(0, 24);
    Future<?> provision = rogue.vertx().eventBus().request(HubAddresses.PROVISION_DEVICE, new JsonObject().put("id", wanted), quick);
    assertTrue(failed(provision), "the rogue registered a device");
    assertEquals("0", a.query("SELECT count(*) FROM devices WHERE id = '" + wanted + "'"));

    // no event stored, neither the device's nor one stamped with an account of the rogue's choosing
    String name = "rogue-" + rogue.nodeId().substring(0, 8);
    Future<?> published = rogue.vertx().eventBus().request(BusAddresses.PUBLISH_EVENT,
        new DeviceEvent(device.id(), name, "forged", System.currentTimeMillis(), 60, false),
        new DeliveryOptions(quick).setCodecName(DeviceEventCodec.NAME).addHeader(EventsVerticle.OWNER_HEADER, "1"));
    assertTrue(failed(published), "the hub acknowledged the rogue's event");
    rogue.vertx().eventBus().send(BusAddresses.PUBLISH_EVENT,
        new DeviceEvent(device.id(), name, "forged, qos 0", System.currentTimeMillis(), 60, false),
        new DeliveryOptions().setCodecName(DeviceEventCodec.NAME));

    // and no live event received: A tries to deliver to the rogue's consumer, and cannot
    AtomicInteger received = new AtomicInteger();
    rogue.vertx().eventBus().consumer(HubAddresses.LIVE_EVENTS, message -> received.incrementAndGet())
        .completion().await(10, TimeUnit.SECONDS);
    String control = "control-" + rogue.nodeId().substring(0, 8);
    try (TestDevice onB = TestDevice.connectWhenKnown(vertx, b.mqttPort(), device.id(), device.secret(), WAIT)) {
      TestNode.eventually(WAIT, () -> {
        try {
          onB.publishAcknowledged("e/" + control, Buffer.buffer("x"));
        } catch (Exception e) {
          return false;
        }
        return !deliveryFailuresTo(rogue.nodeId()).isEmpty() || received.get() > 0;
      }, "A tried to deliver a live event to the rogue's consumer");
    }
    assertEquals(0, received.get(), "the rogue received live events");
    // the control went through the same hub: the rogue's event would have been stored if it had arrived
    assertTrue(a.countEvents(device.id(), control) >= 1);
    assertEquals(0, a.countEvents(device.id(), name), "the rogue's events were stored");

    // both real nodes say whom they refused
    TestNode.eventually(WAIT, () -> refusals(rogue.nodeId()).size() >= 2, "A and B each log the rogue as refused");
    for (ILoggingEvent refusal : refusals(rogue.nodeId())) {
      assertEquals(Level.WARN, refusal.getLevel());
      assertTrue(refusal.getFormattedMessage().contains("event-bus: 127.0.0.1:" + rogue.eventBusPort()), refusal.getFormattedMessage());
    }
  }

  private static boolean failed(Future<?> future) {
    try {
      future.await(ROGUE_TIMEOUT_MS * 3, TimeUnit.MILLISECONDS);
      return false;
    } catch (Exception expected) {
      return true;
    }
  }

  private static List<ILoggingEvent> refusals(String nodeId) {
    List<ILoggingEvent> found = new ArrayList<>();
    synchronized (refusals) {
      for (ILoggingEvent event : refusals.list) {
        if (event.getFormattedMessage().startsWith("cluster member refused") && event.getFormattedMessage().contains(nodeId)) {
          found.add(event);
        }
      }
    }
    return found;
  }

  private static List<ILoggingEvent> deliveryFailuresTo(String nodeId) {
    List<ILoggingEvent> found = new ArrayList<>();
    synchronized (failedDeliveries) {
      for (ILoggingEvent event : failedDeliveries.list) {
        if (event.getFormattedMessage().contains(nodeId)) {
          found.add(event);
        }
      }
    }
    return found;
  }

  private static String messages(ListAppender<ILoggingEvent> appender) {
    StringBuilder text = new StringBuilder();
    synchronized (appender) {
      appender.list.forEach(event -> text.append(event.getFormattedMessage()).append('\n'));
    }
    return text.toString();
  }

  private static void capture(String loggerName, ListAppender<ILoggingEvent> appender) {
    appender.start();
    ((Logger) LoggerFactory.getLogger(loggerName)).addAppender(appender);
  }

  private static void release(String loggerName, ListAppender<ILoggingEvent> appender) {
    ((Logger) LoggerFactory.getLogger(loggerName)).detachAppender(appender);
    appender.stop();
  }

  /**
   * A clustered Vert.x that is no Drover node: the plain vertx-hazelcast setup, with the real cluster's
   * name and member list, and the codecs of the bus contract so it could read what it received.
   */
  private record Rogue(Vertx vertx, String nodeId, int eventBusPort) implements AutoCloseable {

    static Rogue join(EventBusOptions eventBus) throws Exception {
      Config config = ConfigUtil.loadConfig();
      config.setClusterName(cluster.name());
      config.setProperty("hazelcast.phone.home.enabled", "false");
      config.setProperty("hazelcast.logging.type", "slf4j");
      config.setProperty("hazelcast.wait.seconds.before.join", "1");
      config.setProperty("hazelcast.local.localAddress", "127.0.0.1");
      NetworkConfig network = config.getNetworkConfig();
      network.setPort(TestCluster.freePort()).setPortAutoIncrement(false);
      network.getInterfaces().setEnabled(true).addInterface("127.0.0.1");
      JoinConfig join = network.getJoin();
      join.getAutoDetectionConfig().setEnabled(false);
      join.getMulticastConfig().setEnabled(false);
      join.getTcpIpConfig().setEnabled(true).setMembers(cluster.memberAddresses());
      HazelcastClusterManager manager = new HazelcastClusterManager(config);
      int port = TestCluster.freePort();
      // a lenient blocked-thread check: the real nodes' strict one must not see the rogue's start-up
      VertxOptions options = new VertxOptions()
          .setEventBusOptions(eventBus.setHost("127.0.0.1").setClusterPublicHost("127.0.0.1").setPort(port))
          .setMaxEventLoopExecuteTime(1).setMaxEventLoopExecuteTimeUnit(TimeUnit.MINUTES);
      Vertx vertx = Vertx.builder().with(options).withClusterManager(manager).buildClustered().await(60, TimeUnit.SECONDS);
      vertx.eventBus().registerCodec(new DeviceEventCodec());
      vertx.eventBus().registerCodec(new io.drover.gateway.contract.SessionNoticeCodec());
      vertx.eventBus().registerCodec(new LiveEventCodec());
      vertx.eventBus().registerCodec(new LiveEventsCodec());
      return new Rogue(vertx, manager.getNodeId(), port);
    }

    @Override
    public void close() throws Exception {
      vertx.close().await(30, TimeUnit.SECONDS);
      TestNode.eventually(WAIT, () -> a.node().cluster().size() == 2, "the rogue left");
    }
  }
}
