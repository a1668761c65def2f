package io.drover.hub.sims;

import io.vertx.core.Future;

/**
 * The cellular carrier behind the SIMs. Every
 * SIM action of the API goes through it before Drover records it: when the carrier refuses or does not
 * answer, the API answers 502 {@code carrier_error} naming the carrier and the action, and nothing is
 * recorded. Chosen by {@code sims.carrier}: {@link LocalCarrier} ({@code local}, the default) or one a
 * {@link CarrierProvider} on the class path names. Methods are called on an event loop and must not block.
 */
public interface Carrier {

  /** The name {@code sims.carrier} selects, and the {@code carrier} a SIM it activates shows. */
  String name();

  /** Activates a SIM on the network (an import, or {@code action: activate}); {@code country} may be null. */
  Future<Void> activate(String iccid, String country);

  /** Pauses a SIM ({@code action: deactivate}): its device may not use the network. */
  Future<Void> deactivate(String iccid);

  /** Resumes a paused SIM ({@code action: reactivate}); {@code mbLimit} null when none. */
  Future<Void> reactivate(String iccid, Integer mbLimit);

  /** Releases a SIM ({@code DELETE}): it leaves this node's accounts and may be claimed elsewhere. */
  Future<Void> release(String iccid);

  /**
   * Where the SIMs' data usage comes from: true when the node's gateways meter it on the wire (MQTT and
   * DTLS bytes, headers included, {@link SimMeter}); false for a carrier that reports usage itself, whose
   * SIMs the gateways' batches then do not count.
   */
  boolean meteredByGateways();

  /** The carrier refused or could not be asked; the message is the carrier's, shown to the caller. */
  final class CarrierException extends RuntimeException {
    public CarrierException(String message) {
      super(message);
    }
  }
}
