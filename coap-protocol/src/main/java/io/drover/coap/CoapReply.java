package io.drover.coap;

import java.nio.charset.StandardCharsets;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;

/**
 * A response to a device's request, or a device's response to the cloud's: a code, a payload and, for
 * a refusal the device may try again, when: the Max-Age option of a 4.29 or 5.03 (RFC 8516 section 3,
 * RFC 7252 section 5.9.3.4).
 *
 * @param maxAgeSeconds the Max-Age option to send; -1 sends none
 */
public record CoapReply(ResponseCode code, byte[] payload, long maxAgeSeconds) {

  private static final byte[] EMPTY = new byte[0];

  public CoapReply(ResponseCode code, byte[] payload) {
    this(code, payload, -1);
  }

  /** The same reply, telling the device to try again in {@code seconds}. */
  public CoapReply withMaxAge(long seconds) {
    return new CoapReply(code, payload, seconds);
  }

  public static CoapReply of(ResponseCode code) {
    return new CoapReply(code, EMPTY);
  }

  /** A diagnostic payload (RFC 7252 section 5.5.2) or a text answer, as UTF-8. */
  public static CoapReply of(ResponseCode code, String text) {
    return new CoapReply(code, text == null ? EMPTY : text.getBytes(StandardCharsets.UTF_8));
  }

  public String text() {
    return new String(payload, StandardCharsets.UTF_8);
  }

  public boolean isSuccess() {
    return code.isSuccess();
  }
}
