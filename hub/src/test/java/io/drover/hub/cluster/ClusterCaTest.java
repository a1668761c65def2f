package io.drover.hub.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A node checks its own files before it joins, so a wrong one fails at its start, not in the other nodes' logs. */
class ClusterCaTest {

  @Test
  void aNodeCertificateOfItsOwnCaPasses(@TempDir Path dir) throws Exception {
    ClusterCa ca = ClusterCa.create("test CA");
    ca.writeTo(dir);
    ClusterCa.NodeFiles a = ca.issue("a", Duration.ofDays(1), dir);

    assertEquals("CN=a,O=Drover", ClusterCa.checkNodeFiles(new ClusterSettings.Tls(a.certificate(), a.key(), dir.resolve("ca.crt")))
        .getSubjectX500Principal().getName());
  }

  @Test
  void aNodeCertificateOfAnotherCaRefusesToStartAndSaysWhy(@TempDir Path dir) throws Exception {
    ClusterCa ours = ClusterCa.create("ours");
    ours.writeTo(dir.resolve("ours"));
    ClusterCa.NodeFiles stray = ClusterCa.create("theirs").issue("a", Duration.ofDays(1), dir.resolve("theirs"));

    IllegalStateException refused = assertThrows(IllegalStateException.class, () -> ClusterCa.checkNodeFiles(
        new ClusterSettings.Tls(stray.certificate(), stray.key(), dir.resolve("ours").resolve("ca.crt"))));
    assertTrue(refused.getMessage().contains("is not signed by the cluster CA"), refused.getMessage());
  }

  @Test
  void aFileThatIsNoCertificateIsNamed(@TempDir Path dir) throws Exception {
    ClusterCa ca = ClusterCa.create("test CA");
    ca.writeTo(dir);
    ClusterCa.NodeFiles a = ca.issue("a", Duration.ofDays(1), dir);

    // the key where the certificate belongs: an easy slip when copying files
    IllegalStateException refused = assertThrows(IllegalStateException.class,
        () -> ClusterCa.checkNodeFiles(new ClusterSettings.Tls(a.key(), a.certificate(), dir.resolve("ca.crt"))));
    assertTrue(refused.getMessage().startsWith("cluster.tls-cert-file " + a.key() + " is not a PEM certificate"), refused.getMessage());
    assertTrue(Files.exists(a.key()));
  }
}
