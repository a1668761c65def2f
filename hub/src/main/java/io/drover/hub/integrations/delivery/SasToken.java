package io.drover.hub.integrations.delivery;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * An Azure IoT Hub shared access signature made from a shared access policy (Microsoft's "Control
 * access to IoT Hub with shared access signatures", "Security token structure"):
 * {@code SharedAccessSignature sr={URL-encoded resourceURI}&sig={signature}&se={expiry}&skn={policyName}},
 * where the signature is the URL-encoded base64 HMAC-SHA256, keyed with the base64-decoded policy key,
 * of {@code {URL-encoded resourceURI} + "\n" + expiry}, and the expiry is in seconds since the epoch.
 * A token for the hub's host name ({@code <hub>.azure-devices.net}) made with a policy holding
 * DeviceConnect lets a cloud gateway send for any device of the hub, so one token serves every event
 * of an integration until it nears its expiry.
 */
final class SasToken {

  private SasToken() {
  }

  /**
   * @param resourceUri the resource the token grants, without scheme: the hub's host name
   * @param key the policy's key as bytes (its base64 decoded)
   * @param expiry seconds since the epoch
   */
  static String create(String resourceUri, String policyName, byte[] key, long expiry) {
    String encodedUri = URLEncoder.encode(resourceUri, StandardCharsets.UTF_8);
    String signature = Base64.getEncoder().encodeToString(hmac(key, encodedUri + "\n" + expiry));
    return "SharedAccessSignature sr=" + encodedUri + "&sig=" + URLEncoder.encode(signature, StandardCharsets.UTF_8) + "&se=" + expiry
        + "&skn=" + URLEncoder.encode(policyName, StandardCharsets.UTF_8);
  }

  static byte[] hmac(byte[] key, String text) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(text.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is missing from this JDK", e);
    }
  }
}
