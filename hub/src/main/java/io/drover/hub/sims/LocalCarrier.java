package io.drover.hub.sims;

import io.vertx.core.Future;

/**
 * The built-in carrier ({@code sims.carrier=local}, the default): no network of its own to tell, so
 * every action succeeds at once and Drover enforces it where it can, as before carriers plugged in: a
 * deactivated or paused SIM's device is refused at connect and its session ended ({@link SimBlocks}),
 * and the gateways meter the bytes ({@link SimMeter}).
 */
public final class LocalCarrier implements Carrier {

  public static final String NAME = "local";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Future<Void> activate(String iccid, String country) {
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> deactivate(String iccid) {
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> reactivate(String iccid, Integer mbLimit) {
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> release(String iccid) {
    return Future.succeededFuture();
  }

  @Override
  public boolean meteredByGateways() {
    return true;
  }
}
