package io.drover.loadtests.console;

import io.drover.loadtests.CommandLine;
import io.drover.loadtests.LoopbackTarget;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * {@code console-setup} makes the accounts, product and device identities of the Gatling console
 * simulation ({@link ConsoleSetup#run}); {@code console-ready} waits until the swarm's devices are
 * claimed and online ({@link ConsoleSetup#awaitClaimed}). Each prints one JSON line.
 */
public final class ConsoleSetupCommand {

  static final String HELP = """
      Usage: java -jar drover-swarm.jar console-setup --port P --token-file FILE --out DIR [options]
             java -jar drover-swarm.jar console-ready --port P --out DIR --devices-per-user K [--timeout-s S]

        --host H                node address, loopback only (default 127.0.0.1)
        --port P                node's HTTP port
        --token-file FILE       the bootstrap admin token (DATA-DIR/admin-token); the node must have no
                                administrator yet
        --out DIR               where users.csv, managers.csv, devices.txt and tokens.txt go
        --users N               ordinary accounts (default 20)
        --devices-per-user K    devices each account claims through the swarm (default 3, at most 100)
        --managers M            fleet managers: node administrators who page the product (default 2)
        --product-devices D     devices imported into the product, 26 to 10000 (default 1000)
        --concurrency C         set-up requests at once (default 8)
        --timeout-s S           console-ready: how long to wait (default 120)
      """;

  private ConsoleSetupCommand() {
  }

  public static int setUp(CommandLine args) {
    if (args.helpRequested()) {
      System.err.print(HELP);
      return 0;
    }
    String host = LoopbackTarget.require(args.text("host", "127.0.0.1"), "host");
    int port = args.integer("port", 8080, 1, 65535);
    Path tokenFile = args.requiredPath("token-file");
    Path out = args.requiredPath("out");
    int users = args.integer("users", 20, 1, 100_000);
    int perUser = args.integer("devices-per-user", 3, 1, 100);
    int managers = args.integer("managers", 2, 1, 1000);
    int productDevices = args.integer("product-devices", 1000, 26, ConsoleSetup.MAX_PRODUCT_DEVICES);
    int concurrency = args.integer("concurrency", 8, 1, 256);
    args.requireAllRead();
    String token;
    try {
      token = Files.readString(tokenFile, StandardCharsets.US_ASCII).strip();
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read the admin token " + tokenFile + ": " + e.getMessage(), e);
    }
    ConsoleSetup.Result result = new ConsoleSetup(host, port, token, concurrency).run(users, perUser, managers, productDevices, out);
    System.out.println(result.toJson().encode());
    return 0;
  }

  public static int awaitReady(CommandLine args) {
    if (args.helpRequested()) {
      System.err.print(HELP);
      return 0;
    }
    String host = LoopbackTarget.require(args.text("host", "127.0.0.1"), "host");
    int port = args.integer("port", 8080, 1, 65535);
    Path out = args.requiredPath("out");
    int perUser = args.integer("devices-per-user", 3, 1, 100);
    Duration timeout = Duration.ofSeconds(args.integer("timeout-s", 120, 1, 3600));
    args.requireAllRead();
    long start = System.nanoTime();
    try {
      int ready = new ConsoleSetup(host, port, null, 1).awaitClaimed(out, perUser, timeout);
      System.out.println(new JsonObject().put("claimedOnline", ready)
          .put("seconds", Math.round((System.nanoTime() - start) / 1e6) / 1000.0).encode());
      return 0;
    } catch (IllegalStateException e) {
      System.err.println("drover-swarm console-ready: " + e.getMessage());
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 3;
    }
  }
}
