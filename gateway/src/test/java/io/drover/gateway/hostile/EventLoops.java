package io.drover.gateway.hostile;

import io.netty.util.concurrent.EventExecutor;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import java.util.concurrent.TimeUnit;

/** Waits until the tasks now queued on Vert.x's event loops have run (a connection's close, the log line it wrote). */
final class EventLoops {

  private EventLoops() {
  }

  static void drain(Vertx vertx) throws Exception {
    for (EventExecutor loop : ((VertxInternal) vertx).nettyEventLoopGroup()) {
      loop.submit(() -> { }).get(10, TimeUnit.SECONDS);
    }
  }
}
