package io.drover.hub.demo;

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
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One simulated device, a plain MQTT client speaking docs/device-protocol.md as firmware would: it
 * declares an {@code led} and a {@code reboot} function and four variables, answers calls, and
 * publishes a temperature and humidity reading every few seconds. Runs on the demo verticle's loop.
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

  /** @param tls the node's own certificate when {@code port} is its MQTT over TLS port, else null */
  DemoDevice(Vertx vertx, String id, String secret, String host, int port, ServerTls tls) {
    this.vertx = vertx;
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

  Future<Void> connect() {
    return client.connect(port, host)
        .compose(connack -> client.subscribe("c/#", 1))
        .compose(subscribed -> client.publish("d", new JsonObject()
            .put("f", new JsonArray().add("led").add("reboot"))
            .put("v", new JsonObject().put("temperature", "double").put("humidity", "double").put("uptime", "int").put("led", "string"))
            .toBuffer(), MqttQoS.AT_LEAST_ONCE, false, false))
        .onSuccess(described -> {
          readingTimer = vertx.setPeriodic(4000 + ThreadLocalRandom.current().nextInt(2000), t -> publishReadings());
          publishReadings();
        })
        .mapEmpty();
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
    String[] levels = message.topicName().split("/");
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
