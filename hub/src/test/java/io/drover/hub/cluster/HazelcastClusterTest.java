package io.drover.hub.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.config.Config;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The cluster's settings as Hazelcast and the clustered event bus receive them, without starting either. */
class HazelcastClusterTest {

  private static final ClusterSettings.Tls TLS = new ClusterSettings.Tls(Path.of("/etc/drover/a.crt"), Path.of("/etc/drover/a.key"),
      Path.of("/etc/drover/ca.crt"));

  @Test
  void hazelcastListensOnClusterHostOnlyNeverOnEveryInterface() {
    Config config = HazelcastCluster.hazelcastConfig(settings("10.0.0.11"), NodeRoles.BOTH);

    assertEquals("false", config.getProperty("hazelcast.socket.bind.any"));
    assertTrue(config.getNetworkConfig().getInterfaces().isEnabled());
    assertEquals(List.of("10.0.0.11"), List.copyOf(config.getNetworkConfig().getInterfaces().getInterfaces()));
  }

  @Test
  void withoutAHostHazelcastStillBindsOnlyTheAddressItPicks() {
    Config config = HazelcastCluster.hazelcastConfig(settings(""), NodeRoles.BOTH);

    assertEquals("false", config.getProperty("hazelcast.socket.bind.any"));
  }

  /**
   * The clustered event bus makes its server and client from a JSON copy of these options
   * ({@code new NetServerOptions(options.toJson())}): what does not survive the copy is not applied.
   */
  @Test
  void theEventBusRequiresAClientCertificateAndTrustsOnlyTheClusterCaAfterVertxCopiesItsOptions() {
    EventBusOptions eventBus = new EventBusOptions();
    HazelcastCluster.secure(eventBus, TLS);

    NetServerOptions server = new NetServerOptions(eventBus.toJson());
    assertTrue(server.isSsl());
    assertEquals(ClientAuth.REQUIRED, server.getClientAuth());
    assertEquals(List.of("/etc/drover/ca.crt"), ((PemTrustOptions) server.getTrustOptions()).getCertPaths());
    assertEquals(List.of("/etc/drover/a.crt"), ((PemKeyCertOptions) server.getKeyCertOptions()).getCertPaths());
    assertEquals(Set.of("TLSv1.3"), server.getEnabledSecureTransportProtocols());

    NetClientOptions client = new NetClientOptions(eventBus.toJson());
    assertTrue(client.isSsl());
    assertFalse(client.isTrustAll());
    assertEquals(List.of("/etc/drover/ca.crt"), ((PemTrustOptions) client.getTrustOptions()).getCertPaths());
    assertEquals(List.of("/etc/drover/a.key"), ((PemKeyCertOptions) client.getKeyCertOptions()).getKeyPaths());
  }

  private static ClusterSettings settings(String host) {
    return new ClusterSettings(true, "drover-test", host, 5701, List.of("10.0.0.11:5701"), false, 0, Duration.ofSeconds(15), TLS);
  }
}
