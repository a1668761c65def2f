package io.drover.coap;

import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Californium's protocol stage (CoAP's layers, the exchanges' serial executors and the resources) on an
 * executor the caller owns: the gateway's session context, so that a request and the session it
 * belongs to are handled on one thread, without a hand-over to Vert.x and back per request. Timers
 * (retransmissions, exchange clean-ups) wait on {@code timers} and then run their task on the executor.
 *
 * <p>Californium uses it as a {@link ScheduledExecutorService} it does not own (detached): shutting it
 * down stops the timers only; the executor is the caller's.
 */
final class ProtocolStage extends AbstractExecutorService implements ScheduledExecutorService {

  private final Executor executor;
  private final ScheduledExecutorService timers;

  ProtocolStage(Executor executor, ScheduledExecutorService timers) {
    this.executor = executor;
    this.timers = timers;
  }

  @Override
  public void execute(Runnable task) {
    executor.execute(task);
  }

  @Override
  public ScheduledFuture<?> schedule(Runnable task, long delay, TimeUnit unit) {
    return timers.schedule(() -> executor.execute(task), delay, unit);
  }

  /** Not used by Californium 3.14 on its main executor: runs the callable on the timer thread. */
  @Override
  public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
    return timers.schedule(callable, delay, unit);
  }

  @Override
  public ScheduledFuture<?> scheduleAtFixedRate(Runnable task, long initialDelay, long period, TimeUnit unit) {
    return timers.scheduleAtFixedRate(() -> executor.execute(task), initialDelay, period, unit);
  }

  @Override
  public ScheduledFuture<?> scheduleWithFixedDelay(Runnable task, long initialDelay, long delay, TimeUnit unit) {
    return timers.scheduleWithFixedDelay(() -> executor.execute(task), initialDelay, delay, unit);
  }

  @Override
  public void shutdown() {
    timers.shutdown();
  }

  @Override
  public List<Runnable> shutdownNow() {
    return timers.shutdownNow();
  }

  @Override
  public boolean isShutdown() {
    return timers.isShutdown();
  }

  @Override
  public boolean isTerminated() {
    return timers.isTerminated();
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
    return timers.awaitTermination(timeout, unit);
  }
}
