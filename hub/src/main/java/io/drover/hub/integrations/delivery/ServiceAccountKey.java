package io.drover.hub.integrations.delivery;

import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.interfaces.RSAPrivateKey;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;

/**
 * A Google service account's JSON key file, as the Cloud console downloads it ({@code type},
 * {@code client_email}, {@code private_key} as a PEM PKCS#8 RSA key, {@code private_key_id},
 * {@code token_uri}), and the signed JWT that trades it for an OAuth 2.0 access token (Google's
 * "Using OAuth 2.0 for server to server applications", RFC 7523): header {@code {alg: RS256, typ: JWT,
 * kid}}, claims {@code iss} (the account's email), {@code scope}, {@code aud} (the token URI),
 * {@code iat} and {@code exp} (at most an hour later). Signed with the JDK's SHA256withRSA; no JWT
 * library. Immutable and thread-safe (a {@link Signature} is made per call).
 */
public final class ServiceAccountKey {

  /** The longest an assertion may live: Google refuses {@code exp - iat} over an hour. */
  static final long ASSERTION_SECONDS = 3600;

  private final String clientEmail;
  private final String privateKeyId;
  private final String tokenUri;
  private final RSAPrivateKey privateKey;

  private ServiceAccountKey(String clientEmail, String privateKeyId, String tokenUri, RSAPrivateKey privateKey) {
    this.clientEmail = clientEmail;
    this.privateKeyId = privateKeyId;
    this.tokenUri = tokenUri;
    this.privateKey = privateKey;
  }

  /**
   * @throws IllegalArgumentException naming the field that is missing or wrong, never quoting the key
   */
  public static ServiceAccountKey parse(JsonObject key) {
    if (!"service_account".equals(key.getValue("type"))) {
      throw new IllegalArgumentException("type must be service_account");
    }
    if (!(key.getValue("client_email") instanceof String email) || email.indexOf('@') <= 0) {
      throw new IllegalArgumentException("client_email is required: the service account's email address");
    }
    if (!(key.getValue("private_key") instanceof String pem) || pem.isBlank()) {
      throw new IllegalArgumentException("private_key is required: the PEM PKCS#8 RSA key of the key file");
    }
    if (!(key.getValue("token_uri") instanceof String tokenUri) || !httpUrl(tokenUri)) {
      throw new IllegalArgumentException("token_uri is required: an https:// address (Google's is https://oauth2.googleapis.com/token)");
    }
    Object keyId = key.getValue("private_key_id");
    if (keyId != null && !(keyId instanceof String)) {
      throw new IllegalArgumentException("private_key_id must be text");
    }
    return new ServiceAccountKey(email, (String) keyId, tokenUri, rsa(pem));
  }

  private static boolean httpUrl(String text) {
    try {
      URI uri = new URI(text);
      return uri.getHost() != null && ("https".equalsIgnoreCase(uri.getScheme()) || "http".equalsIgnoreCase(uri.getScheme()));
    } catch (URISyntaxException e) {
      return false;
    }
  }

  /** PEM {@code -----BEGIN PRIVATE KEY-----} (PKCS#8), as Google's key files hold it; an RSA key only. */
  private static RSAPrivateKey rsa(String pem) {
    int begin = pem.indexOf("-----BEGIN PRIVATE KEY-----");
    int end = pem.indexOf("-----END PRIVATE KEY-----");
    if (begin < 0 || end < begin) {
      throw new IllegalArgumentException("private_key must be a PEM PKCS#8 key (-----BEGIN PRIVATE KEY-----), as in Google's key files");
    }
    byte[] der;
    try {
      der = Base64.getDecoder().decode(pem.substring(begin + "-----BEGIN PRIVATE KEY-----".length(), end).replaceAll("\\s", ""));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("private_key is not valid PEM: its body is not base64");
    }
    PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
    try {
      PrivateKey key = KeyFactory.getInstance("RSA").generatePrivate(spec);
      return (RSAPrivateKey) key;
    } catch (InvalidKeySpecException e) {
      for (String other : new String[] {"EC", "Ed25519", "DSA"}) {
        try {
          KeyFactory.getInstance(other).generatePrivate(spec);
          throw new IllegalArgumentException("private_key is an " + other + " key; a service account key is RSA (RS256)");
        } catch (GeneralSecurityException notThat) {
          // try the next algorithm
        }
      }
      throw new IllegalArgumentException("private_key is not a PKCS#8 private key");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("RSA is missing from this JDK", e);
    }
  }

  String clientEmail() {
    return clientEmail;
  }

  String tokenUri() {
    return tokenUri;
  }

  /** The RS256-signed JWT assertion for {@code scope}, issued at {@code nowSeconds}, valid an hour. */
  String assertion(String scope, long nowSeconds) {
    JsonObject header = new JsonObject().put("alg", "RS256").put("typ", "JWT");
    if (privateKeyId != null) {
      header.put("kid", privateKeyId);
    }
    JsonObject claims = new JsonObject().put("iss", clientEmail).put("scope", scope).put("aud", tokenUri)
        .put("iat", nowSeconds).put("exp", nowSeconds + ASSERTION_SECONDS);
    Base64.Encoder url = Base64.getUrlEncoder().withoutPadding();
    String signed = url.encodeToString(header.encode().getBytes(StandardCharsets.UTF_8)) + "."
        + url.encodeToString(claims.encode().getBytes(StandardCharsets.UTF_8));
    try {
      Signature signature = Signature.getInstance("SHA256withRSA");
      signature.initSign(privateKey);
      signature.update(signed.getBytes(StandardCharsets.US_ASCII));
      return signed + "." + url.encodeToString(signature.sign());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the service account's key cannot sign: " + e.getMessage(), e);
    }
  }
}
