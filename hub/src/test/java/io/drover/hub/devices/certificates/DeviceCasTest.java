package io.drover.hub.devices.certificates;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.support.TestCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The device CAs a node reads at start: its own, made once, and the operator's file, checked before any device relies on it. */
class DeviceCasTest {

  @TempDir
  Path dir;

  @Test
  void theNodesDeviceCaIsMadeOnTheFirstStartAndKept() throws Exception {
    DeviceCas first = DeviceCas.loadAtStart(dir.resolve("tls"), null);
    DeviceCas second = DeviceCas.loadAtStart(dir.resolve("tls"), null);

    assertArrayEquals(first.node().certificate().getEncoded(), second.node().certificate().getEncoded());
    assertTrue(Files.exists(dir.resolve("tls/device-ca.pem")) && Files.exists(dir.resolve("tls/device-ca-key.pem")));
    assertEquals(0, first.operator().size());
  }

  @Test
  void anOperatorFileOfCasIsTakenWhole() throws Exception {
    TestCertificates openssl = new TestCertificates(dir.resolve("openssl"));
    Path file = dir.resolve("cas.pem");
    Files.writeString(file, openssl.rootCa("/CN=One", TestCertificates.NOW_START, TestCertificates.NOW_END).pem()
        + openssl.rootCa("/CN=Two", TestCertificates.NOW_START, TestCertificates.NOW_END).pem());

    assertEquals(2, DeviceCas.loadAtStart(dir.resolve("tls"), file).operator().size());
  }

  @Test
  void anOperatorFileThatHoldsNoUsableCaStopsTheStartSayingWhy() throws Exception {
    TestCertificates openssl = new TestCertificates(dir.resolve("openssl"));
    Path notPem = Files.writeString(dir.resolve("not-pem.pem"), "hello");
    Path notCa = Files.writeString(dir.resolve("not-ca.pem"), openssl.notCa("/CN=A device").pem());
    Path expired = Files.writeString(dir.resolve("expired.pem"), openssl.rootCa("/CN=Old", "20190101000000Z", "20200101000000Z").pem());

    assertStartRefused(notPem, "devices.ca-file " + notPem + " is not PEM");
    assertStartRefused(notCa, "devices.ca-file " + notCa + ": CN=A device is not a CA certificate");
    assertStartRefused(expired, "devices.ca-file " + expired + ": the CA CN=Old expired on 2020-01-01T00:00:00Z");
  }

  private void assertStartRefused(Path file, String start) {
    IllegalStateException refused = assertThrows(IllegalStateException.class, () -> DeviceCas.loadAtStart(dir.resolve("tls"), file));
    assertTrue(refused.getMessage().startsWith(start), refused.getMessage());
  }
}
