package io.drover.gateway.coap;

import io.drover.coap.CertificateRefused;
import io.drover.coap.CoapReply;
import io.drover.gateway.contract.CertificateRefusal;
import io.drover.gateway.contract.DeviceFailure.Kind;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;

/**
 * The one place where a {@link Kind} becomes a CoAP response code (RFC 7252 section 5.9, RFC 8516 for
 * 4.29), and a {@link CertificateRefusal} the DTLS handshake's reason (whose alert
 * {@link CertificateRefused.Reason#alert()} gives).
 */
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
      case OVERLOADED, QUOTA_EXCEEDED -> ResponseCode.TOO_MANY_REQUESTS;
      case DEVICE_OFFLINE, DEVICE_TIMEOUT, UNAVAILABLE -> ResponseCode.SERVICE_UNAVAILABLE;
    };
  }

  /**
   * A refusal with its reason as the diagnostic payload (RFC 7252 section 5.5.2) and, for 4.29 and 5.03,
   * the seconds after which to try again as Max-Age (RFC 8516 section 3, RFC 7252 section 5.9.3.4).
   */
  static CoapReply refusal(Kind kind, String reason) {
    CoapReply refusal = CoapReply.of(codeOf(kind), reason);
    long retryAfter = retryAfterSeconds(kind);
    return retryAfter < 0 ? refusal : refusal.withMaxAge(retryAfter);
  }

  /**
   * When a device may send again after a refusal: the hub's queue (OVERLOADED) and the device's event
   * quota (QUOTA_EXCEEDED: the refused message is not to be resent, but the next one may follow) free
   * up within a second; a hub that did not answer (UNAVAILABLE) is given longer. -1 for a refusal that
   * waiting does not change.
   */
  static long retryAfterSeconds(Kind kind) {
    return switch (kind) {
      case OVERLOADED, QUOTA_EXCEEDED -> 1;
      case UNAVAILABLE, DEVICE_OFFLINE, DEVICE_TIMEOUT -> 5;
      case UNKNOWN_DEVICE, BAD_CREDENTIALS, BAD_CERTIFICATE, MALFORMED_IDENTITY, NOT_ALLOWED, MALFORMED_PAYLOAD, PAYLOAD_TOO_LARGE,
          BAD_TOPIC -> -1;
    };
  }

  /** The hub's reason for refusing a certificate, as the DTLS layer takes it. */
  static CertificateRefused.Reason dtlsReason(CertificateRefusal refusal) {
    return switch (refusal) {
      case MALFORMED -> CertificateRefused.Reason.MALFORMED;
      case EXPIRED -> CertificateRefused.Reason.EXPIRED;
      case REVOKED -> CertificateRefused.Reason.REVOKED;
      case UNTRUSTED -> CertificateRefused.Reason.UNTRUSTED;
      case UNKNOWN_DEVICE -> CertificateRefused.Reason.UNKNOWN_DEVICE;
      case ID_MISMATCH -> CertificateRefused.Reason.ID_MISMATCH;
    };
  }

  /** The reason the DTLS layer reports, back as the hub's, for the counter. */
  static CertificateRefusal refusalOf(CertificateRefused.Reason reason) {
    return switch (reason) {
      case MALFORMED -> CertificateRefusal.MALFORMED;
      case EXPIRED -> CertificateRefusal.EXPIRED;
      case REVOKED -> CertificateRefusal.REVOKED;
      case UNTRUSTED -> CertificateRefusal.UNTRUSTED;
      case UNKNOWN_DEVICE -> CertificateRefusal.UNKNOWN_DEVICE;
      case ID_MISMATCH -> CertificateRefusal.ID_MISMATCH;
    };
  }
}
