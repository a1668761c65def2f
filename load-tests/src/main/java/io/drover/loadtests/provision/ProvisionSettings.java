package io.drover.loadtests.provision;

import io.drover.loadtests.CommandLine;
import io.drover.loadtests.LoopbackTarget;
import java.nio.file.Path;
import java.time.Duration;

/**
 * What one provisioning run does, read once from the command line.
 *
 * @param concurrency registration requests awaiting their answer at once
 * @param deadline the whole run; past it the registrations still missing are counted as failed
 */
public record ProvisionSettings(String host, int port, Path tokenFile, int count, int concurrency, Path output, Duration deadline) {

  static final String HELP = """
      Usage: java -jar drover-swarm.jar provision --port P --token-file FILE --count N --out FILE [options]

        --host H            node's HTTP address, loopback only (default 127.0.0.1)
        --port P            node's HTTP port
        --token-file FILE   the admin token (the node writes DATA-DIR/admin-token on first start)
        --count N           devices to register
        --concurrency C     requests in flight (default 32)
        --out FILE          written with one 'device-id secret' per registered device
        --deadline-s S      give up after S seconds (default 600)
      """;

  static ProvisionSettings from(CommandLine args) {
    ProvisionSettings settings = new ProvisionSettings(
        LoopbackTarget.require(args.text("host", "127.0.0.1"), "host"),
        args.integer("port", 8080, 1, 65535),
        args.requiredPath("token-file"),
        args.integer("count", 0, 1, 10_000_000),
        args.integer("concurrency", 32, 1, 1000),
        args.requiredPath("out"),
        Duration.ofSeconds(args.integer("deadline-s", 600, 1, 24 * 3600)));
    args.requireAllRead();
    return settings;
  }
}
