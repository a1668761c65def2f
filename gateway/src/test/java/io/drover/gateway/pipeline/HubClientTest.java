package io.drover.gateway.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.gateway.contract.BusAddresses;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import jdk.jfr.consumer.RecordingStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The hub's answers to the gateway's bus requests: they come back on the asking context, and asking
 * leaves no inflated object monitor behind (an {@code ObjectMonitor} in native memory per connect).
 */
class HubClientTest {

  private static final String REPLY_HANDLER = "io.vertx.core.eventbus.impl.ReplyHandler";

  private Vertx vertx;
  private HubClient hub;

  @BeforeEach
  void hubAnswers() throws Exception {
    vertx = Vertx.vertx();
    hub = new HubClient(vertx, Duration.ofSeconds(5), true);
    // the hub on its own verticle, as in a node: the answers come from another event loop
    vertx.deployVerticle(new VerticleBase() {
      @Override
      public Future<?> start() {
        return vertx.eventBus().<JsonObject>consumer(BusAddresses.FIRMWARE_TARGET,
            message -> message.reply(new JsonObject().put("asked", message.body().getInteger("n")))).completion();
      }
    }).await(5, TimeUnit.SECONDS);
  }

  @AfterEach
  void close() throws Exception {
    vertx.close().await(5, TimeUnit.SECONDS);
  }

  /** Asks {@code count} questions, one after the other, from a verticle's context; the handler runs once per answer. */
  private CompletableFuture<Void> askFromAVerticle(int count, boolean throughHubClient, AnswerCheck check) throws Exception {
    CompletableFuture<Void> done = new CompletableFuture<>();
    vertx.deployVerticle(new VerticleBase() {
      @Override
      public Future<?> start() {
        Context asking = context;
        ask(asking, 0);
        return Future.succeededFuture();
      }

      private void ask(Context asking, int n) {
        if (n == count) {
          done.complete(null);
          return;
        }
        JsonObject question = new JsonObject().put("n", n);
        Future<JsonObject> answer = throughHubClient
            ? hub.firmwareTarget(question)
            : vertx.eventBus().<JsonObject>request(BusAddresses.FIRMWARE_TARGET, question).map(reply -> reply.body());
        answer.onComplete(result -> {
          try {
            check.answered(asking, n, result);
            ask(asking, n + 1);
          } catch (Throwable e) {
            done.completeExceptionally(e);
          }
        }, error -> done.completeExceptionally(error));
      }
    }).await(5, TimeUnit.SECONDS);
    return done;
  }

  interface AnswerCheck {
    void answered(Context asking, int n, JsonObject answer);
  }

  @Test
  void theAnswerComesBackOnTheAskingContext() throws Exception {
    askFromAVerticle(20, true, (asking, n, answer) -> {
      assertSame(asking, Vertx.currentContext(), "the answer runs on the asking verticle's context");
      assertTrue(asking.isEventLoopContext());
      assertEquals(n, answer.getInteger("asked"));
    }).get(10, TimeUnit.SECONDS);
  }

  /**
   * Vert.x hashes a request's reply handler while it holds the handler's lock when the request is made on
   * a verticle's context (a close hook of the verticle); on Java 17 that inflates the handler's monitor.
   * The plain request is the control: should a JVM or Vert.x upgrade stop that, it fails, and the
   * detour in {@link HubClient} can go.
   */
  @Test
  void askingInflatesNoMonitorWhereAPlainRequestDoes() throws Exception {
    assertEquals(0, replyHandlerInflations(true), "reply handlers inflated through the HubClient");
    assertTrue(replyHandlerInflations(false) > 0, "a plain request on a verticle's context inflates its reply handler's monitor");
  }

  private int replyHandlerInflations(boolean throughHubClient) throws Exception {
    AtomicInteger inflated = new AtomicInteger();
    try (RecordingStream events = new RecordingStream()) {
      events.enable("jdk.JavaMonitorInflate").withoutThreshold().withStackTrace();
      events.onEvent("jdk.JavaMonitorInflate", event -> {
        // this test's requests only: another test's Vert.x, should one linger in this JVM, is not counted
        if (REPLY_HANDLER.equals(event.getClass("monitorClass").getName()) && event.getStackTrace() != null
            && event.getStackTrace().getFrames().stream().anyMatch(frame -> frame.getMethod().getType().getName().startsWith(HubClientTest.class.getName()))) {
          inflated.incrementAndGet();
        }
      });
      events.startAsync();
      askFromAVerticle(50, throughHubClient, (asking, n, answer) -> { }).get(10, TimeUnit.SECONDS);
      Thread.sleep(2500); // JFR hands its events over about once a second
    }
    return inflated.get();
  }
}
