package io.drover.hub.devices;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.interfaces.ECPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;

/** Reads a device's public key as registered: an ECDSA P-256 key, PEM or base64 of its DER SubjectPublicKeyInfo. */
public final class DevicePublicKeys {

  private DevicePublicKeys() {
  }

  /** @return the DER SubjectPublicKeyInfo, or null when {@code text} is not a P-256 public key */
  public static byte[] parse(String text) {
    String base64 = text.replace("-----BEGIN PUBLIC KEY-----", "").replace("-----END PUBLIC KEY-----", "").replaceAll("\\s", "");
    try {
      byte[] der = Base64.getDecoder().decode(base64);
      if (KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(der)) instanceof ECPublicKey key
          && key.getParams().getCurve().getField().getFieldSize() == 256) {
        return der;
      }
    } catch (IllegalArgumentException | GeneralSecurityException e) {
      // not base64, or not an EC key: refused below
    }
    return null;
  }
}
