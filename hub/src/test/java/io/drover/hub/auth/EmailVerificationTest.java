package io.drover.hub.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.launcher.ConfigException;
import io.drover.hub.launcher.NodeConfig;
import io.drover.hub.support.FakeSmtpServer;
import io.drover.hub.support.OutboxLog;
import io.drover.hub.support.TestNode;
import io.drover.hub.support.TlsClients;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Email verification: Login with Drover finds or makes a product's customer by the person's email address,
 * so it links only an address the person has shown to be theirs, by a link mailed to it: through an SMTP
 * server when one is configured, else through the operator's outbox, the node's log.
 */
class EmailVerificationTest {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final Pattern LINK = Pattern.compile("(https://drover\\.example\\.com/verify-email#token=([0-9a-f]{64}))");
  private static TestNode node;
  private static String owner;

  @TempDir
  static Path certificates;

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.start();
    owner = node.signUpAndLogIn("owner@verify.example", "owner's password");
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @Test
  void consentNeedsAVerifiedAddressBeforeItFindsOrMakesACustomer() throws Exception {
    JsonObject client = oauthClient("verified-lamp", "http://127.0.0.1:9/callback");
    // mallory signs up with an address that is not hers, to be known by it to the app
    String mallory = node.signUpAndLogIn("victim@verify.example", "mallory's password");
    String query = "response_type=code&client_id=" + client.getString("id") + "&state=s";
    JsonObject details = new JsonObject(node.get("/oauth/authorize/details?" + query, mallory).body());
    JsonObject decision = new JsonObject().put("decision", "allow").put("client_id", client.getString("id")).put("state", "s")
        .put("consent_token", details.getString("consent_token"));

    HttpResponse<String> refused = node.post("/oauth/authorize", decision.encode(), mallory);
    assertError(refused, 403, "email_unverified");
    assertNull(node.query("SELECT id FROM users WHERE kind = 'customer' AND username = 'victim@verify.example'"), "no customer made");
    assertEquals(false, details.getBoolean("email_verified"), "the consent page knows to ask for the proof first");
    assertEquals(200, node.post("/oauth/authorize", decision.copy().put("decision", "deny").encode(), mallory).statusCode(),
        "denying needs nothing");

    node.verifyEmail(mallory); // were the address hers, she could open the link: then it is
    JsonObject verified = new JsonObject(node.get("/oauth/authorize/details?" + query, mallory).body());
    assertEquals(true, verified.getBoolean("email_verified"));
    HttpResponse<String> allowed = node.post("/oauth/authorize", decision.put("consent_token", verified.getString("consent_token")).encode(),
        mallory);
    assertEquals(200, allowed.statusCode(), allowed.body());
    assertTrue(new JsonObject(allowed.body()).getString("redirect_to").contains("code="));
  }

  @Test
  void withoutSmtpTheLinkIsOneLineOfTheLogAndWorksOnce() throws Exception {
    String person = node.signUpAndLogIn("logged@verify.example", "a password");
    JsonObject before = new JsonObject(node.get("/v1/user/verify_email", person).body());
    assertEquals("logged@verify.example", before.getString("email"));
    assertEquals(false, before.getBoolean("verified"));
    String link;
    try (OutboxLog outbox = OutboxLog.open()) {
      HttpResponse<String> mailed = node.post("/v1/user/verify_email", "{}", person);
      assertEquals(200, mailed.statusCode(), mailed.body());
      assertEquals(true, new JsonObject(mailed.body()).getBoolean("sent"));
      link = outbox.awaitLink("logged@verify.example", WAIT);
    }
    assertTrue(link.matches("/verify-email#token=[0-9a-f]{64}"), "a path on the Console, the token in its fragment: " + link);
    String token = OutboxLog.token(link);

    HttpResponse<String> confirmed = node.post("/v1/user/verify_email/confirm", new JsonObject().put("token", token).encode(), null);
    assertEquals(200, confirmed.statusCode(), confirmed.body());
    assertEquals("logged@verify.example", new JsonObject(confirmed.body()).getString("email"));
    assertEquals(true, new JsonObject(node.get("/v1/user/verify_email", person).body()).getBoolean("verified"));
    assertError(node.post("/v1/user/verify_email/confirm", new JsonObject().put("token", token).encode(), null), 400, "invalid_token");
    assertError(node.post("/v1/user/verify_email/confirm", "{\"token\":\"not a token\"}", null), 400, "invalid_request");
    assertEquals(false, new JsonObject(node.post("/v1/user/verify_email", "{}", person).body()).getBoolean("sent"), "verified: no mail");
  }

  @Test
  void linksExpireAndMailsAreLimitedAndOnlyPeopleAsk() throws Exception {
    String person = node.signUpAndLogIn("limited@verify.example", "a password");
    String token;
    try (OutboxLog outbox = OutboxLog.open()) {
      assertEquals(200, node.post("/v1/user/verify_email", "{}", person).statusCode());
      token = OutboxLog.token(outbox.awaitLink("limited@verify.example", WAIT));
    }
    node.execute("UPDATE email_verifications SET expires_at = now() - interval '1 second' WHERE email = 'limited@verify.example'");
    assertError(node.post("/v1/user/verify_email/confirm", new JsonObject().put("token", token).encode(), null), 400, "invalid_token");
    assertEquals(false, new JsonObject(node.get("/v1/user/verify_email", person).body()).getBoolean("verified"));

    for (int i = 1; i < EmailVerificationApi.MAX_MAILS_PER_HOUR; i++) {
      assertEquals(200, node.post("/v1/user/verify_email", "{}", person).statusCode());
    }
    assertError(node.post("/v1/user/verify_email", "{}", person), 429, "too_many_requests");
    assertError(node.post("/v1/user/verify_email", "{}", null), 401, "invalid_request");
    assertError(node.post("/v1/user/verify_email", "{}", node.adminToken()), 403, "forbidden");
  }

  @Test
  void anSmtpServerGetsTheMailOverStartTlsWithItsCredentials() throws Exception {
    Path ca = certificates.resolve("ca.pem");
    Path cert = certificates.resolve("server.pem");
    Path key = certificates.resolve("server.key");
    makeCertificates(ca, cert, key);
    try (FakeSmtpServer smtp = FakeSmtpServer.start(cert, key);
         TestNode mailing = TestNode.start("--mail.smtp-host=127.0.0.1", "--mail.smtp-port=" + smtp.port(), "--mail.smtp-security=starttls",
             "--mail.smtp-ca-file=" + ca, "--mail.smtp-username=drover", "--mail.smtp-password=relay secret",
             "--mail.from=no-reply@drover.example.com", "--console.public-url=https://drover.example.com/")) {
      String person = mailing.signUpAndLogIn("smtp@verify.example", "a password");
      HttpResponse<String> mailed = mailing.post("/v1/user/verify_email", "{}", person);
      assertEquals(200, mailed.statusCode(), mailed.body());
      assertEquals(1, smtp.received().size(), "answered once the server took it");
      FakeSmtpServer.Received mail = smtp.received().get(0);
      assertTrue(mail.tls(), "the mail and the password crossed TLS only");
      assertEquals("\0drover\0relay secret", mail.credentials());
      assertEquals("MAIL FROM:<no-reply@drover.example.com>", mail.from());
      assertEquals("RCPT TO:<smtp@verify.example>", mail.to());
      assertTrue(mail.data().contains("Subject: Verify your email address for Drover\n"), mail.data());
      assertTrue(mail.data().contains("To: smtp@verify.example\n"), mail.data());
      Matcher link = LINK.matcher(mail.data());
      assertTrue(link.find(), "the link on the public URL: " + mail.data());
      List<String> seen = List.copyOf(smtp.commands());
      List<String> beforeTls = seen.subList(0, seen.indexOf("STARTTLS") + 1);
      assertFalse(beforeTls.stream().anyMatch(command -> command.startsWith("AUTH") || command.startsWith("MAIL")), beforeTls.toString());

      HttpResponse<String> confirmed = mailing.post("/v1/user/verify_email/confirm", new JsonObject().put("token", link.group(2)).encode(), null);
      assertEquals(200, confirmed.statusCode(), confirmed.body());

      // a server that does not offer STARTTLS gets nothing: not the mail, not the password
      String other = mailing.signUpAndLogIn("no-tls@verify.example", "a password");
      smtp.offerStartTls(false);
      int commands = smtp.commands().size();
      assertError(mailing.post("/v1/user/verify_email", "{}", other), 503, "mail_unavailable");
      assertEquals(1, smtp.received().size());
      List<String> after = List.copyOf(smtp.commands());
      assertFalse(after.subList(commands, after.size()).stream().anyMatch(c -> c.startsWith("AUTH") || c.startsWith("MAIL")), after.toString());
    }
  }

  @Test
  void aNodeRefusesToSendAnSmtpPasswordOverPlainTcp() {
    ConfigException refused = assertThrows(ConfigException.class, () -> NodeConfig.from(
        List.of("--mail.smtp-host=127.0.0.1", "--mail.smtp-security=none", "--mail.smtp-username=drover"), Map.of()));
    assertTrue(refused.getMessage().contains("clear text"), refused.getMessage());
  }

  private static void makeCertificates(Path ca, Path cert, Path key) throws Exception {
    Path caKey = ca.resolveSibling("ca.key");
    Path csr = cert.resolveSibling("server.csr");
    Path names = cert.resolveSibling("names.ext");
    Files.writeString(names, "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
    run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", caKey.toString(),
        "-out", ca.toString(), "-days", "1", "-subj", "/CN=mail test CA");
    run("openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key.toString(), "-out", csr.toString(),
        "-subj", "/CN=127.0.0.1");
    run("openssl", "x509", "-req", "-in", csr.toString(), "-CA", ca.toString(), "-CAkey", caKey.toString(), "-CAcreateserial", "-out",
        cert.toString(), "-days", "1", "-extfile", names.toString());
  }

  private static void run(String... command) throws Exception {
    TlsClients.Result result = TlsClients.run(List.of(command));
    assertEquals(0, result.exitCode(), result.output());
  }

  private static JsonObject oauthClient(String slug, String redirectUri) throws Exception {
    HttpResponse<String> created = node.post("/v1/products", new JsonObject().put("name", slug).put("slug", slug).put("platform_id", 12).encode(), owner);
    assertEquals(201, created.statusCode(), created.body());
    assertEquals(200, node.send("PUT", "/v1/products/" + slug + "/settings", "{\"authentication\":\"oauth\"}", owner).statusCode());
    HttpResponse<String> made = node.post("/v1/products/" + slug + "/clients",
        new JsonObject().put("name", "App").put("type", "web").put("redirect_uri", redirectUri).encode(), owner);
    assertEquals(201, made.statusCode(), made.body());
    return new JsonObject(made.body()).getJsonObject("client");
  }

  private static void assertError(HttpResponse<String> response, int status, String error) {
    assertEquals(status, response.statusCode(), response.body());
    assertEquals(error, new JsonObject(response.body()).getString("error"), response.body());
  }
}
