package io.drover.gateway.contract;

import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;

/**
 * The one failure type of the device session pipeline. Each protocol maps its {@link Kind} once
 * (MQTT to a CONNACK or PUBACK code, CoAP to a response code); the bus carries the kind as the
 * failure code of a reply.
 */
public final class DeviceFailure extends RuntimeException {

  public enum Kind {
    /** The device ID is not registered. Answered like BAD_CREDENTIALS so that IDs cannot be probed. */
    UNKNOWN_DEVICE(404, "unknown_device"),
    BAD_CREDENTIALS(401, "bad_credentials"),
    /**
     * An X.509 device certificate the hub does not accept; the message starts with its
     * {@link CertificateRefusal} reason.
     */
    BAD_CERTIFICATE(495, "bad_certificate"),
    /** The identity is malformed, for example a client identifier that is not a device ID. */
    MALFORMED_IDENTITY(400, "malformed_identity"),
    NOT_ALLOWED(403, "not_allowed"),
    /** A message that is not what its topic or resource promises, for example event data that is not UTF-8. */
    MALFORMED_PAYLOAD(415, "malformed_payload"),
    PAYLOAD_TOO_LARGE(413, "payload_too_large"),
    BAD_TOPIC(422, "bad_topic"),
    /** The device has no live session. */
    DEVICE_OFFLINE(410, "device_offline"),
    /** The device did not answer a request in time. */
    DEVICE_TIMEOUT(408, "device_timeout"),
    /** A bounded queue is full: the caller may retry later. */
    OVERLOADED(429, "overloaded"),
    /**
     * A quota the operator set (a device's, an account's or a product's events per second or per day)
     * is used up: the message is refused for good, so a device must not resend it. The message names
     * the quota.
     */
    QUOTA_EXCEEDED(430, "quota_exceeded"),
    /** The hub did not answer in time, or no hub is reachable. */
    UNAVAILABLE(503, "unavailable");

    private final int busCode;
    private final String metricName;

    Kind(int busCode, String metricName) {
      this.busCode = busCode;
      this.metricName = metricName;
    }

    public int busCode() {
      return busCode;
    }

    /**
     * Whether the device may send the same message again later: the message was fine, but the hub
     * could not take it now. A transport that cannot say so in its answer (MQTT 3.1.1 has no negative
     * acknowledgement) must make the device resend it; any other refusal is final.
     */
    public boolean deviceMayRetry() {
      return this == OVERLOADED || this == UNAVAILABLE;
    }

    /** The value of the {@code reason} tag on rejection counters. */
    public String metricName() {
      return metricName;
    }

    static Kind ofBusCode(int code) {
      for (Kind kind : values()) {
        if (kind.busCode == code) {
          return kind;
        }
      }
      return UNAVAILABLE;
    }
  }

  private final Kind kind;

  public DeviceFailure(Kind kind, String message) {
    super(message, null, false, false);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }

  /**
   * Turns whatever failed a bus request into a DeviceFailure: a failure reply keeps its kind; no
   * handler or a timeout means the hub is unavailable.
   */
  public static DeviceFailure from(Throwable cause) {
    if (cause instanceof DeviceFailure failure) {
      return failure;
    }
    if (cause instanceof ReplyException reply && reply.failureType() == ReplyFailure.RECIPIENT_FAILURE) {
      return new DeviceFailure(Kind.ofBusCode(reply.failureCode()), reply.getMessage());
    }
    return new DeviceFailure(Kind.UNAVAILABLE, "hub unavailable: " + cause.getMessage());
  }
}
