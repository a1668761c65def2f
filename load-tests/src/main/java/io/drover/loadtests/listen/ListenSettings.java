package io.drover.loadtests.listen;

import io.drover.loadtests.CommandLine;
import io.drover.loadtests.LoopbackTarget;
import java.nio.file.Path;
import java.time.Duration;

/**
 * What one listen process does, read once from the command line: either an MQTT subscription
 * ({@code topic} set) or a Server-Sent Events stream ({@code path} and {@code tokenFile} set).
 *
 * @param readyFile written once events can arrive (SUBACK received, or the stream opened)
 * @param stopFile once it exists, the listener ends as soon as nothing has arrived for {@code quiet}
 * @param deadline the whole run: past it the process ends anyway
 */
public record ListenSettings(
    String host,
    int port,
    String topic,
    String path,
    Path tokenFile,
    Path readyFile,
    Path stopFile,
    Duration quiet,
    Duration deadline) {

  static final String HELP = """
      Usage: java -jar drover-swarm.jar listen (--topic T | --path P --token-file F) --port P [options]

      Counts the events that reach a subscriber and, for payloads the swarm stamped (--stamp-payload true),
      the latency from publish to receipt. Prints one JSON line when it ends.

        --host H                  server address, loopback only (default 127.0.0.1)
        --port P                  the MQTT port (with --topic) or the HTTP port (with --path)
        --topic T                 subscribe anonymously at QoS 0 to the topic filter T over MQTT 3.1.1
        --path P                  read the Server-Sent Events stream GET P (Drover: /v1/devices/events/NAME)
        --token-file F            the bearer token for --path (Drover: DATA_DIR/admin-token)
        --ready-file FILE         write {"ready":true} once events can arrive
        --stop-file FILE          once FILE exists, end when nothing has arrived for --quiet-ms
        --quiet-ms Q              (default 2000)
        --deadline-s S            end after S seconds whatever happens (default 3600)
      """;

  public ListenSettings {
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("--port is required");
    }
    if ((topic == null) == (path == null)) {
      throw new IllegalArgumentException("give either --topic or --path");
    }
    if (path != null && tokenFile == null) {
      throw new IllegalArgumentException("--path needs --token-file");
    }
  }

  boolean sse() {
    return path != null;
  }

  static ListenSettings from(CommandLine args) {
    ListenSettings settings = new ListenSettings(
        LoopbackTarget.require(args.text("host", "127.0.0.1"), "host"),
        args.integer("port", 0, 1, 65535),
        args.text("topic", null),
        args.text("path", null),
        args.optionalPath("token-file"),
        args.optionalPath("ready-file"),
        args.optionalPath("stop-file"),
        Duration.ofMillis(args.integer("quiet-ms", 2000, 1, 600_000)),
        Duration.ofSeconds(args.integer("deadline-s", 3600, 1, 48 * 3600)));
    args.requireAllRead();
    return settings;
  }
}
