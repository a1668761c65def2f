package io.drover.hub.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.support.TestNode;
import io.drover.hub.support.TlsClients;
import java.util.function.ToIntFunction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Both TLS ports of a node (MQTT over TLS, HTTPS) hold to one policy, as {@code openssl s_client}
 * sees it: TLS 1.2 and 1.3 with a certificate that verifies against the node's CA; TLS 1.0 and 1.1,
 * NULL, anonymous and export cipher suites refused in the handshake.
 */
class TlsPortsPolicyTest {

  private static TestNode node;

  enum Port {
    MQTT(TestNode::mqttTlsPort), HTTPS(TestNode::httpsPort);

    final ToIntFunction<TestNode> of;

    Port(ToIntFunction<TestNode> of) {
      this.of = of;
    }
  }

  @BeforeAll
  static void startNode() throws Exception {
    node = TestNode.start();
  }

  @AfterAll
  static void stopNode() {
    node.close();
  }

  @ParameterizedTest
  @EnumSource(Port.class)
  void tls12AndTls13AreAcceptedWithACertificateThatVerifies(Port port) throws Exception {
    for (String version : new String[] {"-tls1_2", "-tls1_3"}) {
      TlsClients.Result handshake = TlsClients.sClient(port.of.applyAsInt(node), node.caFile(), version);

      assertEquals(0, handshake.exitCode(), handshake.output());
      assertTrue(handshake.output().contains("Protocol version: " + (version.equals("-tls1_2") ? "TLSv1.2" : "TLSv1.3")), handshake.output());
      assertTrue(handshake.output().contains("Verification: OK"), handshake.output());
    }
  }

  @ParameterizedTest
  @EnumSource(Port.class)
  void tls10AndTls11AreRefused(Port port) throws Exception {
    for (String version : new String[] {"-tls1", "-tls1_1"}) {
      // SECLEVEL=0: OpenSSL 3 would otherwise refuse to offer these versions itself, and the test would prove nothing
      TlsClients.Result handshake = TlsClients.sClient(port.of.applyAsInt(node), node.caFile(), version, "-cipher", "DEFAULT:@SECLEVEL=0");

      assertNotEquals(0, handshake.exitCode(), handshake.output());
      assertFalse(handshake.output().contains("no protocols available"), "the client offered " + version + ": " + handshake.output());
      assertFalse(handshake.output().contains("Protocol version:"), handshake.output());
    }
  }

  @ParameterizedTest
  @EnumSource(Port.class)
  void nullAndAnonymousCipherSuitesAreRefused(Port port) throws Exception {
    for (String suites : new String[] {"eNULL:@SECLEVEL=0", "aNULL:@SECLEVEL=0"}) {
      TlsClients.Result handshake = TlsClients.sClient(port.of.applyAsInt(node), node.caFile(), "-tls1_2", "-cipher", suites);

      assertNotEquals(0, handshake.exitCode(), handshake.output());
      assertFalse(handshake.output().contains("no cipher match"), "the client offered " + suites + ": " + handshake.output());
      assertTrue(handshake.output().contains("handshake failure") || handshake.output().contains("alert"), handshake.output());
    }
  }

  @ParameterizedTest
  @EnumSource(Port.class)
  void exportCipherSuitesAreRefusedWhereAStrongOneIsServed(Port port) throws Exception {
    int tlsPort = port.of.applyAsInt(node);
    // TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: the same hello with a suite of the policy gets a ServerHello
    assertEquals(22, TlsClients.answerToClientHello(tlsPort, 0xC02B));

    // TLS_RSA_EXPORT_WITH_RC4_40_MD5, TLS_RSA_EXPORT_WITH_DES40_CBC_SHA, TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA,
    // TLS_RSA_EXPORT1024_WITH_RC4_56_SHA
    int answer = TlsClients.answerToClientHello(tlsPort, 0x0003, 0x0008, 0x0014, 0x0064);
    assertTrue(answer == 21 || answer == -1, "an alert or a close, no ServerHello: " + answer);
  }
}
