package io.drover.hub.products;

import io.drover.gateway.session.DeviceSessions;
import io.drover.hub.devices.DeviceDirectory;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps {@link ProductSeries} current: every {@value #REFRESH_SECONDS} s, and a second after a fleet
 * changes ({@link FleetChanges}: devices join or leave a product, a product is deleted), it reads the
 * products (ID and slug: one small query, never per event), counts each product's fleet in the device
 * directory and this node's live sessions by product, off the event loop (both walk every entry), and
 * hands the lot to the series, which choose the largest fleets and drop the series of the rest.
 */
public final class ProductMetrics extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(ProductMetrics.class);
  static final int REFRESH_SECONDS = 15;
  private static final long SOON_MILLIS = 1000;

  private final ProductSeries series;
  private final Pool pool;
  private final DeviceDirectory directory;
  /** This node's sessions, null on a node without the gateway role. */
  private final DeviceSessions sessions;
  private long periodic = -1;
  private boolean soonScheduled;
  private Future<Void> refreshing = Future.succeededFuture();

  public ProductMetrics(ProductSeries series, Pool pool, DeviceDirectory directory, DeviceSessions sessions) {
    this.series = series;
    this.pool = pool;
    this.directory = directory;
    this.sessions = sessions;
  }

  @Override
  public Future<?> start() {
    if (series.off()) {
      return Future.succeededFuture();
    }
    periodic = vertx.setPeriodic(Duration.ofSeconds(REFRESH_SECONDS).toMillis(), id -> refresh());
    // a first refresh that fails (logged) does not stop the node: the next one comes in REFRESH_SECONDS
    return vertx.eventBus().<JsonObject>consumer(FleetChanges.ADDRESS, notice -> refreshSoon()).completion()
        .compose(registered -> refresh().otherwiseEmpty());
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(periodic);
    return Future.succeededFuture();
  }

  /** A burst of fleet notices (an import of thousands of devices) makes one refresh, a second later. */
  private void refreshSoon() {
    if (!soonScheduled) {
      soonScheduled = true;
      vertx.setTimer(SOON_MILLIS, id -> {
        soonScheduled = false;
        refresh();
      });
    }
  }

  /** One refresh at a time; called on this verticle's event loop. A failed one leaves the series as they were. */
  Future<Void> refresh() {
    if (!refreshing.isComplete()) {
      return refreshing;
    }
    refreshing = pool.query("SELECT id, slug FROM products").execute()
        .compose(rows -> {
          Map<Integer, String> slugs = new HashMap<>();
          for (Row row : rows) {
            slugs.put(row.getInteger(0), row.getString(1));
          }
          return vertx.executeBlocking(() -> count(slugs));
        })
        .onSuccess(counted -> series.update(counted.products(), counted.onlineInNoneKnown()))
        .onFailure(cause -> LOG.warn("product metrics not refreshed, trying again in {} s [cause: {}]", REFRESH_SECONDS, cause.getMessage()))
        .mapEmpty();
    return refreshing;
  }

  /** Walks the directory and the sessions: on a worker thread. */
  private Counted count(Map<Integer, String> slugs) {
    Map<Integer, Long> fleets = directory.fleetSizes();
    Map<Integer, Long> online = new HashMap<>();
    if (sessions != null) {
      sessions.forEachDevice(deviceId -> {
        DeviceDirectory.ProductPlace place = directory.placeOf(deviceId);
        if (place != null) {
          online.merge(place.productId(), 1L, Long::sum);
        }
      });
    }
    List<ProductSeries.Product> products = new ArrayList<>(slugs.size());
    for (Map.Entry<Integer, String> product : slugs.entrySet()) {
      Long inProduct = online.remove(product.getKey());
      products.add(new ProductSeries.Product(product.getKey(), product.getValue(), fleets.getOrDefault(product.getKey(), 0L),
          inProduct == null ? 0 : inProduct));
    }
    long elsewhere = 0;
    for (long n : online.values()) {
      elsewhere += n;
    }
    return new Counted(products, elsewhere);
  }

  private record Counted(List<ProductSeries.Product> products, long onlineInNoneKnown) {
  }
}
