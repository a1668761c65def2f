package io.drover.gateway.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.AsyncMap;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The cluster-wide record of who holds a device's session, where another node's session comes and goes
 * between the steps of a claim (a device's old connection ending while its new one starts).
 */
class SessionOwnershipTest {

  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void aHolderThatComesAndGoesDuringAClaimLeavesThisSessionRecorded() throws Exception {
    AsyncMap<String, String> map = vertx.sharedData().<String, String>getLocalAsyncMap("holders").await(5, TimeUnit.SECONDS);
    AtomicInteger racesLeft = new AtomicInteger(1);
    // between this claim's "replace" (nothing there) and its "put if absent", another node's session
    // arrives; by the time this claim replaces it, that session has ended and released the device
    @SuppressWarnings("unchecked")
    AsyncMap<String, String> racing = (AsyncMap<String, String>) Proxy.newProxyInstance(getClass().getClassLoader(),
        new Class<?>[] {AsyncMap.class}, (proxy, method, args) -> {
          if (method.getName().equals("putIfAbsent") && args.length == 2 && racesLeft.getAndDecrement() > 0) {
            String key = (String) args[0];
            return map.put(key, "node-b session-1")
                .compose(put -> map.putIfAbsent(key, (String) args[1]))
                .compose(raced -> map.remove(key).map(released -> raced));
          }
          try {
            return method.invoke(map, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
    SessionOwnership ownership = new SessionOwnership(racing, "node-a");

    SessionOwnership.Holder replaced = ownership.claim("device-1", "session-2").await(5, TimeUnit.SECONDS);

    assertNull(replaced, "the other session had ended: nothing to take over");
    assertEquals(new SessionOwnership.Holder("node-a", "session-2"), ownership.holderOf("device-1").await(5, TimeUnit.SECONDS));
    assertEquals(-1, racesLeft.get(), "the race happened");
  }

  @Test
  void aClaimReplacesAnotherNodesSessionAndNamesIt() throws Exception {
    SessionOwnership a = SessionOwnership.open(vertx, "node-a").await(5, TimeUnit.SECONDS);
    SessionOwnership b = SessionOwnership.open(vertx, "node-b").await(5, TimeUnit.SECONDS);
    assertNull(b.claim("device-1", "session-1").await(5, TimeUnit.SECONDS));

    assertEquals(new SessionOwnership.Holder("node-b", "session-1"), a.claim("device-1", "session-2").await(5, TimeUnit.SECONDS));
    assertEquals(false, b.release("device-1", "session-1").await(5, TimeUnit.SECONDS), "a session taken over does not release the device");
    assertEquals(true, a.release("device-1", "session-2").await(5, TimeUnit.SECONDS));
    assertNull(a.holderOf("device-1").await(5, TimeUnit.SECONDS));
  }
}
