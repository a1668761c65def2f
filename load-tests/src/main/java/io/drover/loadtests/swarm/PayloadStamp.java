package io.drover.loadtests.swarm;

import io.vertx.core.buffer.Buffer;
import java.time.Instant;
import java.util.Arrays;

/**
 * A publish's wall-clock time at the start of its payload, {@code 1764998400123456 xxxx...}: microseconds
 * since the epoch in {@value #DIGITS} digits, then a space. The {@code listen} command reads it in
 * another process on the same machine (one realtime clock) to tell the latency from publish to
 * receipt, through any server that passes the payload on as text.
 */
public final class PayloadStamp {

  public static final int DIGITS = 16;
  /** The digits and the space after them: a stamped payload is at least this long. */
  public static final int LENGTH = DIGITS + 1;

  private PayloadStamp() {
  }

  public static long nowMicros() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000;
  }

  /** A payload template of {@code bytes} bytes whose first {@link #LENGTH} are overwritten by {@link #stamp}. */
  static byte[] template(int bytes) {
    byte[] template = new byte[bytes];
    Arrays.fill(template, (byte) 'x');
    if (bytes >= LENGTH) {
      template[DIGITS] = ' ';
    }
    return template;
  }

  /** A copy of {@code template} with {@code micros} in its first {@value #DIGITS} bytes. */
  static Buffer stamp(byte[] template, long micros) {
    byte[] payload = template.clone();
    long rest = micros;
    for (int i = DIGITS - 1; i >= 0; i--) {
      payload[i] = (byte) ('0' + rest % 10);
      rest /= 10;
    }
    return Buffer.buffer(payload);
  }

  /** @return the stamp at {@code from} in the first {@code length} of {@code bytes} (ASCII), or -1 as {@link #read(CharSequence, int)} */
  public static long read(byte[] bytes, int length, int from) {
    if (from < 0 || length < from + LENGTH || bytes[from + DIGITS] != ' ') {
      return -1;
    }
    long micros = 0;
    for (int i = from; i < from + DIGITS; i++) {
      byte c = bytes[i];
      if (c < '0' || c > '9') {
        return -1;
      }
      micros = micros * 10 + (c - '0');
    }
    return micros;
  }

  /** @return the stamp at {@code from} in {@code text}, or -1 when there are not {@value #DIGITS} digits and a space there */
  public static long read(CharSequence text, int from) {
    if (from < 0 || text.length() < from + LENGTH || text.charAt(from + DIGITS) != ' ') {
      return -1;
    }
    long micros = 0;
    for (int i = from; i < from + DIGITS; i++) {
      char c = text.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      micros = micros * 10 + (c - '0');
    }
    return micros;
  }
}
