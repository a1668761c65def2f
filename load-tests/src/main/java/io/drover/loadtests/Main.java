package io.drover.loadtests;

import io.drover.loadtests.coap.BaselineCommand;
import io.drover.loadtests.coap.CoapSwarmCommand;
import io.drover.loadtests.console.ConsoleSetupCommand;
import io.drover.loadtests.dblimit.DbLimitCommand;
import io.drover.loadtests.listen.ListenCommand;
import io.drover.loadtests.provision.ProvisionCommand;
import io.drover.loadtests.swarm.SwarmCommand;
import java.util.Arrays;
import java.util.List;

/**
 * {@code java -jar drover-swarm.jar COMMAND [--key value ...]}. Every command prints its result as one
 * JSON line on standard output; progress and warnings go to standard error.
 */
public final class Main {

  private static final String USAGE = """
      Usage: java -jar drover-swarm.jar COMMAND [--key value ...]

      Commands:
        provision  registers devices through POST /v1/admin/devices and writes 'id secret' lines
        swarm      connects devices over MQTT, holds them, optionally publishes, reports latencies
        coap-swarm devices over CoAP/DTLS PSK: handshakes, holds, confirmable POSTs, reports latencies
        coap-baseline  a bare Californium DTLS PSK server answering POST /e/{name} with 2.04 at once
        listen     counts the events reaching an MQTT subscriber or a Drover event stream, with the
                   latency from publish to receipt of payloads the swarm stamped
        db-limit   a bare loop committing batches of event rows into a node's PostgreSQL (INSERT or COPY)
        console-setup  accounts, a product and claim codes for the Gatling console simulation
        console-ready  waits until the swarm's devices are claimed by those accounts and online

      Run a command with --help for its options. Targets must be loopback addresses.
      """;

  private Main() {
  }

  public static void main(String[] args) {
    System.exit(run(args));
  }

  static int run(String[] args) {
    if (args.length == 0 || args[0].equals("--help")) {
      System.err.print(USAGE);
      return args.length == 0 ? 2 : 0;
    }
    List<String> options = Arrays.asList(args).subList(1, args.length);
    try {
      return switch (args[0]) {
        case "provision" -> ProvisionCommand.run(CommandLine.parse(options));
        case "swarm" -> SwarmCommand.run(CommandLine.parse(options));
        case "coap-swarm" -> CoapSwarmCommand.run(CommandLine.parse(options));
        case "coap-baseline" -> BaselineCommand.run(CommandLine.parse(options));
        case "listen" -> ListenCommand.run(CommandLine.parse(options));
        case "db-limit" -> DbLimitCommand.run(CommandLine.parse(options));
        case "console-setup" -> ConsoleSetupCommand.setUp(CommandLine.parse(options));
        case "console-ready" -> ConsoleSetupCommand.awaitReady(CommandLine.parse(options));
        default -> {
          System.err.print("unknown command '" + args[0] + "'\n\n" + USAGE);
          yield 2;
        }
      };
    } catch (IllegalArgumentException e) {
      System.err.println("drover-swarm " + args[0] + ": " + e.getMessage());
      return 2;
    }
  }
}
