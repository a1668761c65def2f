package io.drover.hub.sims;

import io.vertx.core.Future;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A carrier for tests, plugged in as a real one is (META-INF/services, {@code sims.carrier=recording}):
 * it records every call and refuses those about the ICCIDs a test marks as failing.
 */
public final class RecordingCarrier implements Carrier {

  static final List<String> CALLS = new CopyOnWriteArrayList<>();
  static final Set<String> FAILING = ConcurrentHashMap.newKeySet();

  @Override
  public String name() {
    return "recording";
  }

  private Future<Void> call(String action, String iccid) {
    CALLS.add(action + ":" + iccid);
    return FAILING.contains(iccid) ? Future.failedFuture(new CarrierException("network operator unreachable")) : Future.succeededFuture();
  }

  @Override
  public Future<Void> activate(String iccid, String country) {
    return call("activate", iccid);
  }

  @Override
  public Future<Void> deactivate(String iccid) {
    return call("deactivate", iccid);
  }

  @Override
  public Future<Void> reactivate(String iccid, Integer mbLimit) {
    return call("reactivate", iccid);
  }

  @Override
  public Future<Void> release(String iccid) {
    return call("release", iccid);
  }

  @Override
  public boolean meteredByGateways() {
    return true;
  }

  /** The provider ServiceLoader finds. */
  public static final class Provider implements CarrierProvider {
    @Override
    public String name() {
      return "recording";
    }

    @Override
    public Carrier create() {
      return new RecordingCarrier();
    }
  }
}
