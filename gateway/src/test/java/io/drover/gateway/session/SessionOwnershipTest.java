package io.drover.gateway.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.gateway.contract.DeviceCommand;
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
    // two nodes of a cluster, sharing one map (a node that is not clustered keeps none: see the next test)
    AsyncMap<String, String> map = vertx.sharedData().<String, String>getLocalAsyncMap("holders").await(5, TimeUnit.SECONDS);
    SessionOwnership a = new SessionOwnership(map, "node-a");
    SessionOwnership b = new SessionOwnership(map, "node-b");
    assertNull(b.claim("device-1", "session-1").await(5, TimeUnit.SECONDS));

    assertEquals(new SessionOwnership.Holder("node-b", "session-1"), a.claim("device-1", "session-2").await(5, TimeUnit.SECONDS));
    assertEquals(false, b.release("device-1", "session-1").await(5, TimeUnit.SECONDS), "a session taken over does not release the device");
    assertEquals(true, a.release("device-1", "session-2").await(5, TimeUnit.SECONDS));
    assertNull(a.holderOf("device-1").await(5, TimeUnit.SECONDS));
  }

  @Test
  void aNodeAloneKeepsNoMapAndFindsHoldersAmongItsLiveSessions() throws Exception {
    SessionOwnership alone = SessionOwnership.open(vertx, "node-a").await(5, TimeUnit.SECONDS);
    assertTrue(alone.isAlone(), "Vert.x is not clustered");
    DeviceSessions sessions = new DeviceSessions(alone, vertx.eventBus());
    Session first = new Session("device-1", sessions.newSessionId());
    Session second = new Session("device-1", sessions.newSessionId());

    assertNull(alone.holderOf("device-1").await(5, TimeUnit.SECONDS));
    sessions.register(first);
    assertEquals(new SessionOwnership.Holder("node-a", first.sessionId()), alone.holderOf("device-1").await(5, TimeUnit.SECONDS));
    sessions.register(second);
    assertTrue(first.takenOver, "the device's second session replaces its first");
    assertEquals(new SessionOwnership.Holder("node-a", second.sessionId()), alone.holderOf("device-1").await(5, TimeUnit.SECONDS));

    assertEquals(false, sessions.unregister(first).await(5, TimeUnit.SECONDS), "a session taken over does not report its device offline");
    assertEquals(new SessionOwnership.Holder("node-a", second.sessionId()), alone.holderOf("device-1").await(5, TimeUnit.SECONDS));
    assertEquals(true, sessions.unregister(second).await(5, TimeUnit.SECONDS));
    assertNull(alone.holderOf("device-1").await(5, TimeUnit.SECONDS));
  }

  private static final class Session implements DeviceSession {
    private final String deviceId;
    private final String sessionId;
    volatile boolean takenOver;

    Session(String deviceId, String sessionId) {
      this.deviceId = deviceId;
      this.sessionId = sessionId;
    }

    @Override
    public String deviceId() {
      return deviceId;
    }

    @Override
    public String sessionId() {
      return sessionId;
    }

    @Override
    public String protocol() {
      return "test";
    }

    @Override
    public void closeForTakeover() {
      takenOver = true;
    }

    @Override
    public Future<String> request(DeviceCommand command) {
      return Future.failedFuture("not a device");
    }
  }
}
