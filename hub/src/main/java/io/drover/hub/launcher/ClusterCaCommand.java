package io.drover.hub.launcher;

import io.drover.hub.cluster.ClusterCa;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * {@code drover cluster-ca --out DIR --nodes a,b,c [--days N]}: makes the cluster's CA in {@code DIR}
 * (or signs with the one already there, to add nodes later) and a certificate and key per node, and
 * says what it wrote and which options each node needs.
 */
final class ClusterCaCommand {

  static final String NAME = "cluster-ca";
  private static final int DEFAULT_DAYS = 825;

  private ClusterCaCommand() {
  }

  static String usage() {
    return """
        Usage: drover cluster-ca --out DIR --nodes NAME[,NAME...] [--days N]

        Makes the cluster's certificate authority in DIR (ca.crt, and ca.key readable only by you) and,
        for each node, NAME.crt and NAME.key signed by it. When DIR already holds a CA, signs the new
        nodes with it instead (to add a node to a running cluster). Nothing is ever overwritten.
        Node certificates are valid for N days (default %d); the CA for ten years.
        Keep ca.key off the nodes: only this command needs it.
        """.formatted(DEFAULT_DAYS);
  }

  /** @throws ConfigException for a bad argument; the message says which */
  static void run(List<String> args, PrintStream out) throws IOException {
    String outDir = null;
    String nodes = null;
    int days = DEFAULT_DAYS;
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      if (arg.equals("--help") || arg.equals("-h")) {
        out.print(usage());
        return;
      }
      String key;
      String value;
      int equals = arg.indexOf('=');
      if (arg.startsWith("--") && equals > 0) {
        key = arg.substring(2, equals);
        value = arg.substring(equals + 1);
      } else if (arg.startsWith("--") && i + 1 < args.size()) {
        key = arg.substring(2);
        value = args.get(++i);
      } else {
        throw new ConfigException("cluster-ca: unexpected argument '" + arg + "'\n" + usage());
      }
      switch (key) {
        case "out" -> outDir = value;
        case "nodes" -> nodes = value;
        case "days" -> days = days(value);
        default -> throw new ConfigException("cluster-ca: unknown option --" + key + "\n" + usage());
      }
    }
    if (outDir == null || nodes == null || ClusterCa.nodeNames(nodes).isEmpty()) {
      throw new ConfigException("cluster-ca needs --out and --nodes\n" + usage());
    }
    Path dir = Path.of(outDir).toAbsolutePath().normalize();
    // all or nothing: a clash found halfway would leave some nodes signed and others not
    for (String name : ClusterCa.nodeNames(nodes)) {
      try {
        ClusterCa.checkNodeName(name);
      } catch (IllegalArgumentException e) {
        throw new ConfigException("cluster-ca: " + e.getMessage());
      }
      for (String suffix : List.of(".crt", ".key")) {
        if (Files.exists(dir.resolve(name + suffix))) {
          throw new ConfigException("cluster-ca: " + dir.resolve(name + suffix) + " exists already; move it away first (nothing is overwritten)");
        }
      }
    }
    ClusterCa ca;
    if (Files.exists(dir.resolve(ClusterCa.CA_CERT)) && Files.exists(dir.resolve(ClusterCa.CA_KEY))) {
      ca = ClusterCa.load(dir);
      out.println("signing with the CA already in " + dir + " (" + ca.certificate().getSubjectX500Principal().getName() + ")");
    } else {
      ca = ClusterCa.create("Drover cluster CA " + java.time.LocalDate.now());
      for (Path written : ca.writeTo(dir)) {
        out.println("wrote " + written);
      }
    }
    for (String name : ClusterCa.nodeNames(nodes)) {
      ClusterCa.NodeFiles files = ca.issue(name, Duration.ofDays(days), dir);
      out.println("wrote " + files.certificate() + " and " + files.key() + " for node " + name);
    }
    out.printf("""

        Copy to each node its NAME.crt, NAME.key and ca.crt (not ca.key), and start it with
          --cluster.tls-cert-file=NAME.crt --cluster.tls-key-file=NAME.key --cluster.tls-ca-file=ca.crt
        Node certificates expire in %d days: make new ones with this command before then.
        """, days);
  }

  private static int days(String value) {
    try {
      int days = Integer.parseInt(value.trim());
      if (days >= 1 && days <= 36_500) {
        return days;
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw new ConfigException("cluster-ca: --days must be a whole number from 1 to 36500, not '" + value + "'");
  }
}
