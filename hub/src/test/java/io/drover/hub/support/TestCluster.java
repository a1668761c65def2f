package io.drover.hub.support;

import io.drover.hub.cluster.ClusterCa;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Drover nodes clustered over loopback with Hazelcast's static member list: each member has a free
 * port reserved up front, the cluster a name of its own (so that two test classes never join each
 * other), and the hub nodes share one fresh database. The cluster's CA is made by the same code as
 * {@code drover cluster-ca}, and each member gets a certificate of its own, as in production.
 */
public final class TestCluster implements AutoCloseable {

  private final String name = "drover-test-" + UUID.randomUUID();
  private final List<Integer> ports = new ArrayList<>();
  private final String databaseUrl;
  /** Hub nodes share it, as operations.md asks: a device's key sealed by one must open on another. */
  private final java.nio.file.Path masterKey;
  private final List<TestNode> started = new ArrayList<>();
  /** ca.crt, ca.key and member-N.crt/.key for every member. */
  private final Path certificates;

  private TestCluster(int members) throws IOException {
    certificates = Files.createTempDirectory("drover-cluster-ca");
    ClusterCa ca = ClusterCa.create("Drover test cluster CA");
    ca.writeTo(certificates);
    for (int i = 0; i < members; i++) {
      ports.add(freePort());
      ca.issue(memberName(i), Duration.ofDays(1), certificates);
    }
    databaseUrl = TestPostgres.newDatabase();
    masterKey = java.nio.file.Files.createTempDirectory("drover-cluster-key").resolve("master-key");
  }

  private static String memberName(int index) {
    return "member-" + index;
  }

  public static TestCluster of(int members) throws IOException {
    return new TestCluster(members);
  }

  /** Starts member {@code index} in this JVM with {@code roles} ("hub", "gateway" or "hub,gateway"). */
  public TestNode start(int index, String roles, String... extraFlags) throws IOException {
    List<String> flags = new ArrayList<>(memberFlags(index, roles));
    flags.addAll(List.of(extraFlags));
    TestNode node = TestNode.startMember(roles.contains("hub") ? databaseUrl : null, flags);
    started.add(node);
    return node;
  }

  /** The cluster flags of member {@code index}, also for a member started in a process of its own. */
  public List<String> memberFlags(int index, String roles) {
    List<String> members = memberAddresses();
    return List.of(
        "--node.roles=" + roles,
        "--cluster.enabled=true",
        "--cluster.name=" + name,
        "--cluster.host=127.0.0.1",
        "--cluster.port=" + ports.get(index),
        "--cluster.members=" + String.join(",", members),
        "--cluster.heartbeat-timeout-seconds=5",
        "--cluster.tls-cert-file=" + certificates.resolve(memberName(index) + ".crt"),
        "--cluster.tls-key-file=" + certificates.resolve(memberName(index) + ".key"),
        "--cluster.tls-ca-file=" + certificates.resolve(ClusterCa.CA_CERT),
        "--secrets.master-key-file=" + masterKey);
  }

  /** The cluster's name, which an attacker who reaches the Hazelcast port is assumed to know. */
  public String name() {
    return name;
  }

  /** Every member's Hazelcast address, {@code 127.0.0.1:port}. */
  public List<String> memberAddresses() {
    List<String> members = new ArrayList<>();
    for (int port : ports) {
      members.add("127.0.0.1:" + port);
    }
    return members;
  }

  /** The directory with the cluster CA ({@code ca.crt}, {@code ca.key}) and each member's certificate and key. */
  public Path certificates() {
    return certificates;
  }

  public String databaseUrl() {
    return databaseUrl;
  }

  /** Stops the members still running, the last started first. */
  @Override
  public void close() {
    for (int i = started.size() - 1; i >= 0; i--) {
      started.get(i).close();
    }
  }

  public static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
