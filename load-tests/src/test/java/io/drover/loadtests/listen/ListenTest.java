package io.drover.loadtests.listen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.loadtests.CommandLine;
import io.drover.loadtests.swarm.PayloadStamp;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.mqtt.MqttServer;
import io.vertx.mqtt.MqttServerOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the listener against small in-process servers: an SSE stream like Drover's, and an MQTT broker. */
class ListenTest {

  @TempDir
  Path dir;
  private Vertx serverVertx;
  private Vertx listenVertx;

  @BeforeEach
  void start() {
    serverVertx = Vertx.vertx();
    listenVertx = Vertx.vertx();
  }

  @AfterEach
  void stop() throws Exception {
    listenVertx.close().await(10, TimeUnit.SECONDS);
    serverVertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void countsTheEventsOfAStreamAndTimesTheStampedOnes() throws Exception {
    long sentMicros = PayloadStamp.nowMicros() - 5_000;
    HttpServer server = serverVertx.createHttpServer().requestHandler(request -> {
      if (!"Bearer t0ken".equals(request.getHeader("Authorization"))) {
        request.response().setStatusCode(401).end();
        return;
      }
      request.response().setChunked(true).putHeader("Content-Type", "text/event-stream")
          .write(":ok\n\n")
          .compose(ignored -> request.response().write("id: 1\nevent: ingest\ndata: {\"data\":\"" + sentMicros
              + " xxxx\",\"ttl\":60,\"published_at\":\"2026-12-06T05:00:00.000Z\",\"coreid\":\"d1\"}\n\n"))
          .compose(ignored -> request.response().write("id: 2\nevent: ingest\ndata: {\"data\":\"no stamp\",\"ttl\":60}\n\n"))
          .compose(ignored -> request.response().end());
    });
    server.listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    Path token = dir.resolve("admin-token");
    Files.writeString(token, "t0ken\n");

    JsonObject report = ListenCommand.listen(listenVertx, ListenSettings.from(CommandLine.parse(List.of(
        "--port", Integer.toString(server.actualPort()), "--path", "/v1/devices/events/ingest", "--token-file", token.toString(),
        "--ready-file", dir.resolve("ready").toString(), "--deadline-s", "30"))));

    assertEquals(2, report.getLong("received"), report.encode());
    assertEquals(1, report.getLong("unstamped"), report.encode());
    assertEquals("stream ended", report.getString("endedBy"), report.encode());
    assertTrue(report.getDouble("e2eP50Ms") >= 5, report.encode());
    assertTrue(Files.exists(dir.resolve("ready")));
  }

  /** The stream's chunks end anywhere, in the middle of a line or of a stamp: each event is still read once, with its stamp. */
  @Test
  void readsEveryEventWhereverTheStreamsChunksEnd() throws Exception {
    long sentMicros = PayloadStamp.nowMicros() - 5_000;
    String stream = ":ok\n\n" + ("id: 1\nevent: ingest\ndata: {\"data\":\"" + sentMicros + " xxxx\",\"ttl\":60,\"coreid\":\"d1\"}\n\n").repeat(2)
        + "id: 2\nevent: ingest\ndata: {\"data\":\"no stamp\",\"ttl\":60}\n\n" + "\n";
    Path token = dir.resolve("admin-token");
    Files.writeString(token, "t0ken\n");
    ListenSettings settings = ListenSettings.from(CommandLine.parse(List.of("--port", "1", "--path", "/v1/devices/events/ingest",
        "--token-file", token.toString(), "--deadline-s", "30")));
    for (int cut = 0; cut <= stream.length(); cut++) {
      SseStreamSource source = new SseStreamSource(settings, "t0ken");
      Promise<Void> opened = Promise.promise();
      source.onChunk(Buffer.buffer(stream.substring(0, cut)), opened);
      source.onChunk(Buffer.buffer(stream.substring(cut)), opened);
      assertEquals(3, source.reception.received, "cut at " + cut);
      assertEquals(1, source.reception.unstamped, "cut at " + cut);
      assertEquals(2, source.reception.latency.count(), "cut at " + cut);
      assertTrue(opened.future().succeeded(), "cut at " + cut);
    }
  }

  @Test
  void countsWhatAnMqttSubscriptionReceivesUntilQuietAfterTheStopFile() throws Exception {
    Path stop = dir.resolve("stop");
    MqttServer broker = MqttServer.create(serverVertx, new MqttServerOptions().setHost("127.0.0.1").setPort(0))
        .endpointHandler(endpoint -> {
          endpoint.subscribeHandler(subscribe -> {
            endpoint.subscribeAcknowledge(subscribe.messageId(), List.of(MqttQoS.AT_MOST_ONCE));
            for (int i = 0; i < 3; i++) {
              endpoint.publish("e/ingest", stampedPayload(), MqttQoS.AT_MOST_ONCE, false, false);
            }
            serverVertx.setTimer(200, id -> serverVertx.executeBlocking(() -> Files.createFile(stop)));
          });
          endpoint.accept(false);
        });
    broker.listen().await(10, TimeUnit.SECONDS);

    JsonObject report = ListenCommand.listen(listenVertx, ListenSettings.from(CommandLine.parse(List.of(
        "--port", Integer.toString(broker.actualPort()), "--topic", "e/ingest", "--stop-file", stop.toString(),
        "--quiet-ms", "300", "--deadline-s", "30"))));

    assertEquals(3, report.getLong("received"), report.encode());
    assertEquals(0, report.getLong("unstamped"), report.encode());
    assertEquals("stop file, then quiet", report.getString("endedBy"), report.encode());
  }

  /** A payload stamped now, as the swarm writes it. */
  private static Buffer stampedPayload() {
    return Buffer.buffer(PayloadStamp.nowMicros() + " " + "x".repeat(83));
  }
}
