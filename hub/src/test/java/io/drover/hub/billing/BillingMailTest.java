package io.drover.hub.billing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.support.FakeSmtpServer;
import io.drover.hub.support.MovableClock;
import io.drover.hub.support.TestNode;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** With a mail server configured, each failed charge is also mailed to the product's owner. */
class BillingMailTest {

  @Test
  void aFailedChargeMailsTheOwner(@TempDir Path dir) throws Exception {
    Path cert = dir.resolve("server.pem");
    Path key = dir.resolve("server.key");
    Process openssl = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", key.toString(), "-out", cert.toString(), "-days", "1", "-subj", "/CN=127.0.0.1").redirectErrorStream(true).start();
    assertEquals(0, openssl.waitFor(), new String(openssl.getInputStream().readAllBytes()));
    MovableClock clock = new MovableClock(Instant.now());
    try (FakeSmtpServer smtp = FakeSmtpServer.start(cert, key);
         TestNode node = TestNode.startWithClock(clock, "--billing.tick-seconds=86400", "--mail.smtp-host=127.0.0.1",
             "--mail.smtp-port=" + smtp.port(), "--mail.smtp-security=none", "--mail.from=billing@drover.example.com")) {
      smtp.offerStartTls(false);
      String owner = node.signUpAndLogIn("mailed@billing.example", "the mailed owner's password");
      int productId = new JsonObject(node.post("/v1/products", new JsonObject().put("product", new JsonObject().put("name", "Mailed Lamp")
          .put("platform_id", 12)).encode(), owner).body()).getJsonObject("product").getInteger("id");
      String token = BillingCycleTest.token(node, "4000000000000341", 12, 2099, owner);
      assertEquals(200, node.send("PUT", "/v1/card", new JsonObject().put("token", token).encode(), owner).statusCode());
      assertEquals(200, node.send("PUT", "/v1/products/" + productId + "/billing", new JsonObject().put("plan", "growth").encode(), owner).statusCode());
      Instant end = Instant.parse(new JsonObject(node.get("/v1/products/" + productId + "/billing", owner).body()).getString("period_end"));
      clock.set(end.plusSeconds(1));
      node.node().billing().tick().await(20, TimeUnit.SECONDS);
      assertEquals(0, smtp.received().size(), "no mail for an invoice not yet charged");
      clock.set(end.plus(Duration.ofDays(7)).plusSeconds(1));
      assertEquals(1, node.node().billing().tick().await(20, TimeUnit.SECONDS).failed);

      TestNode.eventually(Duration.ofSeconds(10), () -> smtp.received().size() == 1, "the failed payment's mail");
      FakeSmtpServer.Received mail = smtp.received().get(0);
      assertEquals("RCPT TO:<mailed@billing.example>", mail.to());
      assertTrue(mail.data().contains("Subject: Payment failed: update your card"), mail.data());
      assertTrue(mail.data().contains("attempt 1 of 3"), mail.data());
    }
  }
}
