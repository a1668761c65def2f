package io.drover.gateway.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.gateway.contract.BusAddresses;
import io.drover.gateway.contract.DeviceEvent;
import io.drover.gateway.contract.DeviceEventCodec;
import io.drover.gateway.contract.DeviceFailure;
import io.drover.gateway.contract.DeviceFailure.Kind;
import io.drover.gateway.contract.LocalDurableEvent;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A durable event from a session's event loop to the hub of the same node goes over as a
 * {@link LocalDurableEvent} (no bus request, no reply handler, no timer per event), and its outcome is
 * what a bus request's would be: written, the hub's refusal with its kind, or UNAVAILABLE at the hub timeout.
 */
class DurableHandOverTest {

  private static final Duration TIMEOUT = Duration.ofMillis(300);

  private Vertx vertx;
  private HubClient hub;
  /** What the fake hub received, by event name: the message, answered by the test. */
  private final Map<String, Message<Object>> received = new ConcurrentHashMap<>();
  private Context hubContext;

  @BeforeEach
  void hubOnThisNode() throws Exception {
    vertx = Vertx.vertx();
    vertx.eventBus().registerCodec(new DeviceEventCodec());
    vertx.eventBus().registerCodec(new LocalDurableEvent.Codec());
    hub = new HubClient(vertx, TIMEOUT, true);
    vertx.deployVerticle(new VerticleBase() {
      @Override
      public Future<?> start() {
        hubContext = context;
        return vertx.eventBus().<Object>consumer(BusAddresses.PUBLISH_EVENT, message -> received.put(nameOf(message.body()), message)).completion();
      }
    }).await(5, TimeUnit.SECONDS);
  }

  @AfterEach
  void close() throws Exception {
    vertx.close().await(5, TimeUnit.SECONDS);
  }

  private static String nameOf(Object body) {
    return body instanceof LocalDurableEvent local ? local.event().name() : ((DeviceEvent) body).name();
  }

  private static DeviceEvent event(String name) {
    return new DeviceEvent("0123456789abcdef01234567", name, "data", System.currentTimeMillis(), DeviceEvent.DEFAULT_TTL, false);
  }

  /** An outcome of publishDurably: the context it was handed to, when, and the failure if any. */
  private record Outcome(Context context, long atNanos, Throwable failure) {
  }

  /** Publishes from a verticle's event loop, as a session does; completes with the outcome. */
  private CompletableFuture<Outcome> publishFromASession(String name) throws Exception {
    CompletableFuture<Outcome> outcome = new CompletableFuture<>();
    vertx.deployVerticle(new VerticleBase() {
      @Override
      public Future<?> start() {
        hub.publishDurably(event(name)).onComplete(done -> outcome.complete(new Outcome(Vertx.currentContext(), System.nanoTime(), done.cause())));
        return Future.succeededFuture();
      }
    }).await(5, TimeUnit.SECONDS);
    return outcome;
  }

  private Message<Object> awaitReceived(String name) throws InterruptedException {
    for (int i = 0; i < 500 && !received.containsKey(name); i++) {
      Thread.sleep(10);
    }
    Message<Object> message = received.get(name);
    assertNotNull(message, "the hub received " + name);
    return message;
  }

  /** Answers on the hub's context, as the events verticle does. */
  private void answer(String name, Consumer<LocalDurableEvent> answer) throws InterruptedException {
    LocalDurableEvent local = assertInstanceOf(LocalDurableEvent.class, awaitReceived(name).body());
    hubContext.runOnContext(ignored -> answer.accept(local));
  }

  @Test
  void aWrittenEventIsAnsweredOnTheSessionsContextWithoutABusRequest() throws Exception {
    CompletableFuture<Outcome> outcome = publishFromASession("written");
    Message<Object> message = awaitReceived("written");
    assertInstanceOf(LocalDurableEvent.class, message.body(), "handed over as a local durable event");
    assertNull(message.replyAddress(), "no reply handler was registered for it");
    answer("written", local -> local.written().succeed());
    Outcome done = outcome.get(5, TimeUnit.SECONDS);
    assertNull(done.failure());
    assertTrue(done.context().isEventLoopContext());
    assertTrue(done.context() != hubContext, "the answer runs on the session's context, not the hub's");
  }

  @Test
  void theHubsRefusalFailsTheEventWithItsKind() throws Exception {
    CompletableFuture<Outcome> outcome = publishFromASession("refused");
    answer("refused", local -> local.written().fail(new ReplyException(ReplyFailure.RECIPIENT_FAILURE, Kind.QUOTA_EXCEEDED.busCode(), "over the quota")));
    DeviceFailure failure = assertInstanceOf(DeviceFailure.class, outcome.get(5, TimeUnit.SECONDS).failure());
    assertEquals(Kind.QUOTA_EXCEEDED, failure.kind());
    assertEquals("over the quota", failure.getMessage());
  }

  /**
   * The deadline: each unanswered event fails as UNAVAILABLE once its own hub timeout has passed, not
   * before, whether it is the oldest awaited or behind others; an answered one among them does not
   * fail, and an answer after the deadline changes nothing.
   */
  @Test
  void anUnansweredEventFailsAtItsOwnDeadlineAsUnavailable() throws Exception {
    List<CompletableFuture<Outcome>> outcomes = new ArrayList<>();
    List<Long> sent = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      sent.add(System.nanoTime());
      outcomes.add(publishFromASession("late-" + i));
      if (i == 1) {
        answer("late-1", local -> local.written().succeed());
      }
      Thread.sleep(100);
    }
    for (int i : new int[] {0, 2}) {
      Outcome late = outcomes.get(i).get(5, TimeUnit.SECONDS);
      DeviceFailure failure = assertInstanceOf(DeviceFailure.class, late.failure(), "event " + i + " fails");
      assertEquals(Kind.UNAVAILABLE, failure.kind());
      long waitedMillis = (late.atNanos() - sent.get(i)) / 1_000_000;
      assertTrue(waitedMillis >= TIMEOUT.toMillis(), "event " + i + " failed after " + waitedMillis + " ms, before its deadline");
      assertTrue(waitedMillis < TIMEOUT.toMillis() + 2_000, "event " + i + " failed only after " + waitedMillis + " ms");
    }
    assertNull(outcomes.get(1).get(5, TimeUnit.SECONDS).failure(), "the answered event is written");
    // the hub answers the first one after all: its outcome stays the timeout's
    CompletableFuture<Void> answered = new CompletableFuture<>();
    answer("late-0", local -> {
      local.written().succeed();
      answered.complete(null);
    });
    answered.get(5, TimeUnit.SECONDS);
    assertInstanceOf(DeviceFailure.class, outcomes.get(0).get().failure());
  }

  /** Off an event loop (no session's context to hand the answer to), the event goes as a bus request. */
  @Test
  void offAnEventLoopTheEventGoesAsABusRequest() throws Exception {
    Future<Void> written = hub.publishDurably(event("requested"));
    Message<Object> message = awaitReceived("requested");
    assertInstanceOf(DeviceEvent.class, message.body());
    assertNotNull(message.replyAddress());
    hubContext.runOnContext(ignored -> message.reply(null));
    written.await(5, TimeUnit.SECONDS);
    assertSame(null, written.cause());
  }
}
