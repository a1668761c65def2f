package io.drover.loadtests.bench;

import io.drover.gateway.contract.BusAddresses;
import io.drover.gateway.contract.DeviceEvent;
import io.drover.gateway.contract.DeviceEventCodec;
import io.drover.hub.HubAddresses;
import io.drover.hub.events.EventsVerticle;
import io.drover.hub.launcher.Node;
import io.drover.hub.launcher.NodeConfig;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Webhook deliveries a second and the latency from an event's acceptance to its request's arrival at a
 * local receiver, against a bare loop of Vert.x's HTTP client posting the same requests at
 * the same rate to the same receiver, in the same process and run. A real node in process (embedded
 * PostgreSQL, fsync on): RATE events a second are published on the hub's intake ({@code
 * hub.events.publish}, as the API and the gateway do, the event data carrying the publish time) for an
 * account with INTEGRATIONS webhooks that all match, each answered 200 at once. Forms: {@code drover}
 * (the node delivers), {@code bare} (the loop posts INTEGRATIONS form requests per event itself),
 * {@code drover-slow} (as drover, but the last of the INTEGRATIONS webhooks now points at a host of its
 * own that answers after 2 s: the other webhooks' latency must not rise). The others' latency
 * ({@code othersP99Ms}: the first INTEGRATIONS - 1 webhooks, fast in both forms) is what compares
 * drover-slow with drover. Each form runs RUNS times for SECONDS after a warm-up; medians are reported.
 *
 * load-tests/bin/webhooks.sh runs it: java -cp ... io.drover.loadtests.bench.WebhooksBench [rate] [integrations] [seconds] [runs]
 * Prints one JSON line per run on stderr and the summary as one JSON line on stdout.
 */
public final class WebhooksBench {

  private static final String USER = "bench@example.com";
  private static final AtomicLong received = new AtomicLong();
  private static volatile Recorder latencies = new Recorder(3);
  /** The webhooks that are fast in every form: all but the last (which drover-slow points at the slow host). */
  private static volatile Recorder others = new Recorder(3);
  private static volatile String lastPath = "";
  /** Only requests under this path count for the run under way (the other form's stragglers do not). */
  private static volatile String counted = "/drover/";

  private WebhooksBench() {
  }

  public static void main(String[] args) throws Exception {
    int rate = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    int integrations = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 15;
    int runs = args.length > 3 ? Integer.parseInt(args[3]) : 3;
    Vertx load = Vertx.vertx();
    HttpServer receiver = load.createHttpServer().requestHandler(request -> request.body().onSuccess(body -> {
      // both senders post Particle's default form: data holds the publish time (System.nanoTime)
      String data = formValue(body.toString(), "data");
      if (data != null && request.path().startsWith(counted)) {
        long micros = Math.max(0, System.nanoTime() - Long.parseLong(data)) / 1000;
        latencies.recordValue(micros);
        if (!request.path().equals(lastPath)) {
          others.recordValue(micros);
        }
        received.incrementAndGet();
      }
      if (request.path().startsWith("/slow")) {
        load.setTimer(2000, id -> request.response().end());
      } else {
        request.response().end();
      }
    })).listen(0, "0.0.0.0").await(10, TimeUnit.SECONDS); // every 127.0.0.x: a host per integration
    int port = receiver.actualPort();

    Path dataDir = Files.createTempDirectory("drover-webhooks-bench");
    Node node = Node.start(NodeConfig.from(List.of("--data-dir=" + dataDir, "--http.host=127.0.0.1", "--http.port=0", "--http.tls-port=0",
        "--mqtt.host=127.0.0.1", "--mqtt.port=0", "--mqtt.tls-port=0", "--coap.host=127.0.0.1", "--coap.port=0",
        "--integrations.allow-private-targets=true", "--node.roles=hub,gateway"), Map.of()));
    Runtime.getRuntime().addShutdownHook(new Thread(node::stop));
    try {
      long user = account(node);
      List<String> fast = new ArrayList<>();
      for (int i = 0; i < integrations; i++) {
        // one host per integration, as distinct receivers would be (the per-host bounds apply to each)
        fast.add(integration(node, user, "http://127.0.0." + (i + 1) + ":" + port + "/drover/" + i));
      }
      HttpClientAgent bare = load.createHttpClient(new HttpClientOptions().setKeepAlive(true), new PoolOptions().setHttp1MaxSize(32));
      List<JsonObject> results = new ArrayList<>();
      String slow = null;
      for (String form : List.of("drover", "bare", "drover-slow")) {
        if (form.equals("drover-slow")) {
          // the last webhook moves to a host of its own that answers after 2 s; the others stay as they were
          slow = fast.get(integrations - 1);
          repoint(node, slow, "http://127.0.0.200:" + port + "/slow");
        }
        counted = form.equals("bare") ? "/bare/" : "/drover/";
        lastPath = counted + (integrations - 1);
        for (int run = 0; run <= runs; run++) { // run 0 warms up and is not counted
          JsonObject result = run(form, node, load, bare, user, port, rate, integrations, run == 0 ? 5 : seconds);
          if (run > 0) {
            System.err.println(result.encode());
            results.add(result);
          }
        }
      }
      JsonObject summary = new JsonObject().put("rate", rate).put("integrations", integrations).put("seconds", seconds).put("runs", runs);
      for (String form : List.of("drover", "bare", "drover-slow")) {
        List<JsonObject> mine = results.stream().filter(r -> r.getString("form").equals(form)).toList();
        summary.put(form, new JsonObject()
            .put("deliveriesPerSecond", InProcess.median(mine.stream().map(r -> r.getDouble("deliveriesPerSecond")).toList()))
            .put("p50Ms", InProcess.median(mine.stream().map(r -> r.getDouble("p50Ms")).toList()))
            .put("p99Ms", InProcess.median(mine.stream().map(r -> r.getDouble("p99Ms")).toList()))
            .put("othersP50Ms", InProcess.median(mine.stream().map(r -> r.getDouble("othersP50Ms")).toList()))
            .put("othersP99Ms", InProcess.median(mine.stream().map(r -> r.getDouble("othersP99Ms")).toList())));
      }
      summary.put("slowOverFastOthersP99", summary.getJsonObject("drover-slow").getDouble("othersP99Ms")
          / summary.getJsonObject("drover").getDouble("othersP99Ms"));
      summary.put("droverOverBare", summary.getJsonObject("drover").getDouble("deliveriesPerSecond") / summary.getJsonObject("bare").getDouble("deliveriesPerSecond"));
      System.out.println(summary.encode());
      if (slow != null) {
        System.err.println("{\"note\":\"slow integration " + slow + " kept its backlog in the outbox\"}");
      }
    } finally {
      node.stop();
      load.close().await(30, TimeUnit.SECONDS);
    }
  }

  /** One timed run: events (drover forms) or direct requests (bare) at {@code rate} a second; what reached the receiver meanwhile. */
  private static JsonObject run(String form, Node node, Vertx load, HttpClientAgent bare, long user, int port, int rate, int integrations,
      int seconds) throws Exception {
    // what the node still has to deliver from the previous run goes first (at most a minute), then counting starts
    long drainUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (pending(node) > 0 && System.nanoTime() < drainUntil) {
      Thread.sleep(200);
    }
    Thread.sleep(1000);
    latencies = new Recorder(3);
    latencies.getIntervalHistogram();
    others = new Recorder(3);
    others.getIntervalHistogram();
    received.set(0);
    long started = System.nanoTime();
    long total = (long) rate * seconds;
    long[] sent = {0};
    DeliveryOptions options = new DeliveryOptions().setCodecName(DeviceEventCodec.NAME).addHeader(EventsVerticle.OWNER_HEADER, Long.toString(user));
    // every millisecond, the events due by now: an even rate, not bursts of a second's worth
    long timer = load.setPeriodic(1, id -> {
      long due = Math.min(total, (System.nanoTime() - started) * rate / 1_000_000_000L);
      while (sent[0] < due) {
        sent[0]++;
        String stamp = Long.toString(System.nanoTime());
        if (form.equals("bare")) {
          Buffer body = Buffer.buffer("event=bench&data=" + stamp + "&published_at=2026-01-01T00%3A00%3A00.000Z&coreid=api");
          for (int i = 0; i < integrations; i++) {
            bare.request(new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0." + (i + 1)).setPort(port).setURI("/bare/" + i)
                    .putHeader("Content-Type", "application/x-www-form-urlencoded").putHeader("User-Agent", "ParticleBot/1.1 (https://docs.particle.io/webhooks)"))
                .compose(request -> request.send(body)).compose(response -> response.body());
          }
        } else {
          node.eventBus().send(BusAddresses.PUBLISH_EVENT, new DeviceEvent(DeviceEvent.CLOUD_PUBLISHER, "bench", stamp, System.currentTimeMillis(),
              DeviceEvent.DEFAULT_TTL, false), options);
        }
      }
    });
    Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
    load.cancelTimer(timer);
    // deliveries still under way when the publishing ends count if they arrive within 2 s more
    // the slow webhook's deliveries are not counted (nor awaited)
    long expected = sent[0] * (form.equals("drover-slow") ? integrations - 1 : integrations);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
    while (received.get() < expected && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    double elapsed = (System.nanoTime() - started) / 1e9;
    Histogram histogram = latencies.getIntervalHistogram();
    Histogram fastOnes = others.getIntervalHistogram();
    return new JsonObject().put("form", form).put("events", sent[0]).put("expected", expected).put("received", received.get())
        .put("deliveriesPerSecond", Math.round(received.get() / Math.min(elapsed, seconds + 2.0)))
        .put("pendingAfter", form.equals("bare") ? 0 : pending(node))
        .put("p50Ms", histogram.getValueAtPercentile(50) / 1000.0).put("p99Ms", histogram.getValueAtPercentile(99) / 1000.0)
        .put("maxMs", histogram.getMaxValue() / 1000.0)
        .put("othersP50Ms", fastOnes.getValueAtPercentile(50) / 1000.0).put("othersP99Ms", fastOnes.getValueAtPercentile(99) / 1000.0);
  }

  /** Outbox rows still to deliver, but the slow host's (its backlog is expected to grow). */
  private static long pending(Node node) throws Exception {
    try (Connection connection = node.database().jdbcConnection();
         PreparedStatement query = connection.prepareStatement("""
             SELECT count(*) FROM integration_outbox o JOIN integrations i ON i.id = o.integration_id
             WHERE NOT o.dead AND i.settings->>'url' NOT LIKE '%/slow'""")) {
      try (var rows = query.executeQuery()) {
        rows.next();
        return rows.getLong(1);
      }
    }
  }

  private static String formValue(String body, String name) {
    for (String pair : body.split("&")) {
      if (pair.startsWith(name + "=")) {
        return URLDecoder.decode(pair.substring(name.length() + 1), StandardCharsets.UTF_8);
      }
    }
    return null;
  }

  private static long account(Node node) throws Exception {
    java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_1_1).build();
    java.net.http.HttpResponse<String> created = http.send(java.net.http.HttpRequest.newBuilder(
            java.net.URI.create("http://127.0.0.1:" + node.httpPort() + "/v1/users"))
        .header("Content-Type", "application/json")
        .POST(java.net.http.HttpRequest.BodyPublishers.ofString(new JsonObject().put("username", USER).put("password", "a bench password!").encode()))
        .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
    if (created.statusCode() != 200) {
      throw new IllegalStateException("sign-up failed: " + created.body());
    }
    try (Connection connection = node.database().jdbcConnection();
         PreparedStatement query = connection.prepareStatement("SELECT id FROM users WHERE username = ?")) {
      query.setString(1, USER);
      try (var rows = query.executeQuery()) {
        rows.next();
        return rows.getLong(1);
      }
    }
  }

  private static String integration(Node node, long user, String url) throws Exception {
    StringBuilder id = new StringBuilder();
    for (int i = 0; i < 24; i++) {
      id.append(Character.forDigit(java.util.concurrent.ThreadLocalRandom.current().nextInt(16), 16));
    }
    try (Connection connection = node.database().jdbcConnection();
         PreparedStatement insert = connection.prepareStatement(
             "INSERT INTO integrations (id, user_id, integration_type, event, settings) VALUES (?, ?, 'Webhook', 'bench', ?::jsonb)")) {
      insert.setString(1, id.toString());
      insert.setLong(2, user);
      insert.setString(3, new JsonObject().put("url", url).encode());
      insert.executeUpdate();
    }
    node.eventBus().request(HubAddresses.INTEGRATIONS_CHANGED, new JsonObject().put("id", id.toString())).await(10, TimeUnit.SECONDS);
    return id.toString();
  }

  private static void repoint(Node node, String id, String url) throws Exception {
    try (Connection connection = node.database().jdbcConnection();
         PreparedStatement update = connection.prepareStatement("UPDATE integrations SET settings = ?::jsonb WHERE id = ?")) {
      update.setString(1, new JsonObject().put("url", url).encode());
      update.setString(2, id);
      update.executeUpdate();
    }
    node.eventBus().request(HubAddresses.INTEGRATIONS_CHANGED, new JsonObject().put("id", id)).await(10, TimeUnit.SECONDS);
  }

  static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
