package io.drover.hub.products.fleet;

import io.drover.hub.products.FleetChanges;
import io.drover.hub.products.ProductSettings;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A device that reports a product's ID at its handshake, without being in that product, joins it when
 * the product's Configuration says "auto-approve devices": unless it is in another product already,
 * was removed from this one (its denial stands until a re-import), or is of another device type. The
 * join publishes {@link FleetChanges}, so the targeting index has it by its next handshake.
 *
 * <p>Only devices outside the product they report come here; products' answers are cached and
 * forgotten when their settings change, so a product that does not auto-approve costs no SQL. Used on
 * one verticle's event loop.
 */
public final class AutoApproval {

  private static final Logger LOG = LoggerFactory.getLogger(AutoApproval.class);
  private static final String JOIN = """
      UPDATE devices d SET product_id = $2
      WHERE d.id = $1 AND d.product_id IS NULL
        AND NOT EXISTS (SELECT 1 FROM product_device_denials x WHERE x.product_id = $2 AND x.device_id = $1)
        AND (d.platform_id IS NULL OR d.platform_id = (SELECT p.platform_id FROM products p WHERE p.id = $2))
      RETURNING d.id""";

  private final Pool pool;
  private final EventBus bus;
  private final Map<Integer, Boolean> approvingByProduct = new HashMap<>();
  private final Set<String> joining = new HashSet<>();

  public AutoApproval(Pool pool, EventBus bus) {
    this.pool = pool;
    this.bus = bus;
  }

  /** Starts forgetting products' answers when their settings change. */
  public AutoApproval listen() {
    bus.<io.vertx.core.json.JsonObject>consumer(ProductSettings.CHANGED_ADDRESS,
        message -> approvingByProduct.remove(message.body().getInteger("product_id")));
    return this;
  }

  /**
   * Joins under the product's lock, and only while the product's plan has room: at its device limit the
   * device stays out (logged, at most once a minute per product) until the product moves to a larger plan.
   */
  private Future<Boolean> join(String deviceId, int productId) {
    return pool.withTransaction(connection -> connection.preparedQuery(FleetImport.LOCK_PRODUCT).execute(Tuple.of(productId))
        .compose(locked -> connection.preparedQuery(FleetImport.FLEET_SIZE).execute(Tuple.of(productId)))
        .compose(size -> {
          if (size.size() == 0) {
            return Future.succeededFuture(false);
          }
          io.vertx.sqlclient.Row row = size.iterator().next();
          Integer limit = row.getInteger("device_limit");
          if (limit != null && row.getLong("devices") >= limit) {
            refusedAtLimit(deviceId, productId, row.getString("plan"), limit);
            return Future.succeededFuture(false);
          }
          return connection.preparedQuery(JOIN).execute(Tuple.of(deviceId, productId)).map(rows -> rows.size() == 1);
        }));
  }

  private final Map<Integer, Long> limitLoggedAt = new HashMap<>();

  private void refusedAtLimit(String deviceId, int productId, String plan, int limit) {
    long now = System.nanoTime();
    Long last = limitLoggedAt.get(productId);
    if (last == null || now - last > 60_000_000_000L) {
      limitLoggedAt.put(productId, now);
      LOG.warn("device not auto-approved: the product is at its plan's device limit [device-id: {}, product: {}, plan: {}, limit: {}]",
          deviceId, productId, plan, limit);
    }
  }

  /** The device reported {@code productId} at its handshake and is not in that product. */
  /** @return whether the device joined (false also when a decision for it was already under way) */
  public Future<Boolean> reported(String deviceId, int productId) {
    if (!joining.add(deviceId)) {
      return Future.succeededFuture(false);
    }
    Boolean known = approvingByProduct.get(productId);
    Future<Boolean> approves = known != null ? Future.succeededFuture(known)
        : ProductSettings.read(pool, productId).map(settings -> {
          boolean answer = settings != null && settings.getBoolean(ProductSettings.AUTO_APPROVE_DEVICES, false);
          approvingByProduct.put(productId, answer);
          return answer;
        });
    return approves
        .compose(yes -> yes ? join(deviceId, productId) : Future.succeededFuture(false))
        .onSuccess(joined -> {
          if (joined) {
            LOG.info("device joined its product at its handshake [device-id: {}, product: {}]", deviceId, productId);
            FleetChanges.devicesChanged(bus, productId, List.of(deviceId));
          }
        })
        .onFailure(cause -> LOG.warn("auto-approval not decided [device-id: {}, product: {}, cause: {}]", deviceId, productId, cause.getMessage()))
        .onComplete(done -> joining.remove(deviceId));
  }
}
