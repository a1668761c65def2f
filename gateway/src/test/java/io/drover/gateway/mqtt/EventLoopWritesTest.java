package io.drover.gateway.mqtt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A socket given the direct write queue still writes, reports a full write queue by the channel's
 * water marks and signals the drain: what {@link MqttOutbound} relies on. Fails should a Vert.x upgrade
 * move the queue {@link EventLoopWrites} sets.
 */
class EventLoopWritesTest {

  private Vertx vertx;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void aSocketWritesThroughTheDirectQueueAndDrains() throws Exception {
    Promise<String> queueBefore = Promise.promise();
    Promise<String> queueAfter = Promise.promise();
    Promise<Integer> writtenUntilFull = Promise.promise();
    AtomicBoolean drained = new AtomicBoolean();
    Promise<Void> drainedSignal = Promise.promise();
    int chunk = 64 * 1024;
    NetServer server = vertx.createNetServer().connectHandler(accepted -> {
      NetSocketInternal socket = (NetSocketInternal) accepted;
      queueBefore.complete(EventLoopWrites.queueOf(socket));
      assertTrue(EventLoopWrites.install(socket));
      queueAfter.complete(EventLoopWrites.queueOf(socket));
      socket.setWriteQueueMaxSize(64 * 1024);
      socket.drainHandler(ignored -> {
        drained.set(true);
        drainedSignal.tryComplete();
      });
      // the client says when it is listening (and paused): nothing it is sent before is lost
      AtomicBoolean started = new AtomicBoolean();
      socket.handler(go -> {
        if (!started.compareAndSet(false, true)) {
          return;
        }
        socket.write(Buffer.buffer("hello\n"));
        // the peer does not read: the kernel's buffers fill, then Netty's, past the water mark
        int written = 6;
        while (!socket.writeQueueFull() && written < 512 * 1024 * 1024) {
          socket.write(Buffer.buffer(new byte[chunk]));
          written += chunk;
        }
        writtenUntilFull.complete(socket.writeQueueFull() ? written : -1);
      });
    });
    int port = server.listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS).actualPort();

    NetSocket client = vertx.createNetClient().connect(port, "127.0.0.1").await(10, TimeUnit.SECONDS);
    Promise<Integer> received = Promise.promise();
    int[] count = {0};
    StringBuilder first = new StringBuilder();
    AtomicInteger expected = new AtomicInteger(Integer.MAX_VALUE);
    client.handler(data -> {
      if (first.length() < 6) {
        first.append(data.getString(0, Math.min(6 - first.length(), data.length())));
      }
      count[0] += data.length();
      if (count[0] >= expected.get()) {
        received.tryComplete(count[0]);
      }
    });
    client.pause();
    client.write("go");
    assertEquals("InternalMessageChannel", queueBefore.future().await(10, TimeUnit.SECONDS));
    assertEquals("DirectOutboundMessageQueue", queueAfter.future().await(10, TimeUnit.SECONDS));
    int total = writtenUntilFull.future().await(30, TimeUnit.SECONDS);
    assertTrue(total > 0, "a peer that does not read fills the write queue");
    expected.set(total);

    client.resume();
    assertEquals(total, received.future().await(60, TimeUnit.SECONDS));
    assertEquals("hello\n", first.toString());
    drainedSignal.future().await(10, TimeUnit.SECONDS);
    assertTrue(drained.get());
  }
}
