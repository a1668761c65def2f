package io.drover.hub.demo;

import io.drover.hub.firmware.FirmwareBinary;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.drover.gateway.ServerTls;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.mqtt.MqttClient;
import io.vertx.mqtt.MqttClientOptions;
import io.vertx.mqtt.messages.MqttPublishMessage;
import java.io.ByteArrayOutputStream;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import java.util.zip.CRC32;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One simulated device, a plain MQTT client speaking docs/device-protocol.md as firmware would: it
 * declares an {@code led} and a {@code reboot} function and four variables, answers calls, and
 * publishes a temperature and humidity reading every few seconds. Once imported into a product it
 * handshakes with its firmware version at each connection (section 8.2) and takes the updates the
 * cloud offers (section 8.3: chunks checked by CRC-32 and acknowledged, the SHA-256 checked at the
 * end), then restarts into the new version, so a demo shows a release reach the fleet.
 * Runs on the demo verticle's loop.
 */
final class DemoDevice {

  private static final Logger LOG = LoggerFactory.getLogger(DemoDevice.class);

  private final Vertx vertx;
  private final String id;
  private final MqttClient client;
  private final String host;
  private final int port;
  private final long startedAt = System.currentTimeMillis();
  private double temperature = 19 + ThreadLocalRandom.current().nextDouble(4);
  private double humidity = 40 + ThreadLocalRandom.current().nextDouble(10);
  private boolean led;
  private long readingTimer = -1;
  private boolean stopped;
  /** Where the device stands in a product, read at each connection. */
  private final Function<String, Future<Placement>> placements;
  /** The product firmware it runs: -1 until the first connection reads it, then what it flashed. */
  private int runningVersion = -1;
  /** The product its last handshake named (0: none yet). */
  private int handshakeProduct;
  /** The update under way: its offer and the bytes received in order (kept across reconnections, to resume). */
  private JsonObject offer;
  private final ByteArrayOutputStream received = new ByteArrayOutputStream();

  /** The device's product (0: none) and the firmware version the cloud last recorded for it. */
  record Placement(int productId, int firmwareVersion) {
  }

  /** @param tls the node's own certificate when {@code port} is its MQTT over TLS port, else null */
  DemoDevice(Vertx vertx, String id, String secret, String host, int port, ServerTls tls, Function<String, Future<Placement>> placements) {
    this.vertx = vertx;
    this.placements = placements;
    this.id = id;
    this.host = host;
    this.port = port;
    MqttClientOptions options = new MqttClientOptions().setClientId(id).setUsername(id).setPassword(secret).setAutoKeepAlive(true);
    if (tls != null) {
      // this process's own listener: trust exactly the certificate it serves, whatever names it carries
      options.setSsl(true).setTrustOptions(new PemTrustOptions().addCertValue(tls.certificateChain())).setHostnameVerificationAlgorithm("");
    }
    this.client = MqttClient.create(vertx, options);
    client.publishHandler(this::onCloudMessage);
    client.closeHandler(ignored -> onClosed());
  }

  String id() {
    return id;
  }

  Future<Void> connect() {
    return client.connect(port, host)
        .compose(connack -> client.subscribe("c/#", 1))
        .compose(subscribed -> client.publish("d", new JsonObject()
            .put("f", new JsonArray().add("led").add("reboot"))
            .put("v", new JsonObject().put("temperature", "double").put("humidity", "double").put("uptime", "int").put("led", "string"))
            .toBuffer(), MqttQoS.AT_LEAST_ONCE, false, false))
        .compose(described -> handshake())
        .onSuccess(handshaken -> {
          readingTimer = vertx.setPeriodic(4000 + ThreadLocalRandom.current().nextInt(2000), t -> publishReadings());
          publishReadings();
        })
        .mapEmpty();
  }

  /** The handshake of a product device (section 8.2); a device in no product has none to make. */
  private Future<Void> handshake() {
    return placements.apply(id).compose(this::handshake);
  }

  private Future<Void> handshake(Placement placement) {
    if (runningVersion < 0) {
      runningVersion = placement.firmwareVersion();
    }
    handshakeProduct = placement.productId();
    if (placement.productId() <= 0 || !client.isConnected()) {
      return Future.succeededFuture();
    }
    LOG.info("demo device handshake [device-id: {}, product: {}, firmware-version: {}]", id, placement.productId(), runningVersion);
    return client.publish("h", new JsonObject().put("product_id", placement.productId()).put("firmware_version", runningVersion)
        .put("platform_id", DemoFleet.PLATFORM).toBuffer(), MqttQoS.AT_LEAST_ONCE, false, false).mapEmpty();
  }

  /**
   * The fleet saw where the device stands now: imported into a product (or moved to another) while
   * connected, it handshakes again at once, as firmware flashed for that product would after a restart.
   */
  void placed(Placement placement) {
    if (placement.productId() != handshakeProduct && runningVersion >= 0 && client.isConnected()) {
      handshake(placement).onFailure(cause -> LOG.debug("demo handshake not sent [device-id: {}, cause: {}]", id, cause.getMessage()));
    }
  }

  void stop() {
    stopped = true;
    vertx.cancelTimer(readingTimer);
    if (client.isConnected()) {
      client.disconnect();
    }
  }

  private void publishReadings() {
    temperature += ThreadLocalRandom.current().nextGaussian() * 0.2;
    humidity = Math.max(10, Math.min(90, humidity + ThreadLocalRandom.current().nextGaussian() * 0.5));
    if (client.isConnected()) {
      client.publish("e/temperature", Buffer.buffer(format(temperature)), MqttQoS.AT_MOST_ONCE, false, false);
      client.publish("e/humidity", Buffer.buffer(format(humidity)), MqttQoS.AT_MOST_ONCE, false, false);
    }
  }

  /** Answers {@code c/f/NAME/ID} and {@code c/v/NAME/ID} on {@code r/ID}; notes a signal. */
  private void onCloudMessage(MqttPublishMessage message) {
    String topic = message.topicName();
    if (topic.equals("c/fw/offer")) {
      onOffer(new JsonObject(message.payload()));
      return;
    }
    if (topic.startsWith("c/fw/chunk/")) {
      String[] parts = topic.split("/");
      onChunk(Integer.parseInt(parts[3]), parts[4], message.payload().getBytes());
      return;
    }
    String[] levels = topic.split("/");
    String argument = message.payload().toString();
    if (levels.length == 2 && levels[1].equals("s")) {
      LOG.info("demo device signalled [device-id: {}, on: {}]", id, argument);
      return;
    }
    if (levels.length != 4) {
      return;
    }
    String answer = switch (levels[1] + "/" + levels[2]) {
      case "f/led" -> switch (argument.toLowerCase(Locale.ROOT)) {
        case "on" -> { led = true; yield "1"; }
        case "off" -> { led = false; yield "0"; }
        default -> "-1";
      };
      case "f/reboot" -> {
        vertx.setTimer(200, t -> client.disconnect());
        yield "0";
      }
      case "v/temperature" -> format(temperature);
      case "v/humidity" -> format(humidity);
      case "v/uptime" -> Long.toString((System.currentTimeMillis() - startedAt) / 1000);
      case "v/led" -> led ? "on" : "off";
      default -> null;
    };
    if (answer != null) {
      client.publish("r/" + levels[3], Buffer.buffer(answer), MqttQoS.AT_LEAST_ONCE, false, false);
    }
  }

  /** Another binary starts from 0; the same one resumes where the last connection stopped. */
  private void onOffer(JsonObject next) {
    if (offer == null || !offer.getString("sha256", "").equals(next.getString("sha256"))) {
      received.reset();
    }
    offer = next;
    LOG.info("demo device offered firmware [device-id: {}, version: {}, from-offset: {}]", id, next.getInteger("version"), received.size());
    publish("fw/ready", new JsonObject().put("version", next.getInteger("version")).put("offset", received.size()), MqttQoS.AT_LEAST_ONCE);
  }

  private void onChunk(int offset, String crcHex, byte[] chunk) {
    if (offer == null || offset != received.size()) {
      return; // not the next bytes (a window sent before a nak): dropped, as section 8.3 says
    }
    CRC32 crc = new CRC32();
    crc.update(chunk);
    if (!String.format("%08x", crc.getValue()).equals(crcHex)) {
      publish("fw/nak", new JsonObject().put("offset", offset), MqttQoS.AT_MOST_ONCE);
      return;
    }
    received.writeBytes(chunk);
    publish("fw/ack", new JsonObject().put("offset", received.size()), MqttQoS.AT_MOST_ONCE);
    if (received.size() < offer.getInteger("size")) {
      return;
    }
    int version = offer.getInteger("version");
    boolean verified;
    try {
      verified = FirmwareBinary.parse(received.toByteArray()).sha256Hex().equals(offer.getString("sha256"));
    } catch (RuntimeException invalid) {
      verified = false;
    }
    received.reset();
    offer = null;
    publish("fw/result", verified ? new JsonObject().put("version", version).put("status", "verified")
        : new JsonObject().put("version", version).put("status", "failed").put("error", "sha256"), MqttQoS.AT_LEAST_ONCE);
    LOG.info("demo device firmware {} [device-id: {}, version: {}]", verified ? "verified, restarting" : "failed", id, version);
    if (verified) {
      runningVersion = version;
      vertx.setTimer(500, t -> client.disconnect()); // applies it and restarts: the next handshake reports the version
    }
  }

  private void publish(String topic, JsonObject json, MqttQoS qos) {
    if (client.isConnected()) {
      client.publish(topic, json.toBuffer(), qos, false, false);
    }
  }

  /** A rebooted or dropped device comes back after a short while, as real ones do. */
  private void onClosed() {
    vertx.cancelTimer(readingTimer);
    if (!stopped) {
      vertx.setTimer(2000, t -> connect().onFailure(cause -> LOG.warn("demo device did not reconnect [device-id: {}, cause: {}]", id, cause.getMessage())));
    }
  }

  private static String format(double value) {
    return String.format(Locale.ROOT, "%.2f", value);
  }
}
