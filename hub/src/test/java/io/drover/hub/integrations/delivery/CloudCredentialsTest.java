package io.drover.hub.integrations.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.support.ServiceAccountKeys;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.Signature;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** The credentials the cloud integrations make, checked against values computed apart from this code. */
class CloudCredentialsTest {

  @Test
  void sasTokenMatchesAVectorComputedWithPythonsHmac() {
    // python3: hmac.new(b64decode(key), quote(sr, safe='') + '\n1700000000', sha256), then quote(b64encode(sig), safe='')
    assertEquals("SharedAccessSignature sr=myhub.azure-devices.net&sig=IkGz2lWNugae52gSWHdr%2ByccpVuovHGo3LgULNhswSY%3D&se=1700000000&skn=device",
        SasToken.create("myhub.azure-devices.net", "device", Base64.getDecoder().decode("c2VjcmV0LXBvbGljeS1rZXk="), 1700000000L));
  }

  @Test
  void assertionIsAnRs256JwtWithGooglesClaims() throws Exception {
    KeyPair pair = ServiceAccountKeys.rsa();
    ServiceAccountKey key = ServiceAccountKey.parse(ServiceAccountKeys.file(pair.getPrivate(), "a@p.iam.gserviceaccount.com",
        "https://oauth2.googleapis.com/token"));

    String[] jwt = key.assertion("https://www.googleapis.com/auth/pubsub", 1700000000L).split("\\.");

    assertEquals(3, jwt.length);
    Base64.Decoder url = Base64.getUrlDecoder();
    assertEquals(new JsonObject().put("alg", "RS256").put("typ", "JWT").put("kid", "0123456789abcdef"),
        new JsonObject(new String(url.decode(jwt[0]), StandardCharsets.UTF_8)));
    assertEquals(new JsonObject().put("iss", "a@p.iam.gserviceaccount.com").put("scope", "https://www.googleapis.com/auth/pubsub")
        .put("aud", "https://oauth2.googleapis.com/token").put("iat", 1700000000L).put("exp", 1700003600L),
        new JsonObject(new String(url.decode(jwt[1]), StandardCharsets.UTF_8)));
    Signature verifier = Signature.getInstance("SHA256withRSA");
    verifier.initVerify(pair.getPublic());
    verifier.update((jwt[0] + "." + jwt[1]).getBytes(StandardCharsets.US_ASCII));
    assertTrue(verifier.verify(url.decode(jwt[2])), "signed with the key file's private key");
    assertTrue(!jwt[2].contains("=") && !jwt[2].contains("+") && !jwt[2].contains("/"), "base64url without padding");
  }

  @Test
  void keyFilesThatCannotSignAreRefusedNamingTheField() throws Exception {
    JsonObject good = ServiceAccountKeys.file(ServiceAccountKeys.rsa().getPrivate(), "a@p.iam.gserviceaccount.com", "https://oauth2.googleapis.com/token");
    assertEquals("private_key is an EC key; a service account key is RSA (RS256)", assertThrows(IllegalArgumentException.class,
        () -> ServiceAccountKey.parse(good.copy().put("private_key", ServiceAccountKeys.pem(ServiceAccountKeys.ec().getPrivate())))).getMessage());
    assertTrue(assertThrows(IllegalArgumentException.class, () -> ServiceAccountKey.parse(good.copy().put("private_key", null))).getMessage()
        .startsWith("private_key is required"));
    assertEquals("private_key is not valid PEM: its body is not base64", assertThrows(IllegalArgumentException.class,
        () -> ServiceAccountKey.parse(good.copy().put("private_key", "-----BEGIN PRIVATE KEY-----\n!!!\n-----END PRIVATE KEY-----"))).getMessage());
    assertTrue(assertThrows(IllegalArgumentException.class, () -> ServiceAccountKey.parse(good.copy().put("token_uri", "/token"))).getMessage()
        .startsWith("token_uri is required"));
  }
}
