import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.map.LocalMapStats;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.UUID;

/**
 * What one session's entry in the cluster's session map ({@code drover.device-sessions}, a Hazelcast
 * IMap behind Vert.x's AsyncMap) costs the cluster's heap: two Hazelcast members in this JVM, with the
 * node's configuration (Vert.x's default cluster configuration, the map's defaults: one backup, binary
 * format), hold N entries shaped as the gateway writes them (a 24-hex-digit device ID to "node-UUID
 * session-ID"). Prints the heap after a full GC before and after, per entry (primary and backup
 * together, over both members), and Hazelcast's own estimate (owned + backup entry memory cost).
 *
 *   java -Xmx2g -cp hub/target/drover.jar load-tests/cluster/SessionEntryCost.java [N (19000)]
 *
 * Loopback only; the members form a cluster of their own (a random cluster name) and stop at the end.
 */
public class SessionEntryCost {

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 19_000;
    String cluster = "entry-cost-" + UUID.randomUUID();
    HazelcastInstance first = Hazelcast.newHazelcastInstance(config(cluster));
    HazelcastInstance second = Hazelcast.newHazelcastInstance(config(cluster));
    try {
      IMap<String, String> map = first.getMap("drover.device-sessions");
      map.put("warm", "up");
      map.remove("warm");
      long before = heapAfterGc();
      String node = UUID.randomUUID().toString();
      String prefix = node.substring(0, 8) + "-";
      for (int i = 0; i < n; i++) {
        String deviceId = String.format("%024x", 0x5eed00000000L + i * 7919L);
        map.put(deviceId, node + ' ' + prefix + Long.toString(i + 1, 36));
      }
      long after = heapAfterGc();
      LocalMapStats a = first.getMap("drover.device-sessions").getLocalMapStats();
      LocalMapStats b = second.getMap("drover.device-sessions").getLocalMapStats();
      long owned = a.getOwnedEntryMemoryCost() + b.getOwnedEntryMemoryCost();
      long backup = a.getBackupEntryMemoryCost() + b.getBackupEntryMemoryCost();
      System.out.printf("entries %d (owned %d + %d, backups %d + %d)%n", map.size(), a.getOwnedEntryCount(), b.getOwnedEntryCount(),
          a.getBackupEntryCount(), b.getBackupEntryCount());
      System.out.printf("heap after full GC: %.1f MiB before, %.1f MiB after: %.0f B per entry (primary and backup, both members)%n",
          before / 1048576.0, after / 1048576.0, (after - before) / (double) n);
      System.out.printf("Hazelcast's estimate: owned %.0f B + backup %.0f B = %.0f B per entry%n",
          owned / (double) n, backup / (double) n, (owned + backup) / (double) n);
    } finally {
      second.shutdown();
      first.shutdown();
    }
  }

  private static Config config(String cluster) {
    Config config = ConfigUtil.loadConfig();
    config.setClusterName(cluster);
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setProperty("hazelcast.logging.type", "none");
    config.setProperty("hazelcast.socket.bind.any", "false");
    config.getNetworkConfig().setPort(15701).setPortAutoIncrement(true);
    config.getNetworkConfig().getInterfaces().setEnabled(true).addInterface("127.0.0.1");
    var join = config.getNetworkConfig().getJoin();
    join.getAutoDetectionConfig().setEnabled(false);
    join.getMulticastConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).addMember("127.0.0.1");
    return config;
  }

  private static long heapAfterGc() throws InterruptedException {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(200);
    }
    return memory.getHeapMemoryUsage().getUsed();
  }
}
