package io.drover.coap;

import org.eclipse.californium.scandium.DtlsHealth;

/** Scandium's health hook, used for one thing: telling the gateway of every incoming record it drops. */
final class DroppedRecords implements DtlsHealth {

  private final DtlsSessionEvents events;

  DroppedRecords(DtlsSessionEvents events) {
    this.events = events;
  }

  @Override
  public void receivingRecord(boolean dropped) {
    if (dropped) {
      events.recordDropped();
    }
  }

  @Override
  public boolean isEnabled() {
    return true;
  }

  @Override
  public void dump(String tag, int maxConnections, int remainingCapacity, int aliveConnections) {
    // the gateway's metrics say this; no periodic log
  }

  @Override
  public void startHandshake() {
  }

  @Override
  public void endHandshake(boolean success) {
  }

  @Override
  public void sendingRecord(boolean dropped) {
  }
}
