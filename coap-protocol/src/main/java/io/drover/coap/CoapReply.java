package io.drover.coap;

import java.nio.charset.StandardCharsets;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;

/** A response to a device's request, or a device's response to the cloud's: a code and a payload. */
public record CoapReply(ResponseCode code, byte[] payload) {

  private static final byte[] EMPTY = new byte[0];

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
