package io.drover.gateway.intake;

/**
 * How many handshake, firmware and settings steps one device session may send, whatever its transport
 * ({@code h}, {@code fw/ready}, {@code fw/result}, {@code cfg/ack}; CoAP {@code POST /h},
 * {@code /fw/result}, {@code /cfg/ack}): {@link #BURST} at once, then one every
 * {@link #REFILL_SECONDS} seconds. More are refused as QUOTA_EXCEEDED, for good, as events past the
 * {@link EventQuota}.
 *
 * <p>Each step costs the fleet more than an event: a handshake is a request to the hub, and a changed
 * {@code firmware_version} a database write and a message to every hub node; a firmware result
 * publishes events and records the update's outcome. A real device sends a handful per session: a
 * handshake at each connect (and after an update, which restarts it: a new session), a
 * {@code fw/ready} per offer, one or two {@code fw/result} per update, a {@code cfg/ack} per settings
 * change pushed to it. {@code fw/ack} and {@code fw/nak} are not counted: they come per chunk and the
 * transfer paces them (its window, its resend bound). The bound is its own, apart from the event
 * quota, so that a device at its event quota can still be updated; and it is fixed, not a setting:
 * it follows from the protocol, not from a tenant's traffic.
 */
public final class StepQuota {

  public static final int BURST = 10;
  public static final int REFILL_SECONDS = 10;

  private StepQuota() {
  }

  /** One session's bucket, made at its first step. */
  public static RateLimit newBucket() {
    return RateLimit.perMinute(60 / REFILL_SECONDS, BURST);
  }

  /** The bound as the refusal names it to the device. */
  public static String describe() {
    return BURST + " handshake, firmware and settings steps, then one every " + REFILL_SECONDS + " seconds";
  }
}
