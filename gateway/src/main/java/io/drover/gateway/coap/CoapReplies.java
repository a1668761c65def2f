package io.drover.gateway.coap;

import io.drover.coap.CoapReply;
import io.drover.gateway.contract.DeviceFailure.Kind;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;

/** The one place where a {@link Kind} becomes a CoAP response code (RFC 7252 section 5.9, RFC 8516 for 4.29). */
final class CoapReplies {

  private CoapReplies() {
  }

  static ResponseCode codeOf(Kind kind) {
    return switch (kind) {
      case UNKNOWN_DEVICE, BAD_CREDENTIALS, BAD_CERTIFICATE -> ResponseCode.UNAUTHORIZED;
      case MALFORMED_IDENTITY, BAD_TOPIC -> ResponseCode.BAD_REQUEST;
      case NOT_ALLOWED -> ResponseCode.FORBIDDEN;
      case MALFORMED_PAYLOAD -> ResponseCode.UNSUPPORTED_CONTENT_FORMAT;
      case PAYLOAD_TOO_LARGE -> ResponseCode.REQUEST_ENTITY_TOO_LARGE;
      case OVERLOADED -> ResponseCode.TOO_MANY_REQUESTS;
      case DEVICE_OFFLINE, DEVICE_TIMEOUT, UNAVAILABLE -> ResponseCode.SERVICE_UNAVAILABLE;
    };
  }

  /** A refusal with its reason as the diagnostic payload (RFC 7252 section 5.5.2). */
  static CoapReply refusal(Kind kind, String reason) {
    return CoapReply.of(codeOf(kind), reason);
  }
}
