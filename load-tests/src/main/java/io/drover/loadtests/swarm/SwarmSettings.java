package io.drover.loadtests.swarm;

import io.drover.loadtests.CommandLine;
import io.drover.loadtests.LoopbackTarget;
import java.nio.file.Path;
import java.time.Duration;

/**
 * What one swarm process does, read once from the command line.
 *
 * @param offset devices to skip at the start of the credentials file, so that several swarm processes
 *     can share one file without two of them using the same device
 * @param connectsInFlight CONNECTs sent but not yet answered by a CONNACK, over the whole swarm
 * @param eventLoops client event loops; the devices are split evenly between them
 * @param hold longest time the devices stay connected after the last CONNACK
 * @param stopFile when this file appears, the hold ends early (the driver script's signal)
 * @param readyFile written (as JSON: connected, failed) when every CONNECT has been answered
 * @param deadline the whole run, connects and disconnects included: past it the process exits anyway
 * @param answerCalls each device subscribes to {@code c/#}, declares {@link DeviceCalls#DESCRIPTION} and
 *     answers function calls and variable reads, so that the API's calls reach live devices
 */
public record SwarmSettings(
    String host,
    int port,
    Path credentialsFile,
    int offset,
    int count,
    int connectsInFlight,
    int eventLoops,
    Duration connectTimeout,
    int keepAliveSeconds,
    Duration hold,
    PublishPlan publishing,
    Path readyFile,
    Path stopFile,
    Duration deadline,
    boolean answerCalls) {

  static final String HELP = """
      Usage: java -jar drover-swarm.jar swarm --port P --credentials FILE --count N [options]

        --host H                  server address, loopback only (default 127.0.0.1)
        --port P                  MQTT port
        --credentials FILE        one 'device-id secret' per line (the provision command writes it)
        --offset K                skip the first K devices of the file (default 0)
        --count N                 devices to connect, at most 19000 per process (open-files limit)
        --in-flight C             CONNECTs awaiting their CONNACK at once (default 100)
        --event-loops L           client event loops (default 1)
        --connect-timeout-s S     a CONNECT without CONNACK after S seconds fails (default 30)
        --keep-alive-s S          MQTT keep-alive (default 60)
        --hold-s S                stay connected at most S seconds after the last CONNACK (default 0)
        --stop-file FILE          end the hold early when FILE exists
        --ready-file FILE         write {"connected":..,"failed":..} here once all CONNECTs are answered
        --rate R                  total events per second while holding (default 0: none)
        --qos Q                   0 or 1 (default 1); QoS 1 latency is PUBLISH to PUBACK
        --payload-bytes B         event data size, at most 1024 (default 200)
        --event-name NAME         events go to e/NAME (default load)
        --stamp-payload true      start each payload with its publish time in microseconds since the
                                  epoch (16 digits and a space), for the listen command's latency
        --max-in-flight-per-device M  unacknowledged QoS 1 events per device (default 10)
        --deadline-s S            the process exits after S seconds whatever happens (default hold + 600)
        --answer-calls true       subscribe to c/#, declare the function 'led' and the variables 'temp'
                                  (double) and 'uptime' (int), and answer calls and reads (default false)

      A credentials line may hold a third field, a claim code: the device reports it
      (e/spark/device/claim/code, QoS 1) once connected, so that the code's account claims it.
      """;

  public SwarmSettings {
    if (offset < 0 || count < 1) {
      throw new IllegalArgumentException("offset must be >= 0 and count >= 1");
    }
  }

  public static SwarmSettings from(CommandLine args) {
    String host = LoopbackTarget.require(args.text("host", "127.0.0.1"), "host");
    int holdSeconds = args.integer("hold-s", 0, 0, 24 * 3600);
    SwarmSettings settings = new SwarmSettings(
        host,
        args.integer("port", 1883, 1, 65535),
        args.requiredPath("credentials"),
        args.integer("offset", 0, 0, Integer.MAX_VALUE),
        args.integer("count", 0, 1, 19_000),
        args.integer("in-flight", 100, 1, 10_000),
        args.integer("event-loops", 1, 1, 64),
        Duration.ofSeconds(args.integer("connect-timeout-s", 30, 1, 600)),
        args.integer("keep-alive-s", 60, 0, 65535),
        Duration.ofSeconds(holdSeconds),
        new PublishPlan(
            args.decimal("rate", 0, 0, 10_000_000),
            args.integer("qos", 1, 0, 1),
            args.integer("payload-bytes", 200, 0, 1024),
            args.text("event-name", "load"),
            args.integer("max-in-flight-per-device", 10, 1, 65535),
            args.bool("stamp-payload", false)),
        args.optionalPath("ready-file"),
        args.optionalPath("stop-file"),
        Duration.ofSeconds(args.integer("deadline-s", holdSeconds + 600, 1, 48 * 3600)),
        args.bool("answer-calls", false));
    args.requireAllRead();
    return settings;
  }
}
