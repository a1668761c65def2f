package io.drover.hub.integrations.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.integrations.TargetPolicy;
import io.vertx.core.Vertx;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The sender's target check at send time, against a real receiver: the name is resolved when the
 * request goes, judged by the same {@link TargetPolicy} the API applied when the integration was
 * saved, and the request goes to the address judged. DNS rebinding is played with a resolver of the
 * test's own (no name resolves to loopback offline but localhost): {@code rebind.example} resolves to
 * a public address when the integration is saved and to loopback when it is delivered.
 */
class WebhookSenderTest {

  /** A long timeout: the machine these tests share may be slow; no test here waits for it. */
  private static final DeliverySettings SETTINGS = new DeliverySettings(Duration.ofSeconds(10), List.of(Duration.ofSeconds(1)), Duration.ofSeconds(30),
      Duration.ofSeconds(1), 100, 10, 4, 100, Duration.ofDays(1));
  private static Vertx vertx;
  private static WebhookReceiver receiver;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    receiver = WebhookReceiver.start(vertx);
  }

  @AfterAll
  static void stop() throws Exception {
    receiver.close();
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private static Answer send(WebhookSender sender, String url) throws Exception {
    WebhookRequest request = new WebhookRequest("POST", url, List.of(Map.entry("User-Agent", Webhook.USER_AGENT)), null, List.of());
    return sender.send(request, URI.create(url), true).await(10, TimeUnit.SECONDS);
  }

  @Test
  void aNameThatResolvesToLoopbackWhenTheRequestGoesIsRefusedThen() throws Exception {
    AtomicReference<String> dns = new AtomicReference<>("203.0.113.9");
    WebhookSender.Resolver resolver = host -> {
      if (!host.equals("rebind.example")) {
        throw new UnknownHostException(host);
      }
      return InetAddress.getByName(dns.get());
    };
    TargetPolicy strict = new TargetPolicy(false, Set.of());
    assertNull(strict.refusal(resolver.resolve("rebind.example")), "when the integration is saved, the name is a public address");
    WebhookSender sender = new WebhookSender(vertx, SETTINGS, strict, resolver);

    dns.set("127.0.0.1");
    Answer answer = send(sender, "http://rebind.example:" + receiver.port() + "/ok/1?hook=rebind");

    assertEquals("target refused: rebind.example (127.0.0.1) is a loopback address; integrations.allow-private-targets is false", answer.error());
    assertEquals(false, answer.retryable(), "a refused target is not retried");
    Thread.sleep(200);
    assertTrue(receiver.matching(r -> r.uri().contains("hook=rebind")).isEmpty(), "nothing reached the loopback receiver");
    sender.close().await(5, TimeUnit.SECONDS);
  }

  @Test
  void theRequestGoesToTheAddressJudgedWithTheNameAsItsHost() throws Exception {
    WebhookSender sender = new WebhookSender(vertx, SETTINGS, new TargetPolicy(true, Set.of()), host -> InetAddress.getByName("127.0.0.1"));

    Answer answer = send(sender, "http://judged.example:" + receiver.port() + "/ok/3?hook=judged");

    assertEquals(200, answer.status(), answer.error());
    assertEquals("012", answer.kept());
    assertEquals("judged.example:" + receiver.port(), receiver.await(r -> r.uri().contains("hook=judged"), Duration.ofSeconds(5)).headers().get("Host"));
    sender.close().await(5, TimeUnit.SECONDS);
  }

  @Test
  void theMachinesOwnAddressesAreRefusedAsTheApiRefusesThem() throws Exception {
    InetAddress own = InetAddress.getByName("10.11.12.13");
    WebhookSender sender = new WebhookSender(vertx, SETTINGS, new TargetPolicy(false, Set.of(own)), host -> own);

    Answer answer = send(sender, "http://own.example:8080/x");

    assertEquals("target refused: own.example (10.11.12.13) is an address of this node's own machine; integrations.allow-private-targets is false",
        answer.error());
    sender.close().await(5, TimeUnit.SECONDS);
  }

  @Test
  void http2OverTlsToASelfSignedReceiverOnlyWhenCertificatesAreNotVerified() throws Exception {
    WebhookReceiver tls = WebhookReceiver.startTls(vertx);
    try {
      WebhookSender sender = new WebhookSender(vertx, SETTINGS, new TargetPolicy(true, Set.of()));
      String url = tls.url("/ok/2?hook=sender-h2");
      WebhookRequest request = new WebhookRequest("POST", url, List.of(Map.entry("User-Agent", Webhook.USER_AGENT)), null, List.of());

      Answer trusting = sender.send(request, URI.create(url), false).await(10, TimeUnit.SECONDS);
      Answer verifying = sender.send(request, URI.create(url), true).await(10, TimeUnit.SECONDS);

      assertEquals(200, trusting.status(), trusting.error());
      assertEquals(io.vertx.core.http.HttpVersion.HTTP_2, tls.await(r -> r.uri().contains("hook=sender-h2"), Duration.ofSeconds(5)).version());
      assertEquals(0, verifying.status());
      assertTrue(verifying.error().startsWith("the receiver's certificate is not accepted (rejectUnauthorized is true): "), verifying.error());
      assertTrue(verifying.error().contains("unable to find valid certification path"), verifying.error());
      assertEquals(1, tls.matching(r -> r.uri().contains("hook=sender-h2")).size(), "the verifying client sent nothing");
      sender.close().await(5, TimeUnit.SECONDS);
    } finally {
      tls.close();
    }
  }
}
