package io.drover.hub.storage;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayDeque;
import java.util.function.Supplier;

/**
 * Asynchronous steps run one after another, in the order they were asked for: the reloads of an
 * in-memory index, each reading the database after the change that asked for it, so that the newest
 * read lands last (two running at once could land an older read last).
 *
 * <p>A loop, not a chain of futures: a thousand steps that fail at once (a closed pool at shutdown)
 * complete one after another without nesting a stack frame per step. Thread-safe.
 */
public final class InOrder {

  private final ArrayDeque<Step<?>> waiting = new ArrayDeque<>();
  private boolean running;

  /** @return completes as the step's future does, once the step has run after the ones before it */
  public <T> Future<T> run(Supplier<Future<T>> step) {
    Promise<T> done = Promise.promise();
    synchronized (this) {
      waiting.add(new Step<>(step, done));
      if (running) {
        return done.future();
      }
      running = true;
    }
    drain();
    return done.future();
  }

  private void drain() {
    while (true) {
      Step<?> next;
      synchronized (this) {
        next = waiting.poll();
        if (next == null) {
          running = false;
          return;
        }
      }
      Future<?> started = next.start();
      if (!started.isComplete()) {
        Step<?> current = next;
        started.onComplete(ignored -> {
          current.finish();
          drain();
        });
        return;
      }
      next.finish();
    }
  }

  private static final class Step<T> {
    private final Supplier<Future<T>> supplier;
    private final Promise<T> done;
    private Future<T> started;

    Step(Supplier<Future<T>> supplier, Promise<T> done) {
      this.supplier = supplier;
      this.done = done;
    }

    Future<T> start() {
      try {
        started = supplier.get();
      } catch (RuntimeException e) {
        started = Future.failedFuture(e);
      }
      return started;
    }

    void finish() {
      started.onComplete(done);
    }
  }
}
