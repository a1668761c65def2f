// Function-call round trip: an account calls a function on its device through the API, one call at a
// time, and the time from sending the request to reading the answer is recorded. The device is a
// minimal MQTT 3.1.1 client on a plain socket in this process, so both ends use one clock.
// A single-file program (java CallRoundTrip.java ...), JDK only; load-tests/bin/cluster-scale.sh runs
// it against an API node and a gateway that are the same node (local) or two nodes (the call crosses
// the cluster bus to the node holding the session, and the answer comes back).
//
//   java CallRoundTrip.java HTTP_PORT MQTT_PORT ADMIN_TOKEN WARMUP_CALLS CALLS
// prints one tab-separated line: calls p50_ms p90_ms p99_ms max_ms failed

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public class CallRoundTrip {

  static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
  static String base;

  public static void main(String[] args) throws Exception {
    base = "http://127.0.0.1:" + args[0];
    int mqttPort = Integer.parseInt(args[1]);
    String admin = args[2];
    int warmup = Integer.parseInt(args[3]);
    int calls = Integer.parseInt(args[4]);

    String user = "calls-" + System.nanoTime() + "@example.com";
    send("POST", "/v1/users", "{\"username\":\"" + user + "\",\"password\":\"round trip password\"}", null);
    String token = field(send("POST", "/oauth/token", "{\"grant_type\":\"password\",\"username\":\"" + user
        + "\",\"password\":\"round trip password\",\"client_id\":\"particle-api\",\"client_secret\":\"particle-api\"}", null), "access_token");
    String device = send("POST", "/v1/admin/devices", "{}", admin);
    String id = field(device, "id");
    String secret = field(device, "secret");
    send("POST", "/v1/devices", "{\"id\":\"" + id + "\"}", token);

    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), mqttPort)) {
      socket.setTcpNoDelay(true);
      socket.setSoTimeout(120_000);
      MqttDevice mqtt = new MqttDevice(socket);
      mqtt.connect(id, secret);
      mqtt.subscribeCommands();
      mqtt.publish("d", "{\"f\":[\"echo\"],\"v\":{}}");
      Thread answering = new Thread(mqtt::answerCalls, "device");
      answering.setDaemon(true);
      answering.start();
      waitUntilCallable(id, token);

      long[] millis = new long[calls];
      int failed = 0;
      for (int i = 0; i < warmup + calls; i++) {
        long start = System.nanoTime();
        HttpResponse<String> answer = HTTP.send(request("POST", "/v1/devices/" + id + "/echo", "{\"arg\":\"" + i + "\"}", token),
            HttpResponse.BodyHandlers.ofString());
        long elapsed = System.nanoTime() - start;
        if (answer.statusCode() != 200 || !answer.body().contains("\"return_value\":1")) {
          failed++;
          if (failed <= 3) {
            System.err.println("call failed: " + answer.statusCode() + " " + answer.body());
          }
        }
        if (i >= warmup) {
          millis[i - warmup] = elapsed;
        }
      }
      Arrays.sort(millis);
      System.out.printf("%d\t%.2f\t%.2f\t%.2f\t%.2f\t%d%n", calls, ms(pick(millis, 50)), ms(pick(millis, 90)), ms(pick(millis, 99)),
          ms(millis[calls - 1]), failed);
    }
  }

  static long pick(long[] sorted, int percentile) {
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(percentile / 100.0 * sorted.length) - 1)];
  }

  static double ms(long nanos) {
    return nanos / 1e6;
  }

  // the description reaches the hub after the CONNACK; calls before it are refused as not declared
  static void waitUntilCallable(String id, String token) throws Exception {
    for (int i = 0; i < 300; i++) {
      String body = send("GET", "/v1/devices/" + id, null, token);
      if (body.contains("\"connected\":true") && body.contains("echo")) {
        return;
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("device " + id + " not callable after 30 s");
  }

  static HttpRequest request(String method, String path, String json, String token) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60))
        .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
    if (json != null) {
      request.header("Content-Type", "application/json");
    }
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return request.build();
  }

  static String send(String method, String path, String json, String token) throws Exception {
    HttpResponse<String> response = HTTP.send(request(method, path, json, token), HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() >= 300) {
      throw new IllegalStateException(method + " " + path + ": " + response.statusCode() + " " + response.body());
    }
    return response.body();
  }

  static String field(String json, String name) {
    Matcher m = Pattern.compile("\"" + name + "\"\\s*:\\s*\"([^\"]*)\"").matcher(json);
    if (!m.find()) {
      throw new IllegalStateException("no " + name + " in " + json);
    }
    return m.group(1);
  }

  /** Just enough MQTT 3.1.1 for a device that declares one function and answers every call with 1. */
  static final class MqttDevice {
    private final DataInputStream in;
    private final OutputStream out;
    private int nextPacketId;

    MqttDevice(Socket socket) throws IOException {
      in = new DataInputStream(socket.getInputStream());
      out = socket.getOutputStream();
    }

    void connect(String id, String secret) throws IOException {
      byte[] body = concat(string("MQTT"), new byte[] {4, (byte) 0xC2, 0x01, 0x2C}, // 3.1.1, user+password+clean, keep-alive 300 s
          string(id), string(id), string(secret));
      write(0x10, body);
      expect(0x20, "CONNACK");
      byte[] connack = readBody();
      if (connack[1] != 0) {
        throw new IOException("CONNACK return code " + connack[1]);
      }
    }

    void subscribeCommands() throws IOException {
      write(0x82, concat(new byte[] {0, 1}, string("c/#"), new byte[] {0}));
      expect(0x90, "SUBACK");
      readBody();
    }

    // QoS 1, as the demo device does; the PUBACKs are read and ignored by answerCalls
    synchronized void publish(String topic, String payload) throws IOException {
      nextPacketId = nextPacketId % 65535 + 1;
      write(0x32, concat(string(topic), new byte[] {(byte) (nextPacketId >> 8), (byte) nextPacketId}, payload.getBytes(StandardCharsets.UTF_8)));
    }

    void answerCalls() {
      try {
        while (true) {
          int type = in.readUnsignedByte();
          byte[] body = readBody();
          if ((type & 0xF0) != 0x30) {
            continue;
          }
          int topicLength = ((body[0] & 0xFF) << 8) | (body[1] & 0xFF);
          String topic = new String(body, 2, topicLength, StandardCharsets.UTF_8);
          if (topic.startsWith("c/f/")) {
            publish("r/" + topic.substring(topic.lastIndexOf('/') + 1), "1");
          }
        }
      } catch (IOException e) {
        // the connection closed: the run is over
      }
    }

    private void expect(int type, String name) throws IOException {
      int got = in.readUnsignedByte();
      if (got != type) {
        throw new IOException("expected " + name + ", got packet type 0x" + Integer.toHexString(got));
      }
    }

    private byte[] readBody() throws IOException {
      int length = 0;
      int shift = 0;
      int b;
      do {
        b = in.readUnsignedByte();
        length |= (b & 0x7F) << shift;
        shift += 7;
      } while ((b & 0x80) != 0);
      byte[] body = new byte[length];
      in.readFully(body);
      return body;
    }

    private synchronized void write(int header, byte[] body) throws IOException {
      byte[] packet = new byte[body.length + 5];
      int at = 0;
      packet[at++] = (byte) header;
      int length = body.length;
      do {
        int digit = length % 128;
        length /= 128;
        packet[at++] = (byte) (length > 0 ? digit | 0x80 : digit);
      } while (length > 0);
      System.arraycopy(body, 0, packet, at, body.length);
      out.write(packet, 0, at + body.length);
      out.flush();
    }

    private static byte[] string(String s) {
      byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
      byte[] framed = new byte[bytes.length + 2];
      framed[0] = (byte) (bytes.length >> 8);
      framed[1] = (byte) bytes.length;
      System.arraycopy(bytes, 0, framed, 2, bytes.length);
      return framed;
    }

    private static byte[] concat(byte[]... parts) {
      int total = 0;
      for (byte[] part : parts) {
        total += part.length;
      }
      byte[] all = new byte[total];
      int at = 0;
      for (byte[] part : parts) {
        System.arraycopy(part, 0, all, at, part.length);
        at += part.length;
      }
      return all;
    }
  }
}
