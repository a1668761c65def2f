package io.drover.gateway.support;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.zip.CRC32;

/**
 * A device over MQTT as docs/device-protocol.md describes it: it connects with its ID and secret,
 * subscribes to {@code c/#}, declares what it offers on {@code d}, and answers {@code c/f/...} and
 * {@code c/v/...} on {@code r/{id}}. It records everything the cloud sends it, {@code c/err} notices
 * included. MQTT 3.1.1 runs over Vert.x's client, MQTT 5 over Paho's (for PUBACK reason codes).
 */
public final class MqttDevice implements DeviceLink {

  public enum Version { V3_1_1, V5 }

  /** A message from the cloud. */
  public record Received(String topic, byte[] payload) {

    public String text() {
      return new String(payload, StandardCharsets.UTF_8);
    }

    public JsonObject json() {
      return new JsonObject(text());
    }

    @Override
    public String toString() {
      return topic + " " + (topic.startsWith("c/fw/chunk/") ? "(" + payload.length + " bytes)" : text());
    }
  }

  /** How long a refusal's c/err notice may trail its PUBACK. */
  private static final Duration NOTICE_WAIT = Duration.ofSeconds(1);
  private static final long ANSWER_SECONDS = 10;

  private final Version version;
  private final Recorded<Received> received = new Recorded<>();
  private final Recorded<Call> calls = new Recorded<>();
  private final Map<String, Function<String, String>> functions = new ConcurrentHashMap<>();
  private final Map<String, String> variables = new ConcurrentHashMap<>();
  /** The firmware being received, once the device said fw/ready; touched only by the message handler after that. */
  private volatile Download download;
  private MqttWire wire;

  private MqttDevice(Version version) {
    this.version = version;
  }

  /**
   * Connects, subscribes to {@code c/#} and declares {@link DeviceLink#OPENING_DESCRIPTION}, as firmware
   * does after every connect.
   *
   * @param vertx the Vert.x of the MQTT 3.1.1 client; unused for MQTT 5
   * @throws MqttWire.ConnectRefused when the CONNECT is refused
   */
  public static MqttDevice connect(Version version, Vertx vertx, int port, String deviceId, String secret) throws Exception {
    return connect(version, vertx, MqttLogin.secret(port, deviceId, secret));
  }

  /** {@link #connect(Version, Vertx, int, String, String)} with any login: over TLS, with a certificate. */
  public static MqttDevice connect(Version version, Vertx vertx, MqttLogin login) throws Exception {
    MqttDevice device = new MqttDevice(version);
    device.wire = version == Version.V3_1_1
        ? VertxMqttWire.connect(vertx, login, device::onMessage)
        : PahoMqttWire.connect(login, device::onMessage);
    device.wire.subscribe("c/#").get(ANSWER_SECONDS, TimeUnit.SECONDS);
    WireAnswer described = device.describe(OPENING_DESCRIPTION);
    if (!described.text().startsWith("PUBACK") || described.text().contains("c/err")) {
      throw new AssertionError("the opening description was refused: " + described);
    }
    return device;
  }

  /** @return the CONNACK code of a connect with these credentials: 0x00 when accepted (the connection is then closed again) */
  public static WireAnswer connack(Version version, Vertx vertx, int port, String deviceId, String secret) throws Exception {
    return connack(version, vertx, MqttLogin.secret(port, deviceId, secret));
  }

  /** {@link #connack(Version, Vertx, int, String, String)} with any login. */
  public static WireAnswer connack(Version version, Vertx vertx, MqttLogin login) throws Exception {
    MqttWire.MessageHandler ignore = (topic, payload) -> { };
    MqttWire connected;
    try {
      connected = version == Version.V3_1_1
          ? VertxMqttWire.connect(vertx, login, ignore)
          : PahoMqttWire.connect(login, ignore);
    } catch (MqttWire.ConnectRefused refused) {
      return new WireAnswer("CONNACK " + WireAnswer.hex(refused.code));
    }
    connected.close();
    return new WireAnswer("CONNACK " + WireAnswer.hex(0));
  }

  public Recorded<Received> received() {
    return received;
  }

  @Override
  public WireAnswer publish(String name, byte[] data, boolean durable) throws Exception {
    return send("e/" + name, data, durable ? 1 : 0);
  }

  /** Publishes event {@code name} and returns at once, without awaiting its acknowledgement. */
  public void publishWithoutWaiting(String name, byte[] data, int qos) {
    wire.publish("e/" + name, data, qos);
  }

  @Override
  public WireAnswer describe(String description) throws Exception {
    return send("d", description.getBytes(StandardCharsets.UTF_8), 1);
  }

  @Override
  public JsonObject handshake(JsonObject handshake) throws Exception {
    int from = received.size();
    WireAnswer answer = sendHandshake(handshake);
    if (!isAccepted(answer)) {
      throw new AssertionError("the handshake was refused: " + answer);
    }
    return received.awaitFirst(from, message -> message.topic().equals("c/h"), "the handshake's answer on c/h").json();
  }

  @Override
  public JsonObject awaitHandshakeNotice(java.util.function.Predicate<JsonObject> match) throws Exception {
    return received.awaitFirst(message -> message.topic().equals("c/h") && match.test(message.json()), "a handshake answer on c/h").json();
  }

  @Override
  public WireAnswer sendHandshake(JsonObject handshake) throws Exception {
    return send("h", handshake.toBuffer().getBytes(), 1);
  }

  @Override
  public FirmwareDownload downloadFirmware(JsonObject handshakeAnswer) throws Exception {
    JsonObject offer = received.awaitFirst(message -> message.topic().equals("c/fw/offer"), "an offer on c/fw/offer").json();
    Download receiving = new Download(offer.getInteger("size"));
    download = receiving;
    WireAnswer ready = send("fw/ready", new JsonObject().put("version", offer.getInteger("version")).put("offset", 0).toBuffer().getBytes(), 1);
    if (!isAccepted(ready)) {
      throw new AssertionError("fw/ready was refused: " + ready);
    }
    receiving.acked.await(offsets -> !offsets.isEmpty() && offsets.get(offsets.size() - 1) >= receiving.size,
        "every chunk of the " + receiving.size + "-byte binary");
    return new FirmwareDownload(offer.getInteger("version"), offer.getInteger("size"), offer.getString("sha256"), receiving.bytes());
  }

  @Override
  public WireAnswer reportFirmwareResult(int version, boolean verified) throws Exception {
    JsonObject result = new JsonObject().put("version", version).put("status", verified ? "verified" : "failed");
    return send("fw/result", result.toBuffer().getBytes(), 1);
  }

  @Override
  public JsonObject awaitSettings() {
    return received.awaitFirst(message -> message.topic().equals("c/cfg"), "settings on c/cfg").json();
  }

  @Override
  public WireAnswer acknowledgeSettings(String checksum) throws Exception {
    return send("cfg/ack", new JsonObject().put("checksum", checksum).toBuffer().getBytes(), 1);
  }

  @Override
  public void serveFunction(String function, Function<String, String> body) {
    functions.put(function, body);
  }

  @Override
  public void serveVariable(String variable, String value) {
    variables.put(variable, value);
  }

  @Override
  public Recorded<Call> calls() {
    return calls;
  }

  @Override
  public WireAnswer awaitTakenOver() throws Exception {
    int reason = wire.ended().get(ANSWER_SECONDS, TimeUnit.SECONDS);
    return new WireAnswer(reason >= 0 ? "DISCONNECT " + WireAnswer.hex(reason) : "connection closed");
  }

  @Override
  public boolean isOpen() {
    return !wire.ended().isDone();
  }

  @Override
  public void end() throws Exception {
    wire.disconnect();
  }

  @Override
  public void close() {
    wire.close();
  }

  /**
   * Publishes and reads the answer: the PUBACK (with its reason code under MQTT 5), or the connection's
   * end, followed by the {@code c/err} notice about this topic if one came.
   */
  private WireAnswer send(String topic, byte[] payload, int qos) throws Exception {
    int from = received.size();
    int code;
    try {
      code = wire.publish(topic, payload, qos).get(ANSWER_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof MqttWire.ConnectionLost) {
        return new WireAnswer("disconnected");
      }
      throw e;
    } catch (TimeoutException e) {
      return new WireAnswer("no PUBACK within " + ANSWER_SECONDS + " s");
    }
    String ack = qos == 0 ? "sent" : version == Version.V5 ? "PUBACK " + WireAnswer.hex(code) : "PUBACK";
    Received notice = noticeAbout(topic, from, code >= 0x80);
    if (notice == null) {
      return new WireAnswer(ack);
    }
    JsonObject body = notice.json();
    String about = topic.equals(body.getString("topic")) ? "" : " about " + body.getString("topic");
    return new WireAnswer(ack + " + c/err " + body.getString("error") + about);
  }

  /**
   * The {@code c/err} notice that followed a publish. Under MQTT 5 a refusing reason code announces
   * one, which is awaited; otherwise a SUBACK is the barrier: the server handles a SUBSCRIBE after the
   * PUBLISH before it, so a notice, if any, was sent first. (Paho may report the SUBACK before it
   * delivers the message received just ahead of it, so under MQTT 5 the barrier can miss an unexpected
   * notice; it never invents one.)
   */
  private Received noticeAbout(String topic, int from, boolean announced) throws Exception {
    if (!isOpen()) {
      return null;
    }
    if (announced) {
      try {
        return received.awaitFirst(from, message -> message.topic().equals("c/err"), NOTICE_WAIT, "a c/err notice about " + topic);
      } catch (AssertionError none) {
        return null;
      }
    }
    try {
      wire.subscribe("c/barrier").get(ANSWER_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      return null; // the connection ended meanwhile
    }
    List<Received> all = received.all(); // one snapshot: more may arrive while it is read
    for (Received message : all.subList(Math.min(from, all.size()), all.size())) {
      if (message.topic().equals("c/err")) {
        return message;
      }
    }
    return null;
  }

  private boolean isAccepted(WireAnswer answer) {
    return answer.text().equals(version == Version.V5 ? "PUBACK 0x00" : "PUBACK");
  }

  /** Runs on the client's thread, one message at a time. */
  private void onMessage(String topic, byte[] payload) {
    received.add(new Received(topic, payload));
    if (topic.startsWith("c/fw/chunk/")) {
      onChunk(topic, payload);
      return;
    }
    if (topic.equals("c/s")) {
      calls.add(new Call("signal", "", new String(payload, StandardCharsets.UTF_8)));
      return;
    }
    String[] levels = topic.split("/");
    if (levels.length != 4 || !levels[0].equals("c")) {
      return;
    }
    String argument = new String(payload, StandardCharsets.UTF_8);
    String answer = null;
    if (levels[1].equals("f")) {
      calls.add(new Call("function", levels[2], argument));
      Function<String, String> function = functions.get(levels[2]);
      answer = function == null ? null : function.apply(argument);
    } else if (levels[1].equals("v")) {
      calls.add(new Call("variable", levels[2], argument));
      answer = variables.get(levels[2]);
    }
    if (answer != null) {
      wire.publish("r/" + levels[3], answer.getBytes(StandardCharsets.UTF_8), 1);
    }
  }

  /** {@code c/fw/chunk/{offset}/{crc32}}: kept when it is the next one and whole, then acknowledged cumulatively. */
  private void onChunk(String topic, byte[] chunk) {
    Download receiving = download;
    String[] levels = topic.split("/");
    if (receiving == null || levels.length != 5) {
      return;
    }
    CRC32 crc = new CRC32();
    crc.update(chunk);
    if (Integer.parseInt(levels[3]) != receiving.bytes.size() || !String.format("%08x", crc.getValue()).equals(levels[4])) {
      return;
    }
    receiving.bytes.write(chunk, 0, chunk.length);
    int offset = receiving.bytes.size();
    wire.publish("fw/ack", new JsonObject().put("offset", offset).toBuffer().getBytes(), 0);
    receiving.acked.add(offset);
  }

  /** One binary on its way in. */
  private static final class Download {
    final int size;
    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    final Recorded<Integer> acked = new Recorded<>();

    Download(int size) {
      this.size = size;
    }

    synchronized byte[] bytes() {
      return bytes.toByteArray();
    }
  }
}
