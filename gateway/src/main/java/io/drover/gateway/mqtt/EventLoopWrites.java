package io.drover.gateway.mqtt;

import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.impl.VertxConnection;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;

/**
 * Gives an MQTT connection's socket the write queue Vert.x gives an HTTP/1 server connection in strict
 * thread mode ({@code HttpServerOptions.setStrictThreadMode}): each write goes straight to the Netty
 * channel, instead of through a queue that lets any thread write.
 *
 * <p>Why: every Vert.x 5 {@code NetSocketImpl} is made with that multi-producer queue, a Netty (JCTools)
 * {@code MpscUnboundedArrayQueue} whose first chunk of 1,024 slots is allocated at once: an
 * {@code Object[]} of 4.1 KB plus 0.6 KB of queue, about half of an idle session's heap, for a device that
 * may never be sent anything. {@code NetServerOptions} has no option for it, and vertx-mqtt needs a Vert.x
 * socket. The direct queue (a stateless object) writes on the calling thread and reports the channel's
 * own writability, so {@code writeQueueFull()} and the drain handler work as before (Netty's write-buffer
 * water marks instead of the queue's count).
 *
 * <p>The condition, the same as Vert.x's strict mode: every write to the socket runs on its event loop.
 * An MQTT connection's does: every method of {@link MqttConnection} runs on the listener instance's
 * context, and whatever reaches it from elsewhere (the hub's commands, a takeover) hops onto that
 * context first. Vert.x asserts it ({@code VertxConnection.write} checks {@code inEventLoop()} under
 * {@code -ea}, as the tests run).
 *
 * <p>The queue is a private field of {@code VertxConnection}, set once here, on the event loop, before
 * anything is written; should a Vert.x upgrade move it, the listener fails to start (and every MQTT test
 * with it), as for {@link MqttAcceptor}'s other reach into vertx-mqtt.
 */
final class EventLoopWrites {

  /** Written through reflection: a VarHandle cannot set a final field, an accessible {@link Field} can. */
  private static final Field QUEUE;
  private static final Constructor<?> DIRECT;

  static {
    try {
      Field queue = VertxConnection.class.getDeclaredField("outboundMessageQueue");
      queue.setAccessible(true);
      QUEUE = queue;
      Class<?> direct = Class.forName(VertxConnection.class.getName() + "$DirectOutboundMessageQueue");
      DIRECT = direct.getDeclaredConstructor(VertxConnection.class);
      DIRECT.setAccessible(true);
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new IllegalStateException("Vert.x's VertxConnection write queue is not where the MQTT listener expects it", e);
    }
  }

  private EventLoopWrites() {
  }

  /** Loads the class: fails the listener's start, not a connection, when Vert.x has moved what it reaches. */
  static void check() {
    // the static initializer does the work
  }

  /**
   * Gives {@code socket} the direct write queue. Call on its event loop, before anything is written to it.
   *
   * @return false when the socket is not Vert.x's own connection class (it keeps its queue)
   */
  static boolean install(NetSocketInternal socket) {
    if (!(socket instanceof VertxConnection connection)) {
      return false;
    }
    try {
      QUEUE.set(connection, DIRECT.newInstance(connection));
      return true;
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot set the write queue of an MQTT connection", e);
    }
  }

  /** The class of the socket's write queue, for tests. */
  static String queueOf(NetSocketInternal socket) {
    try {
      return QUEUE.get(socket).getClass().getSimpleName();
    } catch (IllegalAccessException e) {
      throw new IllegalStateException(e);
    }
  }
}
