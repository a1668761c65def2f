package io.drover.loadtests.coap;

import io.drover.loadtests.CommandLine;
import io.drover.loadtests.LoopbackTarget;
import io.drover.loadtests.swarm.DeviceCredentials;
import io.drover.loadtests.swarm.LatencyHistogram;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code coap-swarm}: N devices, each with its own DTLS 1.2 PSK session to one server, then
 * confirmable POSTs at an offered rate (or as fast as a set of senders can go) for a bounded time.
 *
 * <p>A DTLS client connector holds one session per server address, so each device has its own UDP
 * socket (one open file) and its own Scandium connector, whose own threads are its receiver and its
 * timer; the handshakes and the CoAP stacks run on executors the whole swarm shares.
 *
 * <p>The rate reported is of the 2.04 answers that arrived within the request window, over its
 * length; at an offered rate, latencies count from each request's scheduled time (see {@link #paced}). With the 20,000 open-files
 * limit a process holds at most about 19,000 devices; the scripts run several processes.
 */
public final class CoapSwarmCommand {

  private static final String HELP = """
      Usage: java -jar drover-swarm.jar coap-swarm --port P --devices FILE [options]

        --host H                 server address, loopback only (default: 127.0.0.1)
        --port P                 the server's DTLS (coaps) UDP port
        --devices FILE           'id secret' lines (from provision): PSK identity and key (ASCII)
        --offset N               devices to skip in the file (default: 0)
        --count N                devices, one DTLS session each (default: 1000, at most 19000)
        --handshakes-in-flight N handshakes under way at once (default: 32)
        --handshake-timeout-ms T one handshake (a CoAP ping over a new session) (default: 15000)
        --rate R                 confirmable POSTs per second offered on a fixed schedule, handed to
                                 the senders in turn; a sender with a request in flight queues the
                                 next behind it, and every latency counts from the scheduled time;
                                 0 sends as fast as the senders get answers (default: 0)
        --senders N              devices that send; each has one request in flight at most (default: 1000)
        --duration-s S           seconds of requests; 0 only shakes hands and holds (default: 0)
        --drain-s S              after the requests, seconds to wait for answers (default: 10)
        --payload-bytes N        POST body size (default: 32)
        --ready-file FILE        created once the handshakes (and requests) are done
        --window-files PREFIX    PREFIX.start created as the requests start, PREFIX.end as their
                                 window ends (before the drain): a script samples CPU between them
        --stop-file FILE         then held until this file exists ...
        --hold-s S               ... or this many seconds pass (default: 0)
      """;

  private CoapSwarmCommand() {
  }

  public static int run(CommandLine options) {
    if (options.helpRequested()) {
      System.err.print(HELP);
      return 0;
    }
    String host = LoopbackTarget.require(options.text("host", "127.0.0.1"), "host");
    int port = options.integer("port", 0, 1, 65_535);
    Path file = options.requiredPath("devices");
    int offset = options.integer("offset", 0, 0, 10_000_000);
    int count = options.integer("count", 1000, 1, 19_000);
    int inFlight = options.integer("handshakes-in-flight", 32, 1, 1000);
    int handshakeTimeoutMs = options.integer("handshake-timeout-ms", 15_000, 100, 120_000);
    double rate = options.decimal("rate", 0, 0, 1_000_000);
    int senders = Math.min(count, options.integer("senders", 1000, 1, 19_000));
    int durationS = options.integer("duration-s", 0, 0, 3600);
    int drainS = options.integer("drain-s", 10, 0, 300);
    int payloadBytes = options.integer("payload-bytes", 32, 0, 1024);
    Path readyFile = options.optionalPath("ready-file");
    String windowFiles = options.text("window-files", "");
    Path stopFile = options.optionalPath("stop-file");
    int holdS = options.integer("hold-s", 0, 0, 86_400);
    options.requireAllRead();

    List<DeviceCredentials> credentials = DeviceCredentials.read(file, offset, count);
    ScheduledExecutorService main = Executors.newScheduledThreadPool(2, daemon("coap-main"));
    ScheduledExecutorService secondary = Executors.newScheduledThreadPool(1, daemon("coap-timer"));
    ExecutorService dtls = Executors.newFixedThreadPool(2, daemon("dtls"));
    String uri = "coaps://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;

    // 1. sessions: every device gets its socket and connector, then shakes hands (a CoAP ping over a
    // new DTLS session), a bounded number at once; only the handshakes are timed
    List<SwarmDevice> created = new ArrayList<>(count);
    ExecutorService shakers = Executors.newFixedThreadPool(inFlight, daemon("handshake"));
    List<java.util.concurrent.Future<SwarmDevice>> starting = new ArrayList<>(count);
    for (DeviceCredentials device : credentials) {
      starting.add(shakers.submit(() -> new SwarmDevice(device, uri, main, secondary, dtls)));
    }
    AtomicInteger handshakeFailures = new AtomicInteger();
    for (java.util.concurrent.Future<SwarmDevice> f : starting) {
      try {
        created.add(f.get());
      } catch (Exception e) {
        handshakeFailures.incrementAndGet();
        System.err.println("coap-swarm: a device failed to start: " + e);
      }
    }
    List<SwarmDevice> devices = new ArrayList<>(count);
    LatencyHistogram handshakes = new LatencyHistogram();
    long handshakeStart = System.nanoTime();
    List<java.util.concurrent.Future<SwarmDevice>> pending = new ArrayList<>(count);
    for (SwarmDevice d : created) {
      pending.add(shakers.submit(() -> {
        long start = System.nanoTime();
        if (d.handshake(handshakeTimeoutMs)) {
          synchronized (handshakes) {
            handshakes.recordNanos(System.nanoTime() - start);
          }
          return d;
        }
        handshakeFailures.incrementAndGet();
        d.close();
        return null;
      }));
    }
    for (java.util.concurrent.Future<SwarmDevice> f : pending) {
      try {
        SwarmDevice d = f.get();
        if (d != null) {
          devices.add(d);
        }
      } catch (Exception e) {
        handshakeFailures.incrementAndGet();
        System.err.println("coap-swarm: a handshake failed: " + e);
      }
    }
    shakers.shutdown();
    double handshakeSeconds = (System.nanoTime() - handshakeStart) / 1e9;
    System.err.printf(Locale.ROOT, "coap-swarm: %d sessions held, %d handshakes failed, %.1f s%n", devices.size(),
        handshakeFailures.get(), handshakeSeconds);

    // 2. confirmable POSTs
    RequestStats stats = new RequestStats();
    double requestSeconds = 0;
    long due = 0;
    long notSent = 0;
    int activeSenders = Math.min(senders, devices.size());
    if (durationS > 0 && activeSenders > 0) {
      byte[] payload = new byte[payloadBytes];
      java.util.Arrays.fill(payload, (byte) 'x');
      List<SwarmDevice> sending = devices.subList(0, activeSenders);
      long start = System.nanoTime();
      long deadline = start + TimeUnit.SECONDS.toNanos(durationS);
      stats.window(deadline);
      touch(windowFile(windowFiles, "start"));
      if (rate > 0) {
        due = paced(sending, rate, start, deadline, payload, stats);
      } else {
        for (SwarmDevice d : sending) {
          d.sendLoop(payload, stats, deadline);
        }
        sleepUntil(deadline);
      }
      requestSeconds = (System.nanoTime() - start) / 1e9;
      touch(windowFile(windowFiles, "end"));
      long drainUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(drainS);
      while ((stats.outstanding() > 0 || backlog(sending) > 0) && System.nanoTime() < drainUntil) {
        sleepMillis(20);
      }
      notSent = backlog(sending);
      if (rate <= 0) {
        due = stats.sent.get();
      }
    }

    // 3. hold
    touch(readyFile);
    long holdUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(holdS);
    while (System.nanoTime() < holdUntil && (stopFile == null || !Files.exists(stopFile))) {
      sleepMillis(100);
    }

    System.out.println(report(count, devices.size(), handshakeFailures.get(), handshakeSeconds, handshakes, rate,
        activeSenders, durationS, requestSeconds, due, notSent, stats));
    System.out.flush();
    return 0;
  }

  /**
   * Offered load on a fixed schedule: the k-th request is due at start + k / rate, goes to the next
   * sender in turn, and is timed from that due time however late it leaves (the pacer's own lateness
   * and the wait behind the sender's previous request included), so a slow answer does not thin out
   * the load it is measured under. Returns how many requests were due.
   */
  private static long paced(List<SwarmDevice> senders, double rate, long start, long deadline, byte[] payload,
      RequestStats stats) {
    long issued = 0;
    int next = 0;
    while (true) {
      long now = System.nanoTime();
      long due = (long) (rate * (Math.min(now, deadline) - start) / 1e9);
      while (issued < due) {
        long intended = start + (long) (issued * 1e9 / rate);
        issued++;
        SwarmDevice d = senders.get(next);
        next = (next + 1) % senders.size();
        if (!d.offer(intended, payload, stats)) {
          stats.queued.incrementAndGet();
        }
      }
      if (now >= deadline) {
        return issued;
      }
      sleepMillis(1);
    }
  }

  private static String report(int asked, int held, int failed, double handshakeSeconds, LatencyHistogram hs, double rate,
      int senders, int durationS, double requestSeconds, long due, long notSent, RequestStats s) {
    LatencyHistogram latency = s.latency();
    LatencyHistogram service = s.service();
    long ok = s.changed.get();
    return String.format(Locale.ROOT,
        "{\"devices\":%d,\"sessions\":%d,\"handshake_failures\":%d,\"handshake_s\":%.3f,\"handshakes_per_s\":%.1f,"
            + "\"handshake_p50_ms\":%.2f,\"handshake_p99_ms\":%.2f,\"handshake_max_ms\":%.2f,"
            + "\"offered_rate\":%.1f,\"senders\":%d,\"duration_s\":%d,\"due\":%d,\"sent\":%d,\"changed\":%d,"
            + "\"other_codes\":%d,\"failed\":%d,\"unanswered\":%d,\"queued_behind\":%d,\"not_sent\":%d,"
            + "\"changed_in_window\":%d,\"requests_per_s\":%.1f,"
            + "\"p50_ms\":%.2f,\"p90_ms\":%.2f,\"p99_ms\":%.2f,\"p999_ms\":%.2f,\"max_ms\":%.2f,"
            + "\"service_p50_ms\":%.2f,\"service_p99_ms\":%.2f,\"service_max_ms\":%.2f}",
        asked, held, failed, handshakeSeconds, handshakeSeconds > 0 ? held / handshakeSeconds : 0,
        hs.percentileMillis(50), hs.percentileMillis(99), hs.maxMillis(),
        rate, senders, durationS, due, s.sent.get(), ok, s.otherCodes.get(), s.failed.get(), s.outstanding(),
        s.queued.get(), notSent, s.changedInWindow.get(), requestSeconds > 0 ? s.changedInWindow.get() / (double) durationS : 0,
        latency.percentileMillis(50), latency.percentileMillis(90), latency.percentileMillis(99),
        latency.percentileMillis(99.9), latency.maxMillis(),
        service.percentileMillis(50), service.percentileMillis(99), service.maxMillis());
  }

  /**
   * Counters the Californium threads update; latencies go into two histograms under a lock: from the
   * request's due time (what a device waiting to report sees) and from the moment it was sent (the
   * round trip alone). Without a schedule (closed loop) the two are the same.
   */
  static final class RequestStats {
    final AtomicLong sent = new AtomicLong();
    final AtomicLong changed = new AtomicLong();
    final AtomicLong changedInWindow = new AtomicLong();
    final AtomicLong otherCodes = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    final AtomicLong queued = new AtomicLong();
    private final LatencyHistogram latency = new LatencyHistogram();
    private final LatencyHistogram service = new LatencyHistogram();
    private volatile long windowEnd = Long.MAX_VALUE;

    void window(long end) {
      windowEnd = end;
    }

    void answered(long now, long intendedNanos, long sentNanos, boolean changed) {
      synchronized (this) {
        latency.recordNanos(now - intendedNanos);
        service.recordNanos(now - sentNanos);
      }
      if (changed) {
        this.changed.incrementAndGet();
        if (now - windowEnd <= 0) {
          changedInWindow.incrementAndGet();
        }
      } else {
        otherCodes.incrementAndGet();
      }
    }

    synchronized LatencyHistogram latency() {
      return latency;
    }

    synchronized LatencyHistogram service() {
      return service;
    }

    long outstanding() {
      return sent.get() - changed.get() - otherCodes.get() - failed.get();
    }
  }

  private static long backlog(List<SwarmDevice> devices) {
    long n = 0;
    for (SwarmDevice d : devices) {
      n += d.backlog();
    }
    return n;
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  private static Path windowFile(String prefix, String edge) {
    return prefix.isEmpty() ? null : Path.of(prefix + "." + edge);
  }

  private static void touch(Path file) {
    if (file != null) {
      try {
        Files.writeString(file, "");
      } catch (IOException e) {
        System.err.println("coap-swarm: cannot create " + file + ": " + e);
      }
    }
  }

  private static void sleepUntil(long deadline) {
    long left;
    while ((left = deadline - System.nanoTime()) > 0) {
      sleepMillis(Math.max(1, Math.min(100, left / 1_000_000)));
    }
  }

  private static void sleepMillis(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
