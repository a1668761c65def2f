package io.drover.hub.support;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Drover nodes clustered over loopback with Hazelcast's static member list: each member has a free
 * port reserved up front, the cluster a name of its own (so that two test classes never join each
 * other), and the hub nodes share one fresh database.
 */
public final class TestCluster implements AutoCloseable {

  private final String name = "drover-test-" + UUID.randomUUID();
  private final List<Integer> ports = new ArrayList<>();
  private final String databaseUrl;
  private final List<TestNode> started = new ArrayList<>();

  private TestCluster(int members) throws IOException {
    for (int i = 0; i < members; i++) {
      ports.add(freePort());
    }
    databaseUrl = TestPostgres.newDatabase();
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
    List<String> members = new ArrayList<>();
    for (int port : ports) {
      members.add("127.0.0.1:" + port);
    }
    return List.of(
        "--node.roles=" + roles,
        "--cluster.enabled=true",
        "--cluster.name=" + name,
        "--cluster.host=127.0.0.1",
        "--cluster.port=" + ports.get(index),
        "--cluster.members=" + String.join(",", members),
        "--cluster.heartbeat-timeout-seconds=5");
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
