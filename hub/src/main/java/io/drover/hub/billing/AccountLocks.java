package io.drover.hub.billing;

import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The accounts locked after failed payments, in memory on every hub node so that the check on each
 * changing request costs no SQL. Loaded at start; kept current by {@value #CHANGED}, which billing
 * publishes to every node when it locks or unlocks an account. Read from any event loop.
 */
public final class AccountLocks {

  /** Publish, to every hub node: {@code {"user_id": 42, "locked": true}}. */
  public static final String CHANGED = "hub.billing.lock-changed";
  public static final String ERROR = "account_locked";

  private final Set<Long> locked = ConcurrentHashMap.newKeySet();

  /** No account locked, nothing listened to: for tests and nodes without billing. */
  public static AccountLocks none() {
    return new AccountLocks();
  }

  /** Loads the locked accounts and starts following changes. */
  public static AccountLocks loadAtStart(BillingRepository repository, EventBus bus) {
    AccountLocks locks = new AccountLocks();
    bus.<JsonObject>consumer(CHANGED, message -> locks.apply(message.body().getLong("user_id"), message.body().getBoolean("locked")));
    locks.locked.addAll(repository.lockedAccounts().await());
    return locks;
  }

  public boolean isLocked(Long userId) {
    return userId != null && locked.contains(userId);
  }

  void apply(Long userId, boolean isLocked) {
    if (userId == null) {
      return;
    }
    if (isLocked) {
      locked.add(userId);
    } else {
      locked.remove(userId);
    }
  }

  /** Applies here at once, and tells the other nodes. */
  static Future<Void> publish(EventBus bus, AccountLocks locks, long userId, boolean isLocked) {
    locks.apply(userId, isLocked);
    bus.publish(CHANGED, new JsonObject().put("user_id", userId).put("locked", isLocked));
    return Future.succeededFuture();
  }
}
