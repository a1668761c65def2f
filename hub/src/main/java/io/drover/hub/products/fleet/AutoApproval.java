package io.drover.hub.products.fleet;

import io.drover.gateway.contract.DeviceFailure;
import io.drover.hub.billing.OwnerEvents;
import io.drover.hub.devices.DeviceNotices;
import io.drover.hub.products.FleetChanges;
import io.drover.hub.products.ProductSettings;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
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
 * <p>At the plan's device limit the device is refused: the answer fails with a {@link DeviceFailure}
 * NOT_ALLOWED naming the limit (the handshake's refusal), counted in
 * {@code drover_products_device_limit_refusals_total}, logged and told to the product's owner as a
 * {@value #DEVICE_LIMIT_EVENT} event on their stream, both at most once a minute per product.
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

  /** The owner's notice that a device was refused at the plan's device limit. */
  public static final String DEVICE_LIMIT_EVENT = "drover/billing/device_limit";

  private final Pool pool;
  private final EventBus bus;
  private final Counter limitRefusals;
  private final Map<Integer, Boolean> approvingByProduct = new HashMap<>();
  private final Set<String> joining = new HashSet<>();

  public AutoApproval(Pool pool, EventBus bus, MeterRegistry registry) {
    this.pool = pool;
    this.bus = bus;
    this.limitRefusals = Counter.builder("drover.products.device_limit.refusals")
        .description("Devices refused at a handshake because their product was at its plan's device limit (auto-approval)")
        .register(registry);
  }

  /** Starts forgetting products' answers when their settings change. */
  public AutoApproval listen() {
    bus.<io.vertx.core.json.JsonObject>consumer(ProductSettings.CHANGED_ADDRESS,
        message -> approvingByProduct.remove(message.body().getInteger("product_id")));
    return this;
  }

  /**
   * Joins under the product's lock, and only while the product's plan has room: at its device limit the
   * device stays out, refused, until the product moves to a larger plan.
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
            refusedAtLimit(deviceId, productId, row.getString("plan"), limit, row.getLong("owner_id"));
            return Future.failedFuture(new DeviceFailure(DeviceFailure.Kind.NOT_ALLOWED, "device limit reached: product " + productId
                + " is at its plan's limit of " + limit + " devices (plan " + row.getString("plan") + "); this device was not auto-approved"));
          }
          return connection.preparedQuery(JOIN).execute(Tuple.of(deviceId, productId)).map(rows -> rows.size() == 1);
        }));
  }

  private final Map<Integer, Long> limitLoggedAt = new HashMap<>();

  private void refusedAtLimit(String deviceId, int productId, String plan, int limit, Long ownerId) {
    limitRefusals.increment();
    long now = System.nanoTime();
    Long last = limitLoggedAt.get(productId);
    if (last == null || now - last > 60_000_000_000L) {
      limitLoggedAt.put(productId, now);
      LOG.warn("device refused: the product is at its plan's device limit [device-id: {}, product: {}, plan: {}, limit: {}]",
          deviceId, productId, plan, limit);
      if (ownerId != null) {
        try {
          OwnerEvents.publish(bus, ownerId, DEVICE_LIMIT_EVENT, new io.vertx.core.json.JsonObject().put("product_id", productId)
              .put("device_id", deviceId).put("plan", plan).put("device_limit", limit)
              .put("message", "Device " + deviceId + " was refused: the product is at its plan's limit of " + limit
                  + " devices. Move the product to a larger plan on the Billing page"));
        } catch (RuntimeException e) {
          // the notice is a courtesy: the refusal stands, counted and logged
          LOG.warn("device limit notice not sent [product: {}, cause: {}]", productId, e.getMessage());
        }
      }
    }
  }

  /**
   * The device reported {@code productId} at its handshake and is not in that product.
   *
   * @return whether the device joined (false also when a decision for it was already under way); fails
   *     with a {@link DeviceFailure} NOT_ALLOWED when the product auto-approves but is at its plan's limit
   */
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
            DeviceNotices.addedToProduct(bus, productId, List.of(deviceId));
          }
        })
        .onFailure(cause -> {
          if (!(cause instanceof DeviceFailure)) {
            LOG.warn("auto-approval not decided [device-id: {}, product: {}, cause: {}]", deviceId, productId, cause.getMessage());
          }
        })
        .onComplete(done -> joining.remove(deviceId));
  }
}
