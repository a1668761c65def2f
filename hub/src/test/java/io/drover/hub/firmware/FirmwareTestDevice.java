package io.drover.hub.firmware;

import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.mqtt.MqttClient;
import io.vertx.mqtt.MqttClientOptions;
import io.vertx.mqtt.messages.MqttPublishMessage;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;

/**
 * A device that takes firmware updates as docs/device-protocol.md section 8 says: handshake, offer,
 * chunks checked by CRC-32 and acknowledged, SHA-256 at the end. Its {@link Flash} outlives a
 * connection, so a transfer resumes where it stopped. It can corrupt one chunk on arrival, and drop
 * its connection part-way, to prove the cloud's recovery.
 */
public final class FirmwareTestDevice implements AutoCloseable {

  /** What the device keeps across connections: the partial download and what happened to it. */
  public static final class Flash {
    public final ByteArrayOutputStream kept = new ByteArrayOutputStream();
    public volatile JsonObject offer;
    volatile int corruptAt = -1;
    volatile int dropAfter = -1;
    volatile int naks;
    /** Damages what is stored after the CRC check (flash that fails), so the SHA-256 check fails every time. */
    volatile boolean spoil;
    public final List<String> results = new CopyOnWriteArrayList<>();
    volatile int firstChunkOffsetOfConnection = -1;
    final List<Integer> readyOffsets = new CopyOnWriteArrayList<>();
    public final Promise<byte[]> verified = Promise.promise();
  }

  private final MqttClient client;
  private final Flash flash;
  public final List<JsonObject> handshakeAnswers = new CopyOnWriteArrayList<>();
  public final List<JsonObject> offers = new CopyOnWriteArrayList<>();
  final List<JsonObject> errors = new CopyOnWriteArrayList<>();
  private final Promise<Void> dropped = Promise.promise();
  /** Set when the device cuts its connection: what arrives after that is lost, as on a real drop. */
  private volatile boolean cut;

  private FirmwareTestDevice(MqttClient client, Flash flash) {
    this.client = client;
    this.flash = flash;
    flash.firstChunkOffsetOfConnection = -1;
    client.publishHandler(this::onMessage);
    client.closeHandler(ignored -> dropped.tryComplete());
  }

  public static FirmwareTestDevice connect(Vertx vertx, int port, String deviceId, String secret, Flash flash) throws Exception {
    MqttClient client = MqttClient.create(vertx, new MqttClientOptions().setClientId(deviceId).setUsername(deviceId).setPassword(secret)
        .setAutoKeepAlive(true).setMaxInflightQueue(100));
    FirmwareTestDevice device = new FirmwareTestDevice(client, flash);
    client.connect(port, "127.0.0.1").await(10, TimeUnit.SECONDS);
    Promise<Void> subscribed = Promise.promise();
    client.subscribeCompletionHandler(ack -> subscribed.tryComplete());
    client.subscribe("c/#", 1);
    subscribed.future().await(10, TimeUnit.SECONDS);
    return device;
  }

  public void handshake(int productId, int version) throws Exception {
    client.publish("h", new JsonObject().put("product_id", productId).put("firmware_version", version).put("platform_id", FirmwareFleet.PLATFORM)
        .toBuffer(), MqttQoS.AT_LEAST_ONCE, false, false).await(5, TimeUnit.SECONDS);
  }

  void publish(String topic, String payload) throws Exception {
    client.publish(topic, io.vertx.core.buffer.Buffer.buffer(payload), MqttQoS.AT_LEAST_ONCE, false, false).await(5, TimeUnit.SECONDS);
  }

  Future<Void> dropped() {
    return dropped.future();
  }

  private void onMessage(MqttPublishMessage message) {
    if (cut) {
      return;
    }
    String topic = message.topicName();
    if (topic.equals("c/err")) {
      errors.add(new JsonObject(message.payload()));
    } else if (topic.equals("c/h")) {
      handshakeAnswers.add(new JsonObject(message.payload()));
    } else if (topic.equals("c/fw/offer")) {
      JsonObject offer = new JsonObject(message.payload());
      offers.add(offer);
      JsonObject before = flash.offer;
      if (before == null || !before.getString("sha256").equals(offer.getString("sha256"))) {
        flash.kept.reset(); // another binary: start over
      }
      flash.offer = offer;
      flash.readyOffsets.add(flash.kept.size());
      send("fw/ready", new JsonObject().put("version", offer.getInteger("version")).put("offset", flash.kept.size()), MqttQoS.AT_LEAST_ONCE);
    } else if (topic.startsWith("c/fw/chunk/")) {
      String[] parts = topic.split("/");
      onChunk(Integer.parseInt(parts[3]), parts[4], message.payload().getBytes());
    }
  }

  private void onChunk(int offset, String crcHex, byte[] chunk) {
    if (flash.firstChunkOffsetOfConnection < 0) {
      flash.firstChunkOffsetOfConnection = offset;
    }
    if (offset != flash.kept.size()) {
      return; // a chunk of a window the device already asked to resend: dropped, as the protocol says
    }
    byte[] arrived = chunk;
    if (offset == flash.corruptAt) {
      flash.corruptAt = -1;
      arrived = Arrays.copyOf(chunk, chunk.length);
      arrived[arrived.length / 2] ^= 0x20; // one bit flipped on the way
    }
    CRC32 crc = new CRC32();
    crc.update(arrived);
    if (!String.format("%08x", crc.getValue()).equals(crcHex)) {
      flash.naks++;
      send("fw/nak", new JsonObject().put("offset", offset), MqttQoS.AT_MOST_ONCE);
      return;
    }
    flash.kept.writeBytes(arrived);
    send("fw/ack", new JsonObject().put("offset", flash.kept.size()), MqttQoS.AT_MOST_ONCE);
    if (flash.dropAfter > 0 && flash.kept.size() >= flash.dropAfter) {
      flash.dropAfter = -1;
      cut = true;
      client.disconnect();
      return;
    }
    if (flash.kept.size() == flash.offer.getInteger("size")) {
      byte[] binary = flash.kept.toByteArray();
      if (flash.spoil) {
        binary[binary.length - 1] ^= 1;
      }
      boolean good;
      try {
        FirmwareBinary parsed = FirmwareBinary.parse(binary); // checks the payload's SHA-256 against the header
        good = parsed.sha256Hex().equals(flash.offer.getString("sha256"));
      } catch (FirmwareBinary.InvalidBinary e) {
        good = false;
      }
      send("fw/result", new JsonObject().put("version", flash.offer.getInteger("version")).put("status", good ? "verified" : "failed")
          .put("error", good ? null : "sha256"), MqttQoS.AT_LEAST_ONCE);
      flash.results.add(good ? "verified" : "failed");
      if (good) {
        flash.verified.tryComplete(binary);
      } else {
        flash.kept.reset();
      }
    }
  }

  private void send(String topic, JsonObject json, MqttQoS qos) {
    client.publish(topic, json.toBuffer(), qos, false, false);
  }

  static String hex(byte[] bytes) {
    return HexFormat.of().formatHex(bytes);
  }

  @Override
  public void close() throws Exception {
    if (client.isConnected()) {
      client.disconnect().await(5, TimeUnit.SECONDS);
    }
  }
}
