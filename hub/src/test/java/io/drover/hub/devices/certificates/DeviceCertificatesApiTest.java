package io.drover.hub.devices.certificates;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.support.TestCertificates;
import io.drover.hub.support.TestCertificates.Made;
import io.drover.hub.support.TestNode;
import io.drover.hub.support.TlsClients;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The certificate routes: a device's certificates ({@code /v1/devices/:id/certificates}), provisioning
 * with a certificate or CSR ({@code /v1/admin/devices}), and a product's device CAs
 * ({@code /v1/products/:id/device_cas}); every refusal, and who may.
 */
class DeviceCertificatesApiTest {

  private static TestCertificates openssl;
  private static TestNode node;
  private static String admin;
  private static String alice;
  private static String bob;
  private static String dave;
  private static String vera;
  private static String sam;
  private static int product;

  @BeforeAll
  static void startNode() throws Exception {
    openssl = new TestCertificates(Files.createTempDirectory("drover-certificates-api"));
    node = TestNode.start();
    admin = node.signUpAndLogIn("operator@example.com", "the administrator");
    // an administrator by the explicit step a node takes (no sign-up makes one)
    node.execute("UPDATE users SET is_admin = true WHERE username = 'operator@example.com'");
    alice = node.signUpAndLogIn("alice@example.com", "alice's password");
    bob = node.signUpAndLogIn("bob@example.com", "bob's password!");
    dave = node.signUpAndLogIn("dave@example.com", "dave's password");
    vera = node.signUpAndLogIn("vera@example.com", "vera's password");
    sam = node.signUpAndLogIn("sam@example.com", "sam's password!");
    HttpResponse<String> made = node.post("/v1/products", new JsonObject().put("name", "Fleet").put("slug", "fleet").put("platform_id", 12).encode(), alice);
    assertEquals(201, made.statusCode(), made.body());
    product = new JsonObject(made.body()).getJsonObject("product").getInteger("id");
    member("dave@example.com", "developer");
    member("vera@example.com", "view_only");
    member("sam@example.com", "support");
  }

  @AfterAll
  static void stopNode() {
    node.close();
  }

  @Test
  void aCsrIsSignedByTheNodesDeviceCaForTheDeviceIdAndListed() throws Exception {
    String device = claimedBy(alice);
    Made csr = openssl.csr("/CN=anything/O=Maker");

    HttpResponse<String> signed = node.post(certificates(device), new JsonObject().put("csr", Files.readString(csr.certificate())).encode(), alice);

    assertEquals(201, signed.statusCode(), signed.body());
    JsonObject answer = new JsonObject(signed.body());
    Path issued = Files.createTempFile("issued", ".pem");
    Files.writeString(issued, answer.getString("certificate"));
    Path deviceCa = node.dataDir().resolve("tls/device-ca.pem");
    TlsClients.Result verify = TlsClients.run(List.of("openssl", "verify", "-CAfile", deviceCa.toString(), "-purpose", "sslclient", issued.toString()));
    assertEquals(0, verify.exitCode(), verify.output());
    assertTrue(TestCertificates.openssl("x509", "-in", issued.toString(), "-noout", "-subject").output().contains("CN = " + device));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(node.dataDir().resolve("tls/device-ca-key.pem"))));
    assertEquals(sha256(TestCertificates.der(answer.getString("certificate"))), answer.getString("fingerprint"));
    Instant notAfter = Instant.parse(answer.getString("not_after"));
    assertTrue(notAfter.isAfter(Instant.now().plus(Duration.ofDays(364))) && notAfter.isBefore(Instant.now().plus(Duration.ofDays(366))),
        "a year by default: " + notAfter);

    JsonObject listed = only(list(device, alice));
    assertEquals(answer.getString("fingerprint"), listed.getString("fingerprint"));
    assertEquals("CN=" + device + ",O=Drover", listed.getString("subject"), "RFC 2253, as Java and OpenSSL's -nameopt RFC2253 write it");
    assertTrue(listed.getString("issuer").contains("CN=Drover device CA"), listed.getString("issuer"));
    for (String field : List.of("not_before", "not_after", "created_at")) {
      assertTrue(listed.getString(field).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"), field + ": " + listed.getString(field));
    }
    assertEquals(false, listed.getBoolean("revoked"));

    JsonObject month = new JsonObject(node.post(certificates(device), new JsonObject().put("csr", Files.readString(openssl.csr("/CN=x").certificate()))
        .put("days", 30).encode(), alice).body());
    Instant monthEnd = Instant.parse(month.getString("not_after"));
    assertTrue(monthEnd.isBefore(Instant.now().plus(Duration.ofDays(31))), "days sets the validity: " + monthEnd);
  }

  @Test
  void aCertificateIsRegisteredToOneDeviceOnly() throws Exception {
    String device = claimedBy(alice);
    String other = claimedBy(alice);
    Made selfSigned = openssl.selfSigned("/CN=my own");
    String body = new JsonObject().put("certificate", selfSigned.pem()).encode();

    HttpResponse<String> first = node.post(certificates(device), body, alice);
    assertEquals(201, first.statusCode(), first.body());
    assertEquals(sha256(selfSigned.der()), new JsonObject(first.body()).getString("fingerprint"));
    HttpResponse<String> again = node.post(certificates(device), body, alice);
    assertEquals(200, again.statusCode(), "registering it again changes nothing: " + again.body());
    assertError(node.post(certificates(other), body, alice), 409, "certificate_registered");
    assertEquals(1, list(device, alice).size());
    assertEquals(0, list(other, alice).size());
  }

  @Test
  void badBodiesAreAnswered400SayingWhatIsWrong() throws Exception {
    String device = claimedBy(alice);
    String csr = Files.readString(openssl.csr("/CN=device").certificate());
    String certificate = openssl.selfSigned("/CN=device").pem();
    String expired = openssl.issue("/CN=" + device, openssl.rootCa("/CN=Old CA", "20190101000000Z", "20220101000000Z"), "leaf",
        "20200101000000Z", "20210101000000Z").pem();

    assertBadRequest(device, new JsonObject().put("certificate", "MIIBkTCB+wIJ"), "certificate is not PEM");
    assertBadRequest(device, new JsonObject().put("certificate", csr), "certificate holds a PEM CERTIFICATE REQUEST, not a CERTIFICATE");
    assertBadRequest(device, new JsonObject().put("certificate", certificate + certificate), "certificate must hold one PEM certificate");
    assertBadRequest(device, new JsonObject().put("certificate", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"),
        "certificate is not a valid X.509 certificate");
    assertBadRequest(device, new JsonObject().put("certificate", expired), "certificate expired on 2021-01-01T00:00:00Z");
    assertBadRequest(device, new JsonObject().put("csr", "hello"), "csr is not PEM");
    assertBadRequest(device, new JsonObject().put("csr", certificate), "csr holds a PEM CERTIFICATE, not a CERTIFICATE REQUEST");
    assertBadRequest(device, new JsonObject().put("csr", tampered(csr)), "csr's signature does not verify");
    assertBadRequest(device, new JsonObject().put("csr", csr).put("days", 0), "days must be a whole number from 1 to 3650");
    assertBadRequest(device, new JsonObject().put("csr", csr).put("certificate", certificate), "Give either certificate");
    assertBadRequest(device, new JsonObject(), "Give either certificate");
    assertBadRequest(device, new JsonObject().put("certificate", 42), "certificate must be PEM text");
    assertBadRequest(device, new JsonObject().put("csr", csr).put("valid", 1), "Unknown field valid");
    assertEquals(0, list(device, alice).size(), "nothing was registered");
  }

  @Test
  void aFingerprintIsRevokedOnceAndARevokedCertificateIsNotRegisteredAgain() throws Exception {
    String device = claimedBy(alice);
    String other = claimedBy(alice);
    Made selfSigned = openssl.selfSigned("/CN=to revoke");
    node.post(certificates(device), new JsonObject().put("certificate", selfSigned.pem()).encode(), alice);
    String fingerprint = sha256(selfSigned.der());

    HttpResponse<String> revoked = node.send("DELETE", certificates(device) + "/" + colons(fingerprint), null, alice);
    assertEquals(200, revoked.statusCode(), "the colon form openssl prints is taken: " + revoked.body());
    String revokedAt = new JsonObject(revoked.body()).getString("revoked_at");
    assertEquals(false, new JsonObject(revoked.body()).getBoolean("session_ended"), "the device is offline: no session to end");
    JsonObject listed = only(list(device, alice));
    assertEquals(true, listed.getBoolean("revoked"));
    assertEquals(revokedAt, listed.getString("revoked_at"));
    HttpResponse<String> twice = node.send("DELETE", certificates(device) + "/" + fingerprint, null, alice);
    assertEquals(revokedAt, new JsonObject(twice.body()).getString("revoked_at"), "revoking twice keeps the first time");
    assertError(node.post(certificates(device), new JsonObject().put("certificate", selfSigned.pem()).encode(), alice), 409, "certificate_revoked");
    assertError(node.send("DELETE", certificates(other) + "/" + fingerprint, null, alice), 409, "certificate_registered");

    String unseen = sha256(openssl.selfSigned("/CN=issued elsewhere").der());
    assertError(node.send("DELETE", certificates(device) + "/" + unseen, null, alice), 404, "not_found");
    HttpResponse<String> unregistered = node.send("DELETE", certificates(device) + "/" + unseen + "?unregistered=true", null, alice);
    assertEquals(200, unregistered.statusCode(), unregistered.body());
    assertEquals(false, new JsonObject(unregistered.body()).getBoolean("registered"));
    JsonObject unseenListed = list(device, alice).stream().map(JsonObject.class::cast).filter(c -> c.getString("fingerprint").equals(unseen))
        .findFirst().orElseThrow();
    assertEquals(true, unseenListed.getBoolean("revoked"));
    assertNull(unseenListed.getString("subject"), "a fingerprint alone has no subject");
    assertError(node.send("DELETE", certificates(device) + "/not-a-fingerprint", null, alice), 400, "invalid_request");
  }

  @Test
  void theOwnerAdministratorsAndProductMembersByRoleMayAndNoOneElse() throws Exception {
    String owned = claimedBy(alice);
    String inProduct = node.provisionDevice().id();
    node.execute("UPDATE devices SET product_id = " + product + " WHERE id = '" + inProduct + "'");
    String selfSigned = openssl.selfSigned("/CN=x").pem();
    String body = new JsonObject().put("certificate", selfSigned).encode();

    assertError(node.get(certificates(owned), bob), 404, "not_found");
    assertError(node.post(certificates(owned), body, bob), 404, "not_found");
    assertError(node.send("DELETE", certificates(owned) + "/" + sha256(TestCertificates.der(selfSigned)), null, bob), 404, "not_found");
    assertError(node.get(certificates("ffffffffffffffffffffffff"), admin), 404, "not_found");
    assertError(node.get(certificates(owned), null), 401, "invalid_request");
    assertEquals(200, node.get(certificates(owned), admin).statusCode(), "a node administrator");
    assertEquals(200, node.get(certificates(owned), node.adminToken()).statusCode(), "the bootstrap admin token");

    assertEquals(200, node.get(certificates(inProduct), vera).statusCode(), "a view-only member reads");
    assertError(node.post(certificates(inProduct), body, vera), 403, "forbidden");
    assertError(node.post(certificates(inProduct), body, sam), 403, "forbidden");
    assertEquals(201, node.post(certificates(inProduct), body, dave).statusCode(), "a developer manages the fleet's identities");
    assertError(node.get(certificates(inProduct), bob), 404, "not_found");
    // the product's members have no say over devices outside it
    assertError(node.get(certificates(owned), dave), 404, "not_found");
  }

  @Test
  void provisioningTakesACertificateOrACsr() throws Exception {
    String csr = Files.readString(openssl.csr("/CN=factory").certificate());
    HttpResponse<String> withCsr = node.post("/v1/admin/devices", new JsonObject().put("csr", csr).encode(), node.adminToken());
    assertEquals(201, withCsr.statusCode(), withCsr.body());
    JsonObject made = new JsonObject(withCsr.body());
    Path issued = Files.createTempFile("provisioned", ".pem");
    Files.writeString(issued, made.getString("certificate"));
    assertTrue(TestCertificates.openssl("x509", "-in", issued.toString(), "-noout", "-subject").output().contains("CN = " + made.getString("id")));
    assertEquals(0, TlsClients.run(List.of("openssl", "verify", "-CAfile", node.dataDir().resolve("tls/device-ca.pem").toString(), issued.toString()))
        .exitCode());
    assertEquals(made.getString("fingerprint"), only(list(made.getString("id"), node.adminToken())).getString("fingerprint"));
    assertTrue(made.getString("secret") != null, "the device gets its secret as ever");

    Made selfSigned = openssl.selfSigned("/CN=factory 2");
    HttpResponse<String> withCertificate = node.post("/v1/admin/devices", new JsonObject().put("certificate", selfSigned.pem()).encode(), node.adminToken());
    assertEquals(201, withCertificate.statusCode(), withCertificate.body());
    assertEquals(sha256(selfSigned.der()), new JsonObject(withCertificate.body()).getString("fingerprint"));

    String id = "c0ffee00c0ffee00c0ffee01";
    HttpResponse<String> taken = node.post("/v1/admin/devices", new JsonObject().put("id", id).put("certificate", selfSigned.pem()).encode(),
        node.adminToken());
    assertError(taken, 409, "certificate_registered");
    assertError(node.get("/v1/devices/" + id, node.adminToken()), 404, "not_found");
    HttpResponse<String> badCsr = node.post("/v1/admin/devices", new JsonObject().put("csr", selfSigned.pem()).encode(), node.adminToken());
    assertError(badCsr, 400, "invalid_request");
    assertTrue(new JsonObject(badCsr.body()).getString("error_description").startsWith("csr holds a PEM CERTIFICATE"), badCsr.body());
  }

  @Test
  void productDeviceCasAreManagedByProductAdministratorsAndMustBeCas() throws Exception {
    Made ca = openssl.rootCa("/O=Maker/CN=Maker device CA", TestCertificates.NOW_START, TestCertificates.NOW_END);
    String cas = "/v1/products/" + product + "/device_cas";
    String body = new JsonObject().put("certificate", ca.pem()).encode();

    HttpResponse<String> added = node.post(cas, body, alice);
    assertEquals(201, added.statusCode(), added.body());
    JsonObject answer = new JsonObject(added.body());
    assertEquals(sha256(ca.der()), answer.getString("fingerprint"));
    assertEquals("CN=Maker device CA,O=Maker", answer.getString("subject"));
    assertEquals("2099-12-31T00:00:00.000Z", answer.getString("not_after"));
    assertEquals(200, node.post("/v1/products/fleet/device_cas", body, alice).statusCode(), "by slug too; adding it again changes nothing");
    assertEquals(1, new JsonObject(node.get(cas, alice).body()).getJsonArray("device_cas").size());

    assertBadCa(cas, openssl.notCa("/CN=Just a device").pem(), "CN=Just a device is not a CA certificate");
    assertBadCa(cas, openssl.rootCa("/CN=Old CA", "20190101000000Z", "20200101000000Z").pem(), "the CA CN=Old CA expired on 2020-01-01T00:00:00Z");
    assertBadCa(cas, "not pem", "certificate is not PEM");

    assertError(node.post(cas, body, dave), 403, "forbidden");
    assertError(node.get(cas, vera), 403, "forbidden");
    assertError(node.get(cas, bob), 404, "not_found");
    assertEquals(200, node.get(cas, admin).statusCode(), "a node administrator is every product's administrator");

    assertError(node.send("DELETE", cas + "/" + sha256(openssl.selfSigned("/CN=y").der()), null, alice), 404, "not_found");
    assertError(node.send("DELETE", cas + "/xyz", null, alice), 400, "invalid_request");
    assertError(node.send("DELETE", cas + "/" + answer.getString("fingerprint"), null, dave), 403, "forbidden");
    assertEquals(200, node.send("DELETE", cas + "/" + answer.getString("fingerprint"), null, alice).statusCode());
    assertEquals(0, new JsonObject(node.get(cas, alice).body()).getJsonArray("device_cas").size());
  }

  private static void assertBadCa(String cas, String pem, String description) throws Exception {
    HttpResponse<String> refused = node.post(cas, new JsonObject().put("certificate", pem).encode(), alice);
    assertError(refused, 400, "invalid_request");
    assertTrue(new JsonObject(refused.body()).getString("error_description").startsWith(description), refused.body());
  }

  private static void assertBadRequest(String device, JsonObject body, String description) throws Exception {
    HttpResponse<String> refused = node.post(certificates(device), body.encode(), alice);
    assertError(refused, 400, "invalid_request");
    assertTrue(new JsonObject(refused.body()).getString("error_description").startsWith(description),
        "expected '" + description + "...': " + refused.body());
  }

  private static void assertError(HttpResponse<String> response, int status, String error) {
    assertEquals(status, response.statusCode(), response.body());
    JsonObject body = new JsonObject(response.body());
    assertFalse(body.getBoolean("ok", true), response.body());
    assertEquals(error, body.getString("error"), response.body());
  }

  private static String certificates(String device) {
    return "/v1/devices/" + device + "/certificates";
  }

  private static JsonArray list(String device, String token) throws Exception {
    HttpResponse<String> listed = node.get(certificates(device), token);
    assertEquals(200, listed.statusCode(), listed.body());
    return new JsonObject(listed.body()).getJsonArray("certificates");
  }

  private static JsonObject only(JsonArray certificates) {
    assertEquals(1, certificates.size(), certificates.encode());
    return certificates.getJsonObject(0);
  }

  private static String claimedBy(String token) throws Exception {
    String id = node.provisionDevice().id();
    node.claim(id, token);
    return id;
  }

  private static void member(String username, String role) throws Exception {
    node.execute("INSERT INTO product_members (product_id, user_id, role) SELECT " + product + ", id, '" + role + "' FROM users WHERE username = '"
        + username + "'");
  }

  private static String sha256(byte[] der) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(der));
  }

  private static String colons(String fingerprint) {
    return HexFormat.ofDelimiter(":").withUpperCase().formatHex(HexFormat.of().parseHex(fingerprint));
  }

  /** The CSR with one letter of its subject changed: still DER, no longer what its key signed. */
  private static String tampered(String pem) {
    String body = pem.replace("-----BEGIN CERTIFICATE REQUEST-----", "").replace("-----END CERTIFICATE REQUEST-----", "").replaceAll("\\s", "");
    byte[] der = Base64.getDecoder().decode(body);
    int at = new String(der, java.nio.charset.StandardCharsets.ISO_8859_1).indexOf("device");
    der[at] = 'D';
    return "-----BEGIN CERTIFICATE REQUEST-----\n" + Base64.getMimeEncoder().encodeToString(der) + "\n-----END CERTIFICATE REQUEST-----\n";
  }
}
