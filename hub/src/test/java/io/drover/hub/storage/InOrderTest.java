package io.drover.hub.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class InOrderTest {

  /**
   * A node stopping with a closed pool: every reload queued behind a slow one fails at once. Chained
   * with Future.transform, as the indexes' reloads were, this nested a few frames per step and threw
   * StackOverflowError at a few thousand.
   */
  @Test
  void fiftyThousandStepsFailingAtOnceBehindASlowOneRunInOrderOnAShallowStack() {
    InOrder steps = new InOrder();
    Promise<Void> slow = Promise.promise();
    steps.run(() -> slow.future());
    List<Integer> ran = new ArrayList<>();
    AtomicInteger failed = new AtomicInteger();
    for (int i = 0; i < 50_000; i++) {
      int step = i;
      steps.run(() -> {
        ran.add(step);
        return Future.<Void>failedFuture("pool closed");
      }).onFailure(cause -> failed.incrementAndGet());
    }
    assertTrue(ran.isEmpty(), "nothing runs before the slow step ends");

    slow.complete();

    assertEquals(50_000, ran.size());
    for (int i = 0; i < ran.size(); i++) {
      assertEquals(i, ran.get(i));
    }
    assertEquals(50_000, failed.get(), "each caller hears its own step's failure");
  }

  @Test
  void aStepStartsOnlyWhenTheOneBeforeItHasEnded() {
    InOrder steps = new InOrder();
    Promise<String> first = Promise.promise();
    Promise<String> second = Promise.promise();
    AtomicInteger started = new AtomicInteger();
    Future<String> one = steps.run(() -> {
      started.incrementAndGet();
      return first.future();
    });
    Future<String> two = steps.run(() -> {
      started.incrementAndGet();
      return second.future();
    });
    assertEquals(1, started.get());

    first.complete("a");
    assertEquals(2, started.get());
    assertEquals("a", one.result());
    assertTrue(!two.isComplete());

    second.complete("b");
    assertEquals("b", two.result());
  }

  @Test
  void aStepThatThrowsFailsItsOwnFutureAndTheNextStillRuns() {
    InOrder steps = new InOrder();
    Future<Void> thrown = steps.run(() -> {
      throw new IllegalStateException("broken step");
    });
    Future<String> next = steps.run(() -> Future.succeededFuture("ran"));

    assertEquals("broken step", thrown.cause().getMessage());
    assertEquals("ran", next.result());
  }
}
