package io.drover.hub.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.support.TestNode;
import io.drover.hub.support.TlsClients;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The API over HTTPS with {@code curl --cacert}, trusting the CA the node made for itself. */
class HttpsTest {

  private static TestNode node;

  @BeforeAll
  static void startNode() throws Exception {
    node = TestNode.start();
  }

  @AfterAll
  static void stopNode() {
    node.close();
  }

  @Test
  void healthOverHttp2WithTheNodesCaCarriesStrictTransportSecurity() throws Exception {
    TlsClients.Result health = curl("--http2", "https://127.0.0.1:" + node.httpsPort() + "/health");

    assertEquals(0, health.exitCode(), health.output());
    assertTrue(health.output().startsWith("HTTP/2 200"), "ALPN chose h2: " + health.output());
    assertTrue(health.output().toLowerCase(Locale.ROOT).contains("strict-transport-security: max-age=31536000"), health.output());
  }

  @Test
  void http11OverTlsAndErrorsCarryItToo() throws Exception {
    TlsClients.Result missing = curl("--http1.1", "https://127.0.0.1:" + node.httpsPort() + "/v1/no-such-route");

    assertTrue(missing.output().startsWith("HTTP/1.1 404"), missing.output());
    assertTrue(missing.output().toLowerCase(Locale.ROOT).contains("strict-transport-security: max-age=31536000"), missing.output());
    assertTrue(missing.output().contains("\"error\":\"not_found\""), missing.output());
  }

  @Test
  void plainHttpStaysAndSendsNoStrictTransportSecurity() throws Exception {
    TlsClients.Result health = curl("http://127.0.0.1:" + node.httpPort() + "/health");

    assertTrue(health.output().startsWith("HTTP/1.1 200"), health.output());
    assertFalse(health.output().toLowerCase(Locale.ROOT).contains("strict-transport-security"), health.output());
  }

  @Test
  void curlWithoutTheNodesCaRefusesTheCertificate() throws Exception {
    TlsClients.Result health = TlsClients.run(List.of("curl", "-sS", "--noproxy", "*", "https://127.0.0.1:" + node.httpsPort() + "/health"));

    assertEquals(60, health.exitCode(), "curl's 'peer certificate cannot be authenticated': " + health.output());
  }

  private static TlsClients.Result curl(String... args) throws Exception {
    List<String> command = new java.util.ArrayList<>(List.of("curl", "-sS", "-i", "--noproxy", "*", "--cacert", node.caFile().toString()));
    command.addAll(List.of(args));
    return TlsClients.run(command);
  }
}
