package io.drover.hub;

/** Event-bus addresses the hub uses inside itself (the gateway's contract is in BusAddresses). */
public final class HubAddresses {

  /** Publish: each accepted {@code DeviceEvent}, for the live streams of every API instance. */
  public static final String LIVE_EVENTS = "hub.events.live";

  /**
   * Request (no body); reply: the highest event id accepted when asked, once every event up to it is
   * committed. A resuming stream asks before reading the database.
   */
  public static final String EVENTS_WRITTEN_THROUGH = "hub.events.written-through";

  /** Request: {@code {id?}}; reply: {@code {id, secret}} of a newly registered device. */
  public static final String PROVISION_DEVICE = "hub.devices.provision";

  private HubAddresses() {
  }
}
