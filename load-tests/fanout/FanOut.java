// Fan-out of one device's events to many subscribers: one device publishes EVENTS events at RATE a
// second over MQTT (Debian's mosquitto_pub -l, one message per line, QoS 0), SUBSCRIBERS subscribers
// read them, and each delivery's latency (publish to read, one clock) is recorded.
//   sse:  the subscribers are Server-Sent Events streams of a Drover node (GET /v1/devices/:id/events/fan,
//         HTTP/1.1, one connection each, as EventSource and the official tools use);
//   mqtt: the subscribers are MQTT 3.1.1 clients of a broker subscribed to the topic (the peer: Mosquitto).
// Both kinds of subscriber are read the same way: plain sockets on one selector thread, each read
// scanned for the publisher's timestamps, so the client's cost per delivery is alike for both servers.
// A single-file program (java FanOut.java ...), JDK only; load-tests/bin/fan-out.sh runs it.
//
//   java FanOut.java sse HTTP_PORT MQTT_PORT ADMIN_TOKEN SUBSCRIBERS EVENTS RATE
//   java FanOut.java mqtt BROKER_PORT SUBSCRIBERS EVENTS RATE
// prints one tab-separated line:
//   subscribers events rate sent_s delivered expected deliveries_per_s p50_ms p90_ms p99_ms max_ms streams_lost

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

public class FanOut {

  static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
  static final String TOPIC = "fan";
  static String base;

  // latency histogram in 0.1 ms buckets up to 10 s; the last bucket takes everything above
  static final AtomicLongArray BUCKETS = new AtomicLongArray(100_001);
  static final AtomicLong DELIVERED = new AtomicLong();
  static final AtomicInteger OPEN = new AtomicInteger();
  static final AtomicInteger LOST = new AtomicInteger();

  public static void main(String[] args) throws Exception {
    boolean sse = args[0].equals("sse");
    int subscribers;
    int events;
    int rate;
    List<String> publisher;
    List<Subscriber> subs = new ArrayList<>();
    if (sse) {
      base = "http://127.0.0.1:" + args[1];
      int mqttPort = Integer.parseInt(args[2]);
      String admin = args[3];
      subscribers = Integer.parseInt(args[4]);
      events = Integer.parseInt(args[5]);
      rate = Integer.parseInt(args[6]);
      String user = "fanout-" + System.nanoTime() + "@example.com";
      send("POST", "/v1/users", "{\"username\":\"" + user + "\",\"password\":\"fan-out password\"}", null);
      String token = field(send("POST", "/oauth/token", "{\"grant_type\":\"password\",\"username\":\"" + user
          + "\",\"password\":\"fan-out password\",\"client_id\":\"particle-api\",\"client_secret\":\"particle-api\"}", null), "access_token");
      String device = send("POST", "/v1/admin/devices", "{}", admin);
      String id = field(device, "id");
      String secret = field(device, "secret");
      // a claim needs the device's proof: it reports the person's claim code over its session
      String code = field(send("POST", "/v1/device_claims", "{}", token), "claim_code");
      Process claim = new ProcessBuilder("mosquitto_pub", "-h", "127.0.0.1", "-p", String.valueOf(mqttPort), "-i", id, "-u", id, "-P", secret,
          "-q", "1", "-t", "e/spark/device/claim/code", "-m", code).redirectErrorStream(true).start();
      claim.waitFor(10, TimeUnit.SECONDS);
      long claimDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (!owned(id, token)) {
        if (System.nanoTime() > claimDeadline) {
          throw new IllegalStateException("the device was not claimed through its claim code");
        }
        Thread.sleep(50);
      }
      byte[] request = ("GET /v1/devices/" + id + "/events/" + TOPIC + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
          + "Authorization: Bearer " + token + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
      for (int i = 0; i < subscribers; i++) {
        subs.add(new Subscriber(new InetSocketAddress("127.0.0.1", Integer.parseInt(args[1])), request, true));
      }
      publisher = List.of("mosquitto_pub", "-h", "127.0.0.1", "-p", String.valueOf(mqttPort), "-i", id, "-u", id, "-P", secret,
          "-q", "0", "-t", "e/" + TOPIC, "-l");
    } else {
      int brokerPort = Integer.parseInt(args[1]);
      subscribers = Integer.parseInt(args[2]);
      events = Integer.parseInt(args[3]);
      rate = Integer.parseInt(args[4]);
      for (int i = 0; i < subscribers; i++) {
        subs.add(new Subscriber(new InetSocketAddress("127.0.0.1", brokerPort), mqttConnectAndSubscribe("fan-" + i), false));
      }
      publisher = List.of("mosquitto_pub", "-h", "127.0.0.1", "-p", String.valueOf(brokerPort), "-i", "fan-publisher", "-q", "0", "-t", TOPIC, "-l");
    }

    // subscribers spread over READERS selector threads, so that reading is not one core's work
    int readers = Integer.getInteger("fanout.readers", 2);
    for (int r = 0; r < readers; r++) {
      Selector selector = Selector.open();
      for (int i = r; i < subs.size(); i += readers) {
        subs.get(i).open(selector);
      }
      Thread reader = new Thread(() -> readAll(selector), "subscribers-" + r);
      reader.setDaemon(true);
      reader.start();
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (OPEN.get() < subscribers && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    if (OPEN.get() < subscribers) {
      throw new IllegalStateException("only " + OPEN.get() + " of " + subscribers + " subscribers ready");
    }

    Process pub = new ProcessBuilder(publisher).redirectErrorStream(true).start();
    OutputStream lines = pub.getOutputStream();
    Thread.sleep(300); // mosquitto_pub connects before it reads its first line
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
    while (DELIVERED.get() < expected && System.nanoTime() < deadline && LOST.get() < subscribers) {
      Thread.sleep(20);
    }
    double allSeconds = (System.nanoTime() - started) / 1e9;
    lines.close();
    pub.waitFor(10, TimeUnit.SECONDS);
    pub.destroy();

    System.out.printf("%d\t%d\t%d\t%.1f\t%d\t%d\t%.0f\t%.1f\t%.1f\t%.1f\t%.1f\t%d%n", subscribers, events, rate, sentSeconds,
        DELIVERED.get(), expected, DELIVERED.get() / allSeconds, percentile(0.50), percentile(0.90),
        percentile(0.99), percentile(1.0), LOST.get());
    System.exit(0);
  }

  /** Publisher and subscribers share this process, so one monotonic clock serves both ends. */
  static long sentMicros() {
    return System.nanoTime() / 1000;
  }

  static void record(long sent) {
    long micros = System.nanoTime() / 1000 - sent;
    BUCKETS.incrementAndGet((int) Math.min(100_000, Math.max(0, micros / 100)));
    DELIVERED.incrementAndGet();
  }

  static void readAll(Selector selector) {
    ByteBuffer buffer = ByteBuffer.allocate(256 * 1024);
    try {
      while (true) {
        selector.select();
        for (SelectionKey key : selector.selectedKeys()) {
          Subscriber sub = (Subscriber) key.attachment();
          try {
            if (key.isConnectable()) {
              sub.channel.finishConnect();
              sub.channel.write(ByteBuffer.wrap(sub.hello));
              key.interestOps(SelectionKey.OP_READ);
            } else if (key.isReadable()) {
              buffer.clear();
              int read = sub.channel.read(buffer);
              if (read < 0) {
                sub.lost(key);
              } else {
                buffer.flip();
                sub.scan(buffer);
              }
            }
          } catch (IOException e) {
            sub.lost(key);
          }
        }
        selector.selectedKeys().clear();
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * One subscriber's connection. SSE: ":ok" says the stream is open; each {@code "data":"<micros>"}
   * is a delivery (a chunk never splits a frame: the node writes whole frames). MQTT: SUBACK says the
   * subscription holds; each PUBLISH's payload is a delivery.
   */
  static final class Subscriber {
    final InetSocketAddress address;
    final byte[] hello;
    final boolean sse;
    SocketChannel channel;
    /** Bytes of a read that may continue in the next: a frame cut by the read's end. */
    byte[] carry = NONE;
    boolean ready;
    boolean lost;

    Subscriber(InetSocketAddress address, byte[] hello, boolean sse) {
      this.address = address;
      this.hello = hello;
      this.sse = sse;
    }

    void open(Selector selector) throws IOException {
      channel = SocketChannel.open();
      channel.configureBlocking(false);
      channel.connect(address);
      channel.register(selector, SelectionKey.OP_CONNECT, this);
    }

    void lost(SelectionKey key) {
      key.cancel();
      if (!lost) {
        lost = true;
        LOST.incrementAndGet();
      }
    }

    /** Scans a read; only the bytes of a frame the read cut are kept (copied) for the next. */
    void scan(ByteBuffer read) {
      byte[] bytes;
      int length;
      if (carry.length == 0) {
        bytes = read.array();
        length = read.limit();
      } else {
        length = carry.length + read.remaining();
        bytes = new byte[length];
        System.arraycopy(carry, 0, bytes, 0, carry.length);
        read.get(bytes, carry.length, read.remaining());
      }
      int consumed = sse ? scanSse(bytes, length) : scanMqtt(bytes, length);
      carry = consumed == length ? NONE : java.util.Arrays.copyOfRange(bytes, consumed, length);
    }

    private static final byte[] NONE = new byte[0];
    private static final byte[] DATA = "\"data\":\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] OK = ":ok".getBytes(StandardCharsets.US_ASCII);

    /** @return how many bytes are done with */
    int scanSse(byte[] bytes, int length) {
      if (!ready) {
        int ok = indexOf(bytes, length, OK, 0);
        if (ok < 0) {
          return Math.max(0, length - OK.length);
        }
        ready = true;
        OPEN.incrementAndGet();
      }
      int done = 0;
      int at = 0;
      while ((at = indexOf(bytes, length, DATA, at)) >= 0) {
        int end = at + DATA.length;
        long sent = 0;
        while (end < length && bytes[end] != '"') {
          sent = sent * 10 + (bytes[end++] - '0');
        }
        if (end == length) {
          return at; // cut by the read: the next read completes it
        }
        record(sent);
        at = end;
        done = end;
      }
      return Math.max(done, length - DATA.length);
    }

    int scanMqtt(byte[] bytes, int length) {
      int at = 0;
      while (at + 2 <= length) {
        int type = (bytes[at] & 0xff) >> 4;
        int remaining = 0;
        int multiplier = 1;
        int i = at + 1;
        while (true) {
          if (i >= length) {
            return at;
          }
          int b = bytes[i++] & 0xff;
          remaining += (b & 0x7f) * multiplier;
          multiplier *= 128;
          if ((b & 0x80) == 0) {
            break;
          }
        }
        if (i + remaining > length) {
          return at;
        }
        if (type == 9 && !ready) { // SUBACK
          ready = true;
          OPEN.incrementAndGet();
        } else if (type == 3) { // PUBLISH at QoS 0: topic length, topic, payload
          int topicLength = ((bytes[i] & 0xff) << 8) | (bytes[i + 1] & 0xff);
          long sent = 0;
          for (int p = i + 2 + topicLength; p < i + remaining; p++) {
            sent = sent * 10 + (bytes[p] - '0');
          }
          record(sent);
        }
        at = i + remaining;
      }
      return at;
    }

    static int indexOf(byte[] bytes, int length, byte[] what, int from) {
      outer:
      for (int i = from; i <= length - what.length; i++) {
        for (int j = 0; j < what.length; j++) {
          if (bytes[i + j] != what[j]) {
            continue outer;
          }
        }
        return i;
      }
      return -1;
    }
  }

  /** CONNECT (MQTT 3.1.1, clean session, keep-alive 60 s) and SUBSCRIBE to the topic at QoS 0, in one write. */
  static byte[] mqttConnectAndSubscribe(String clientId) {
    byte[] id = clientId.getBytes(StandardCharsets.US_ASCII);
    byte[] topic = TOPIC.getBytes(StandardCharsets.US_ASCII);
    ByteBuffer out = ByteBuffer.allocate(64 + id.length + topic.length);
    int connectLength = 10 + 2 + id.length;
    out.put((byte) 0x10).put((byte) connectLength)
        .putShort((short) 4).put("MQTT".getBytes(StandardCharsets.US_ASCII)).put((byte) 4).put((byte) 0x02).putShort((short) 60)
        .putShort((short) id.length).put(id);
    out.put((byte) 0x82).put((byte) (2 + 2 + topic.length + 1)).putShort((short) 1).putShort((short) topic.length).put(topic).put((byte) 0);
    byte[] bytes = new byte[out.position()];
    out.flip().get(bytes);
    return bytes;
  }

  static double percentile(double q) {
    long total = 0;
    for (int i = 0; i < BUCKETS.length(); i++) {
      total += BUCKETS.get(i);
    }
    long rank = (long) Math.ceil(q * total);
    long seen = 0;
    for (int i = 0; i < BUCKETS.length(); i++) {
      seen += BUCKETS.get(i);
      if (seen >= rank && seen > 0) {
        return i / 10.0;
      }
    }
    return Double.NaN;
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

  static boolean owned(String id, String token) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/v1/devices/" + id)).timeout(Duration.ofSeconds(20))
        .header("Authorization", "Bearer " + token).build();
    return HTTP.send(request, HttpResponse.BodyHandlers.ofString()).statusCode() == 200;
  }

  /** A string field of a flat JSON object: enough for the few answers this reads. */
  static String field(String json, String name) {
    int at = json.indexOf("\"" + name + "\":\"") + name.length() + 4;
    return json.substring(at, json.indexOf('"', at));
  }
}
