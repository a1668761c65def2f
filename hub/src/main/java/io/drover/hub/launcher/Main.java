package io.drover.hub.launcher;

import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code java -jar drover.jar [--key=value ...]}: runs a node; {@code --help} lists the options.
 * {@code java -jar drover.jar cluster-ca ...} makes the cluster's certificates instead, and
 * {@code java -jar drover.jar admin create ...} an administrator.
 */
public final class Main {

  private static final Logger LOG = LoggerFactory.getLogger(Main.class);

  private Main() {
  }

  public static void main(String[] args) {
    if (args.length > 0 && args[0].equals(ClusterCaCommand.NAME)) {
      try {
        ClusterCaCommand.run(List.of(args).subList(1, args.length), System.out);
      } catch (ConfigException e) {
        System.err.println("drover: " + e.getMessage());
        System.exit(2);
      } catch (java.io.IOException e) {
        System.err.println("drover: cluster-ca failed: " + e.getMessage());
        System.exit(1);
      }
      return;
    }
    if (args.length > 0 && args[0].equals(ParticleServerKeyCommand.NAME)) {
      try {
        ParticleServerKeyCommand.run(List.of(args).subList(1, args.length), System.out);
      } catch (ConfigException e) {
        System.err.println("drover: " + e.getMessage());
        System.exit(2);
      } catch (java.io.IOException | RuntimeException e) {
        System.err.println("drover: particle-server-key failed: " + e.getMessage());
        System.exit(1);
      }
      return;
    }
    if (args.length > 0 && args[0].equals(AdminCommand.NAME)) {
      try {
        AdminCommand.run(List.of(args).subList(1, args.length), System.getenv(), Main::readPassword, System.out);
      } catch (ConfigException e) {
        System.err.println("drover: " + e.getMessage());
        System.exit(2);
      } catch (RuntimeException e) {
        System.err.println("drover: admin failed: " + e.getMessage());
        System.exit(1);
      }
      // the embedded PostgreSQL's helper threads need not keep the JVM up once the work is done
      System.exit(0);
    }
    NodeConfig config;
    try {
      ConfigSources sources = ConfigSources.read(List.of(args), System.getenv());
      if (sources.helpRequested()) {
        System.out.print(help());
        return;
      }
      config = NodeConfig.from(sources);
    } catch (ConfigException e) {
      System.err.println("drover: bad configuration: " + e.getMessage());
      System.exit(2);
      return;
    }
    Node node;
    try {
      node = Node.start(config);
    } catch (RuntimeException e) {
      LOG.error("node did not start: {}", e.getMessage(), e);
      System.exit(1);
      return;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(node::stop, "drover-shutdown"));
  }

  /** Asks twice on a terminal; in a script, reads the first line of standard input. */
  private static String readPassword() {
    java.io.Console console = System.console();
    if (console != null) {
      char[] first = console.readPassword("Password of the new administrator (8 to 256 characters): ");
      char[] again = console.readPassword("The same password again: ");
      if (first == null || again == null || !java.util.Arrays.equals(first, again)) {
        throw new ConfigException("admin create: the two passwords differ");
      }
      return new String(first);
    }
    try {
      String line = new java.io.BufferedReader(new java.io.InputStreamReader(System.in, java.nio.charset.StandardCharsets.UTF_8)).readLine();
      if (line == null) {
        throw new ConfigException("admin create: no password on standard input");
      }
      return line;
    } catch (java.io.IOException e) {
      throw new ConfigException("admin create: cannot read the password from standard input: " + e.getMessage());
    }
  }

  static String help() {
    StringBuilder text = new StringBuilder("""
        Usage: drover [--config FILE] [--key=value ...]
               drover cluster-ca --out DIR --nodes NAME[,NAME...]   (see drover cluster-ca --help)
               drover admin create --username EMAIL [--key=value ...]   (see drover admin --help)
               drover particle-server-key --address HOST --out FILE   (see drover particle-server-key --help)

        Runs a Drover node: the HTTP API and the MQTT device listener, with an embedded PostgreSQL
        unless database.url names an external one. Each option can also come from a JSON config file
        (--config, or DROVER_CONFIG) or an environment variable; flags win over the environment, which
        wins over the file.

        """);
    for (ConfigOption option : ConfigOption.ALL) {
      text.append(String.format("  --%-34s %s%n", option.key() + "=" + (option.defaultValue().isEmpty() ? "\"\"" : option.defaultValue()), option.description()));
      text.append(String.format("    %-34s (environment: %s)%n", "", option.environmentVariable()));
    }
    return text.toString();
  }
}
