package io.drover.gateway.support;

import io.drover.gateway.support.TestCertificates.DeviceCertificate;
import java.nio.file.Path;

/**
 * How a simulated MQTT device reaches the gateway and proves who it is: plain TCP with its secret, or
 * TLS (verifying the node against {@code serverCa}), with a client certificate, a secret, or both.
 *
 * @param userName null to send none; so are {@code password}, {@code serverCa} (plain TCP) and {@code certificate}
 */
public record MqttLogin(int port, String clientId, String userName, String password, Path serverCa, DeviceCertificate certificate) {

  /** Plain TCP: client identifier and user name the device ID, the secret as password (docs/device-protocol.md section 2). */
  public static MqttLogin secret(int port, String deviceId, String secret) {
    return new MqttLogin(port, deviceId, deviceId, secret, null, null);
  }

  /** TLS with the device's certificate, no user name and no password: the certificate alone. */
  public static MqttLogin certificate(int tlsPort, String clientId, DeviceCertificate certificate) {
    return new MqttLogin(tlsPort, clientId, null, null, TestCertificates.shared().serverCaFile(), certificate);
  }

  /** TLS without a client certificate: the secret, as over plain TCP. */
  public static MqttLogin secretOverTls(int tlsPort, String deviceId, String secret) {
    return new MqttLogin(tlsPort, deviceId, deviceId, secret, TestCertificates.shared().serverCaFile(), null);
  }

  /** The same, with a user name and password as well. */
  public MqttLogin withPassword(String userName, String password) {
    return new MqttLogin(port, clientId, userName, password, serverCa, certificate);
  }

  boolean tls() {
    return serverCa != null;
  }
}
