package io.drover.hub.products.fleet;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;

/**
 * The devices removed from a product ({@code DELETE /v1/products/:pid/devices/:id} records them in
 * product_device_denials). A removed device may still run the product's firmware and report the
 * product ID at its handshake: whatever lets a device join a product by its handshake must ask
 * {@link #denied} first and leave a denied device out. Importing the device again lifts the denial.
 */
public final class ProductDenials {

  private final Pool pool;

  public ProductDenials(Pool pool) {
    this.pool = pool;
  }

  /** Whether {@code deviceId} was removed from {@code productId} and not imported since. */
  public Future<Boolean> denied(int productId, String deviceId) {
    return pool.preparedQuery("SELECT 1 FROM product_device_denials WHERE product_id = $1 AND device_id = $2")
        .execute(Tuple.of(productId, deviceId))
        .map(rows -> rows.size() > 0);
  }
}
