package io.drover.hub.support;

import io.vertx.core.json.JsonObject;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;

/** Google service account key files as the Cloud console makes them, around key pairs made here. */
public final class ServiceAccountKeys {

  private ServiceAccountKeys() {
  }

  public static KeyPair rsa() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    return generator.generateKeyPair();
  }

  public static KeyPair ec() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    return generator.generateKeyPair();
  }

  /** PEM PKCS#8, with the line breaks of Google's files. */
  public static String pem(PrivateKey key) {
    return "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(key.getEncoded())
        + "\n-----END PRIVATE KEY-----\n";
  }

  public static JsonObject file(PrivateKey key, String clientEmail, String tokenUri) {
    return new JsonObject().put("type", "service_account").put("project_id", "drover-test").put("private_key_id", "0123456789abcdef")
        .put("private_key", pem(key)).put("client_email", clientEmail).put("client_id", "100000000000000000001")
        .put("auth_uri", "https://accounts.google.com/o/oauth2/auth").put("token_uri", tokenUri);
  }
}
