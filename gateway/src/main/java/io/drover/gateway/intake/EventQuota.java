package io.drover.gateway.intake;

/**
 * How many events (and descriptions) one device may send, whatever its transport: {@code perSecond}
 * on average, bursts of up to {@code burst}. More are refused as QUOTA_EXCEEDED, for good: the device
 * must not resend them. Particle allows about one event a second in bursts of four; the defaults here
 * leave room for the 10 to 20 a second a busy device of the benchmarks sends.
 *
 * @param perSecond {@code devices.events-per-second}
 * @param burst {@code devices.events-burst}
 */
public record EventQuota(int perSecond, int burst) {

  public static final EventQuota DEFAULTS = new EventQuota(50, 100);

  public EventQuota {
    if (perSecond < 1 || burst < 1) {
      throw new IllegalArgumentException("an event quota needs a positive rate and burst");
    }
  }

  /** One session's bucket. */
  public RateLimit newBucket() {
    return new RateLimit(perSecond, burst);
  }

  /** The quota as the refusal names it to the device. */
  public String describe() {
    return perSecond + " events a second, in bursts of up to " + burst;
  }
}
