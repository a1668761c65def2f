// Fan-out of device events to SSE subscribers: one device publishes EVENTS events at RATE a second
// over MQTT (Debian's mosquitto_pub -l, one message per line), SUBSCRIBERS streams of the owning
// account read them, and each delivery's latency (publish to read, same clock) is recorded.
// A single-file program (java FanOut.java ...), JDK only; load-tests/bin/fan-out.sh runs it.
//
//   java FanOut.java HTTP_PORT MQTT_PORT ADMIN_TOKEN SUBSCRIBERS EVENTS RATE
// prints one tab-separated line:
//   subscribers events rate sent_s delivered expected deliveries_per_s p50_ms p90_ms p99_ms max_ms streams_lost

import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

public class FanOut {

  // HTTP/1.1, one connection per stream, as EventSource and the official tools use: the default
  // (HTTP/2 by upgrade) would put every stream on one connection, 100 at most
  static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
  static String base;

  public static void main(String[] args) throws Exception {
    base = "http://127.0.0.1:" + args[0];
    int mqttPort = Integer.parseInt(args[1]);
    String admin = args[2];
    int subscribers = Integer.parseInt(args[3]);
    int events = Integer.parseInt(args[4]);
    int rate = Integer.parseInt(args[5]);

    String user = "fanout-" + System.nanoTime() + "@example.com";
    send("POST", "/v1/users", "{\"username\":\"" + user + "\",\"password\":\"fan-out password\"}", null);
    String token = field(send("POST", "/oauth/token", "{\"grant_type\":\"password\",\"username\":\"" + user
        + "\",\"password\":\"fan-out password\",\"client_id\":\"particle-api\",\"client_secret\":\"particle-api\"}", null), "access_token");
    String device = send("POST", "/v1/admin/devices", "{}", admin);
    String id = field(device, "id");
    String secret = field(device, "secret");
    send("POST", "/v1/devices", "{\"id\":\"" + id + "\"}", token);

    // latency histogram in 0.1 ms buckets up to 10 s; the last bucket takes everything above
    AtomicLongArray buckets = new AtomicLongArray(100_001);
    AtomicLong delivered = new AtomicLong();
    AtomicInteger lost = new AtomicInteger();
    AtomicInteger open = new AtomicInteger();
    List<CompletableFuture<?>> streams = new ArrayList<>();
    for (int i = 0; i < subscribers; i++) {
      HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/v1/devices/" + id + "/events/fan"))
          .header("Authorization", "Bearer " + token).build();
      streams.add(HTTP.sendAsync(request, HttpResponse.BodyHandlers.fromLineSubscriber(new Lines(buckets, delivered, open)))
          .whenComplete((response, failure) -> lost.incrementAndGet()));
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (open.get() < subscribers && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    if (open.get() < subscribers) {
      throw new IllegalStateException("only " + open.get() + " of " + subscribers + " streams opened");
    }

    Process pub = new ProcessBuilder("mosquitto_pub", "-h", "127.0.0.1", "-p", String.valueOf(mqttPort),
        "-i", id, "-u", id, "-P", secret, "-q", "0", "-t", "e/fan", "-l").redirectErrorStream(true).start();
    OutputStream lines = pub.getOutputStream();
    long started = System.nanoTime();
    for (int i = 0; i < events; i++) {
      long due = started + (long) (i * 1e9 / rate);
      long wait = due - System.nanoTime();
      if (wait > 0) {
        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
      }
      lines.write((Long.toString(sentMicros()) + "\n").getBytes(StandardCharsets.US_ASCII));
      lines.flush();
    }
    double sentSeconds = (System.nanoTime() - started) / 1e9;
    long expected = (long) events * subscribers;
    deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (delivered.get() < expected && System.nanoTime() < deadline && lost.get() < subscribers) {
      Thread.sleep(20);
    }
    double allSeconds = (System.nanoTime() - started) / 1e9;
    lines.close();
    pub.waitFor(10, TimeUnit.SECONDS);
    pub.destroy();
    int lostStreams = lost.get();
    streams.forEach(s -> s.cancel(true));

    System.out.printf("%d\t%d\t%d\t%.1f\t%d\t%d\t%.0f\t%.1f\t%.1f\t%.1f\t%.1f\t%d%n", subscribers, events, rate, sentSeconds,
        delivered.get(), expected, delivered.get() / allSeconds, percentile(buckets, 0.50), percentile(buckets, 0.90),
        percentile(buckets, 0.99), percentile(buckets, 1.0), lostStreams);
    System.exit(0);
  }

  /** Publisher and subscribers share this process, so one monotonic clock serves both ends. */
  static long sentMicros() {
    return System.nanoTime() / 1000;
  }

  static double percentile(AtomicLongArray buckets, double q) {
    long total = 0;
    for (int i = 0; i < buckets.length(); i++) {
      total += buckets.get(i);
    }
    long rank = (long) Math.ceil(q * total);
    long seen = 0;
    for (int i = 0; i < buckets.length(); i++) {
      seen += buckets.get(i);
      if (seen >= rank && seen > 0) {
        return i / 10.0;
      }
    }
    return Double.NaN;
  }

  /** One stream: counts its :ok, then each data line's latency. */
  static final class Lines implements Flow.Subscriber<String> {
    final AtomicLongArray buckets;
    final AtomicLong delivered;
    final AtomicInteger open;

    Lines(AtomicLongArray buckets, AtomicLong delivered, AtomicInteger open) {
      this.buckets = buckets;
      this.delivered = delivered;
      this.open = open;
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
      subscription.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(String line) {
      if (line.equals(":ok")) {
        open.incrementAndGet();
      } else if (line.startsWith("data: ")) {
        int at = line.indexOf("\"data\":\"") + 8;
        long sent = Long.parseLong(line, at, line.indexOf('"', at), 10);
        long micros = System.nanoTime() / 1000 - sent;
        buckets.incrementAndGet((int) Math.min(100_000, Math.max(0, micros / 100)));
        delivered.incrementAndGet();
      }
    }

    @Override
    public void onError(Throwable throwable) {
    }

    @Override
    public void onComplete() {
    }
  }

  static String send(String method, String path, String json, String token) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(20))
        .header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(json));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() / 100 != 2) {
      throw new IllegalStateException(method + " " + path + ": " + response.statusCode() + " " + response.body());
    }
    return response.body();
  }

  /** A string field of a flat JSON object: enough for the few answers this reads. */
  static String field(String json, String name) {
    int at = json.indexOf("\"" + name + "\":\"") + name.length() + 4;
    return json.substring(at, json.indexOf('"', at));
  }
}
