package io.drover.gateway.pipeline;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The bytes one device connection moved on the wire, as its transport counts them (MQTT: TCP payload,
 * TLS records included; CoAP: DTLS records). Made by the transport at the connection's start, so that
 * what came before the session opened (the TLS handshake, the CONNECT) counts too; the session hands it
 * to the {@link DataUsageMeter}. Written on the connection's thread, drained by the meter's flush on
 * another: two atomic adds per packet, no allocation.
 *
 * <p>The counters are plain fields updated through {@link VarHandle}s rather than two {@code AtomicLong}s:
 * every connection holds one of these for as long as it lives, and the two extra objects were 48 of its
 * 72 bytes.
 */
public final class WireBytes {

  private static final VarHandle RECEIVED;
  private static final VarHandle SENT;

  static {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      RECEIVED = lookup.findVarHandle(WireBytes.class, "received", long.class);
      SENT = lookup.findVarHandle(WireBytes.class, "sent", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  @SuppressWarnings("unused") // through RECEIVED
  private volatile long received;
  @SuppressWarnings("unused") // through SENT
  private volatile long sent;
  private volatile boolean ended;

  public void received(long bytes) {
    RECEIVED.getAndAdd(this, bytes);
  }

  public void sent(long bytes) {
    SENT.getAndAdd(this, bytes);
  }

  /** The connection is gone: the meter drops this counter after its next flush. */
  void end() {
    ended = true;
  }

  boolean ended() {
    return ended;
  }

  long drainReceived() {
    return (long) RECEIVED.getAndSet(this, 0L);
  }

  long drainSent() {
    return (long) SENT.getAndSet(this, 0L);
  }
}
