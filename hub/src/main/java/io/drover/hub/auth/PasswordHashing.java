package io.drover.hub.auth;

import io.drover.hub.http.ApiException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Where passwords are hashed and checked: a worker pool of its own, so that a flood of sign-ins never
 * holds up the node's other blocking work, with a bounded number of places. Each password check is
 * deliberately slow (310,000 PBKDF2 iterations, about 0.1-0.3 s of a core), so a queue without a
 * bound turns a few hundred requests into minutes of waiting for every real sign-in; past
 * {@code threads + queue} places a request is refused at once (503 temporarily_unavailable, RFC 6749's
 * word for it, with {@code Retry-After: 1}). Places are counted per node: the pool is a node's own.
 */
public final class PasswordHashing {

  private final WorkerExecutor executor;
  private final int places;
  private final AtomicInteger taken = new AtomicInteger();

  /**
   * @param threads 0 for half the cores (at least one): a flood of password checks must leave the
   *     event loops and the database's clients some of the machine
   */
  public PasswordHashing(Vertx vertx, int threads, int queue) {
    int workers = threads > 0 ? threads : Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
    this.executor = vertx.createSharedWorkerExecutor("drover-password-hashing", workers);
    this.places = workers + queue;
  }

  /**
   * Runs {@code flow} holding a place until its future completes, or refuses at once when every place
   * is taken. Called on the event loop; the flow calls {@link #run} for its slow step.
   */
  public <T> Future<T> withPlace(Supplier<Future<T>> flow) {
    if (taken.incrementAndGet() > places) {
      taken.decrementAndGet();
      return Future.failedFuture(new ApiException(503, "temporarily_unavailable",
          "The server is busy checking passwords; try again in a moment", 1));
    }
    Future<T> running;
    try {
      running = flow.get();
    } catch (RuntimeException e) {
      running = Future.failedFuture(e);
    }
    return running.andThen(done -> taken.decrementAndGet());
  }

  /** Hashes or checks on the pool's threads; only inside {@link #withPlace}, which bounds the queue. */
  public <T> Future<T> run(Callable<T> work) {
    return executor.executeBlocking(work, false);
  }

  /** Places taken now: checks running or waiting. */
  public int taken() {
    return taken.get();
  }

  static boolean refusedBusy(Throwable failure) {
    return failure instanceof ApiException api && api.status() == 503;
  }
}
