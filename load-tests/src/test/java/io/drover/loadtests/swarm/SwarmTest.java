package io.drover.loadtests.swarm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.loadtests.CommandLine;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.mqtt.MqttServer;
import io.vertx.mqtt.MqttServerOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the swarm against a small in-process MQTT server that accepts one secret and acknowledges QoS 1. */
class SwarmTest {

  private static final String GOOD_SECRET = "s3cret";

  @TempDir
  Path dir;
  private Vertx serverVertx;
  private MqttServer server;
  /** Events whose payload started with a publish time within the last minute. */
  private final AtomicLong freshlyStamped = new AtomicLong();

  @BeforeEach
  void startServer() throws Exception {
    serverVertx = Vertx.vertx();
    server = MqttServer.create(serverVertx, new MqttServerOptions().setHost("127.0.0.1").setPort(0))
        .endpointHandler(endpoint -> {
          if (endpoint.auth() == null || !GOOD_SECRET.equals(endpoint.auth().getPassword())) {
            endpoint.reject(MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD);
            return;
          }
          endpoint.publishHandler(message -> {
            long stamp = PayloadStamp.read(message.payload().toString(StandardCharsets.US_ASCII), 0);
            if (stamp > PayloadStamp.nowMicros() - 60_000_000L) {
              freshlyStamped.incrementAndGet();
            }
            if (message.qosLevel() == MqttQoS.AT_LEAST_ONCE) {
              endpoint.publishAcknowledge(message.messageId());
            }
          });
          endpoint.accept(false);
        });
    server.listen().await(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stopServer() throws Exception {
    serverVertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void countsRefusedDevicesAndMeasuresPubAckLatency() throws Exception {
    Path credentials = dir.resolve("devices.txt");
    Files.write(credentials, List.of(
        "# id secret",
        "000000000000000000000001 " + GOOD_SECRET,
        "000000000000000000000002 " + GOOD_SECRET,
        "000000000000000000000003 wrong",
        "000000000000000000000004 " + GOOD_SECRET,
        "000000000000000000000005 " + GOOD_SECRET));
    Path ready = dir.resolve("ready.json");
    SwarmSettings settings = SwarmSettings.from(CommandLine.parse(List.of(
        "--port", Integer.toString(server.actualPort()),
        "--credentials", credentials.toString(),
        "--offset", "1",
        "--count", "4",
        "--in-flight", "2",
        "--event-loops", "2",
        "--hold-s", "1",
        "--rate", "200",
        "--qos", "1",
        "--payload-bytes", "100",
        "--stamp-payload", "true",
        "--ready-file", ready.toString(),
        "--deadline-s", "60")));

    SwarmReport report = new Swarm(settings, DeviceCredentials.read(credentials, 1, 4)).run();

    JsonObject json = report.toJson();
    assertEquals(3, json.getInteger("connected"), json.encode());
    assertEquals(1, json.getInteger("failed"), json.encode());
    assertEquals(1, json.getJsonObject("failureReasons").getInteger("connack:connection_refused_bad_user_name_or_password"), json.encode());
    assertTrue(json.getLong("publishesAcked") > 50, json.encode());
    assertEquals(json.getLong("published"), json.getLong("publishesAcked") + json.getLong("publishFailed"), json.encode());
    assertTrue(json.getDouble("ackP99Ms") > 0, json.encode());
    assertEquals(json.getLong("publishesAcked"), freshlyStamped.get(), json.encode());
    assertEquals(new JsonObject().put("connected", 3).put("failed", 1), new JsonObject(Files.readString(ready)));
  }

  @Test
  void refusesATargetOffThisMachine() {
    IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
        () -> SwarmSettings.from(CommandLine.parse(List.of("--host", "10.1.2.3", "--credentials", "x", "--count", "1"))));
    assertTrue(refused.getMessage().contains("loopback"), refused.getMessage());
  }
}
