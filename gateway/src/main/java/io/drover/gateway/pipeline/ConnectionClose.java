package io.drover.gateway.pipeline;

/** Why the gateway closed a device's connection itself: the {@code reason} of {@code drover.gateway.connections.closed}. */
public enum ConnectionClose {
  /** No CONNECT within {@code mqtt.connect-timeout} of the TCP accept, the TLS handshake included. */
  CONNECT_TIMEOUT("connect_timeout"),
  /** The TLS handshake failed: not TLS, no common protocol or cipher, or not finished in time. */
  TLS_HANDSHAKE_FAILED("tls_handshake_failed"),
  /** A packet that is not MQTT, or one the protocol does not allow where it came. */
  MALFORMED_PACKET("malformed_packet"),
  /** What was sent to the device did not move for {@code mqtt.outbound-stall-seconds}, or grew past its bound: it stopped reading. */
  SLOW_READER("slow_reader"),
  /** MQTT 3.1.1 only: the hub could not take a QoS 1 event within {@code gateway.overload-retry-ms}, so the device must resend it. */
  HUB_OVERLOADED("hub_overloaded"),
  /** The X.509 certificate the session was authenticated with was revoked (a {@code END_SESSION} command from the hub). */
  CERTIFICATE_REVOKED("certificate_revoked"),
  /** The device's SIM was deactivated or paused at its data limit (a {@code DISCONNECT} command from the hub). */
  CONNECTIVITY_PAUSED("connectivity_paused");

  private final String metricName;

  ConnectionClose(String metricName) {
    this.metricName = metricName;
  }

  public String metricName() {
    return metricName;
  }
}
