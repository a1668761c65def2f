package io.drover.hub.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterCaCommandTest {

  @Test
  void makesACaAndANodeCertificateItSignedWithKeysOnlyTheOwnerReads(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("ca");
    String printed = run("--out", out.toString(), "--nodes", "a, b");

    for (String file : List.of("ca.crt", "ca.key", "a.crt", "a.key", "b.crt", "b.key")) {
      assertTrue(printed.contains(out.resolve(file).toString()), "says it wrote " + file + ": " + printed);
    }
    for (String key : List.of("ca.key", "a.key", "b.key")) {
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(out.resolve(key))));
    }
    X509Certificate ca = certificate(out.resolve("ca.crt"));
    X509Certificate a = certificate(out.resolve("a.crt"));
    a.verify(ca.getPublicKey());
    assertTrue(a.getSubjectX500Principal().getName().contains("CN=a"));
    assertTrue(a.getExtendedKeyUsage().containsAll(List.of("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2")), "server and client");
    assertEquals(-1, a.getBasicConstraints(), "not a CA");
    assertTrue(ca.getBasicConstraints() >= 0, "a CA");
  }

  @Test
  void aSecondRunSignsNewNodesWithTheSameCaAndOverwritesNothing(@TempDir Path dir) throws Exception {
    run("--out", dir.toString(), "--nodes", "a");
    String caBefore = Files.readString(dir.resolve("ca.crt"));
    String aBefore = Files.readString(dir.resolve("a.crt"));

    run("--out", dir.toString(), "--nodes", "c");
    certificate(dir.resolve("c.crt")).verify(certificate(dir.resolve("ca.crt")).getPublicKey());
    assertEquals(caBefore, Files.readString(dir.resolve("ca.crt")));

    ConfigException clash = assertThrows(ConfigException.class, () -> run("--out", dir.toString(), "--nodes", "d,a"));
    assertTrue(clash.getMessage().contains("a.crt exists already"), clash.getMessage());
    assertEquals(aBefore, Files.readString(dir.resolve("a.crt")));
    assertFalse(Files.exists(dir.resolve("d.crt")), "all or nothing");
  }

  @Test
  void missingOrBadArgumentsAreNamed(@TempDir Path dir) {
    assertTrue(assertThrows(ConfigException.class, () -> run("--nodes", "a")).getMessage().contains("needs --out and --nodes"));
    assertTrue(assertThrows(ConfigException.class, () -> run("--out", dir.toString(), "--nodes", "../x"))
        .getMessage().contains("letters, digits, dots and dashes"));
    assertTrue(assertThrows(ConfigException.class, () -> run("--out", dir.toString(), "--nodes", "a", "--days", "0"))
        .getMessage().contains("--days"));
  }

  private static String run(String... args) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ClusterCaCommand.run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8));
    return out.toString(StandardCharsets.UTF_8);
  }

  private static X509Certificate certificate(Path file) throws Exception {
    try (InputStream in = Files.newInputStream(file)) {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
  }
}
