package io.drover.hub.products.fleet;

import io.drover.hub.devices.DeviceNotices;
import io.drover.hub.products.FleetChanges;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.sqlclient.Pool;
import java.util.List;

/**
 * A device that reported a product's claim code made by its team joins the product, as an import of
 * its ID by the team would make it (the same rules: {@link FleetImport}; the code it reported is the
 * proof an import needs).
 */
public final class ReportedImport {

  private final FleetImport fleetImport;
  private final EventBus bus;

  public ReportedImport(Pool pool, EventBus bus) {
    this.fleetImport = new FleetImport(pool);
    this.bus = bus;
  }

  /** @return whether the device joined the product now */
  public Future<Boolean> join(int productId, String deviceId) {
    return fleetImport.run(productId, DeviceIdList.of(List.of(deviceId), "device_id"), false).map(outcome -> {
      FleetChanges.devicesChanged(bus, productId, outcome.updated());
      DeviceNotices.addedToProduct(bus, productId, outcome.updated());
      return !outcome.updated().isEmpty();
    });
  }
}
