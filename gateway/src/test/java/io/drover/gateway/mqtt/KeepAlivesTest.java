package io.drover.gateway.mqtt;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The keep-alive wheel turned by hand, on its event loop, for what a test over a real client cannot
 * wait for: keep-alives longer than the wheel's span, a connection heard from just before its
 * deadline, a close that forgets another connection expiring in the same tick.
 */
class KeepAlivesTest {

  private static final int TICKS_PER_SECOND = (int) (1_000 / KeepAlives.TICK_MILLIS);

  private static Vertx vertx;
  private static Context context;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    context = vertx.getOrCreateContext();
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private static final class Connection extends KeepAlives.Entry {
    int expired;
    Runnable onExpiry = () -> { };

    @Override
    void keepAliveExpired() {
      expired++;
      onExpiry.run();
    }
  }

  @Test
  void aSilentConnectionExpiresOneTickAfterOneAndAHalfTimesItsKeepAliveEvenPastTheWheelsSpan() throws Exception {
    onLoop(() -> {
      KeepAlives wheel = new KeepAlives(vertx);
      Connection connection = new Connection();
      // 200 s: a 300 s timeout, longer than the wheel's 256 s turn
      wheel.watch(connection, 200);
      int start = wheel.now();
      turnUntil(wheel, start + 300 * TICKS_PER_SECOND);
      assertEquals(0, connection.expired, "expired before 1.5 times its keep-alive had passed");
      wheel.turn();
      assertEquals(1, connection.expired);
      assertEquals(0, wheel.watched());
      turnUntil(wheel, wheel.now() + 600 * TICKS_PER_SECOND);
      assertEquals(1, connection.expired, "expired once");
      return null;
    });
  }

  @Test
  void aConnectionHeardFromCountsFromItsLastPacketAndOneWithARoundedKeepAliveToo() throws Exception {
    onLoop(() -> {
      KeepAlives wheel = new KeepAlives(vertx);
      Connection heard = new Connection();
      Connection odd = new Connection();
      wheel.watch(heard, 10); // 15 s
      wheel.watch(odd, 3); // 4.5 s, rounded up to 5 as vertx-mqtt did
      int start = wheel.now();
      turnUntil(wheel, start + 14 * TICKS_PER_SECOND);
      heard.heard = wheel.now(); // a packet
      int packet = wheel.now();
      turnUntil(wheel, packet + 15 * TICKS_PER_SECOND);
      assertEquals(0, heard.expired, "expired within 1.5 times the keep-alive of its last packet");
      assertEquals(1, odd.expired, "the 3 s keep-alive expired after 5 s");
      wheel.turn();
      assertEquals(1, heard.expired);
      return null;
    });
  }

  @Test
  void closesThatForgetOtherConnectionsExpiringInTheSameTickLeaveTheWheelWhole() throws Exception {
    onLoop(() -> {
      KeepAlives wheel = new KeepAlives(vertx);
      Connection first = new Connection();
      Connection second = new Connection();
      Connection later = new Connection();
      wheel.watch(first, 2);
      wheel.watch(second, 2);
      wheel.watch(later, 60);
      first.onExpiry = () -> wheel.forget(second);
      second.onExpiry = () -> wheel.forget(first);
      turnUntil(wheel, wheel.now() + 3 * TICKS_PER_SECOND + 1);
      assertEquals(1, first.expired, "expired once");
      assertEquals(1, second.expired, "expired once, though the first one's close forgot it");
      assertEquals(1, wheel.watched(), "only the connection with the longer keep-alive is still watched");
      wheel.forget(later);
      assertEquals(0, wheel.watched());
      wheel.forget(later);
      assertEquals(0, wheel.watched(), "forgetting twice is harmless");
      assertEquals(0, later.expired);
      return null;
    });
  }

  @Test
  void aKeepAliveOfZeroIsNotWatched() throws Exception {
    onLoop(() -> {
      KeepAlives wheel = new KeepAlives(vertx);
      Connection connection = new Connection();
      wheel.watch(connection, 0);
      assertEquals(0, wheel.watched());
      turnUntil(wheel, wheel.now() + 10 * TICKS_PER_SECOND);
      assertEquals(0, connection.expired);
      return null;
    });
  }

  private static void turnUntil(KeepAlives wheel, int tick) {
    while (wheel.now() - tick < 0) {
      wheel.turn();
    }
  }

  private static <T> T onLoop(Callable<T> test) throws Exception {
    CompletableFuture<T> done = new CompletableFuture<>();
    context.runOnContext(ignored -> {
      try {
        done.complete(test.call());
      } catch (Throwable failed) {
        done.completeExceptionally(failed);
      }
    });
    try {
      return done.get(30, TimeUnit.SECONDS);
    } catch (ExecutionException failed) {
      if (failed.getCause() instanceof Exception e) {
        throw e;
      }
      throw (Error) failed.getCause();
    }
  }
}
