package io.drover.gateway.contract;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/**
 * What a gateway asks the hub when a device proves itself with an X.509 certificate: over MQTT with
 * TLS client authentication, or in a DTLS handshake. The TLS layer has checked that the device holds
 * the certificate's key; whom the certificate names, and whether it is trusted, expired or revoked,
 * is decided by the hub for every transport by one rule.
 *
 * @param chain DER certificates as the device sent them, its own first
 * @param claimedDeviceId the device ID the device also gave (the MQTT client identifier), or null when
 *     the transport has none (DTLS); a certificate that names another device is refused
 */
public record CertificateAuthentication(List<byte[]> chain, String claimedDeviceId, String protocol, String remoteAddress) {

  public JsonObject toJson() {
    JsonArray encoded = new JsonArray();
    for (byte[] certificate : chain) {
      encoded.add(Base64.getEncoder().encodeToString(certificate));
    }
    return new JsonObject()
        .put("chain", encoded)
        .put("device_id", claimedDeviceId)
        .put("protocol", protocol)
        .put("remote_address", remoteAddress);
  }

  /** The fingerprint of the device's own certificate, as {@link #fingerprint(byte[])} writes it. */
  public String fingerprint() {
    return fingerprint(chain.get(0));
  }

  /** The SHA-256 of a certificate's DER, lower-case hex without separators: how Drover names a certificate. */
  public static String fingerprint(byte[] der) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(der));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("no SHA-256 in this JVM", e);
    }
  }

  /** @throws IllegalArgumentException when the chain is missing, empty or not base64 */
  public static CertificateAuthentication fromJson(JsonObject json) {
    JsonArray encoded = json.getJsonArray("chain");
    if (encoded == null || encoded.isEmpty()) {
      throw new IllegalArgumentException("chain must hold at least one certificate");
    }
    List<byte[]> chain = new ArrayList<>(encoded.size());
    for (int i = 0; i < encoded.size(); i++) {
      chain.add(Base64.getDecoder().decode(encoded.getString(i)));
    }
    return new CertificateAuthentication(chain, json.getString("device_id"), json.getString("protocol"), json.getString("remote_address"));
  }

  @Override
  public String toString() {
    return "CertificateAuthentication[certificates=" + chain.size() + ", claimedDeviceId=" + claimedDeviceId + ", protocol=" + protocol
        + ", remoteAddress=" + remoteAddress + "]";
  }
}
