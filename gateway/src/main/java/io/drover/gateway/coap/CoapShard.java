package io.drover.gateway.coap;

import io.drover.gateway.pipeline.SessionPipeline;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * One part of the CoAP session table, on a context of its own: the {@link CoapDevices} of the devices
 * whose ID hashes to it ({@link CoapShards}), their idle sweep, and their close when the listener stops.
 * Work reaches it from Californium's and Scandium's threads through {@link #ask} and {@link #run}; on the
 * first shard, Californium's protocol stage itself may run ({@link #executor()}), and its calls are then
 * made on the shard's context already.
 */
final class CoapShard extends VerticleBase {

  private final SessionPipeline pipeline;
  private final Duration idleTimeout;
  private final CoapWireMeter wireMeter;
  private CoapDevices devices;
  private long idleTimer;

  CoapShard(SessionPipeline pipeline, Duration idleTimeout, CoapWireMeter wireMeter) {
    this.pipeline = pipeline;
    this.wireMeter = wireMeter;
    this.idleTimeout = idleTimeout;
  }

  @Override
  public Future<?> start() {
    devices = new CoapDevices(context, pipeline, idleTimeout, wireMeter);
    long sweep = Math.max(1000, Math.min(idleTimeout.toMillis() / 4, 30_000));
    idleTimer = vertx.setPeriodic(sweep, id -> devices.closeIdle());
    return Future.succeededFuture();
  }

  /** Ends every session of this shard; a request still on its way is answered 5.03 (see {@link CoapDevices#closeAll}). */
  @Override
  public Future<?> stop() {
    vertx.cancelTimer(idleTimer);
    devices.closeAll();
    return Future.succeededFuture();
  }

  /**
   * This shard's context as an executor, for Californium's protocol stage: tasks run on it in the order
   * given. Call after the shard started.
   */
  Executor executor() {
    return task -> context.runOnContext(ignored -> task.run());
  }

  /**
   * Called on any thread: runs {@code work} on this shard's context and completes with its answer. On
   * the context already (the protocol stage runs there), it runs at once instead of queueing behind
   * other work.
   */
  <T> CompletionStage<T> ask(Function<CoapDevices, Future<T>> work) {
    CompletableFuture<T> answer = new CompletableFuture<>();
    if (Vertx.currentContext() == context) {
      answer(work, answer);
    } else {
      context.runOnContext(ignored -> answer(work, answer));
    }
    return answer;
  }

  private <T> void answer(Function<CoapDevices, Future<T>> work, CompletableFuture<T> answer) {
    Future<T> asked;
    try {
      asked = work.apply(devices);
    } catch (RuntimeException e) {
      answer.completeExceptionally(e);
      throw e;
    }
    asked.onComplete(done -> {
      if (done.succeeded()) {
        answer.complete(done.result());
      } else {
        answer.completeExceptionally(done.cause());
      }
    });
  }

  /** Called on any thread: runs {@code work} on this shard's context (at once when on it already). */
  void run(Consumer<CoapDevices> work) {
    if (Vertx.currentContext() == context) {
      work.accept(devices);
    } else {
      context.runOnContext(ignored -> work.accept(devices));
    }
  }
}
