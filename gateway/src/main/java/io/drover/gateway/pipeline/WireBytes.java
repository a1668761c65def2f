package io.drover.gateway.pipeline;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes one device connection moved on the wire, as its transport counts them (MQTT: TCP payload,
 * TLS records included; CoAP: DTLS records). Made by the transport at the connection's start, so that
 * what came before the session opened (the TLS handshake, the CONNECT) counts too; the session hands it
 * to the {@link DataUsageMeter}. Written on the connection's thread, drained by the meter's flush on
 * another: two atomic adds per packet, no allocation.
 */
public final class WireBytes {

  private final AtomicLong received = new AtomicLong();
  private final AtomicLong sent = new AtomicLong();
  private volatile boolean ended;

  public void received(long bytes) {
    received.addAndGet(bytes);
  }

  public void sent(long bytes) {
    sent.addAndGet(bytes);
  }

  /** The connection is gone: the meter drops this counter after its next flush. */
  void end() {
    ended = true;
  }

  boolean ended() {
    return ended;
  }

  long drainReceived() {
    return received.getAndSet(0);
  }

  long drainSent() {
    return sent.getAndSet(0);
  }
}
