package io.drover.hub.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.gateway.ServerTls;
import io.drover.hub.support.TlsClients;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The node's own certificate, checked by OpenSSL as the clients will check it. */
class NodeCertificateTest {

  @TempDir
  Path dataDir;

  @Test
  void firstStartMakesACaAndAServerCertificateThatOpensslVerifiesForTheNodesNames() throws Exception {
    ServerTls tls = NodeCertificate.loadAtStart(new TlsSettings(null, null, List.of("drover.example.com", "0.0.0.0", "10.1.2.3")), dataDir);

    Path dir = dataDir.resolve("tls");
    TlsClients.Result verify = TlsClients.run(List.of("openssl", "verify", "-CAfile", dir.resolve("ca.pem").toString(),
        "-purpose", "sslserver", dir.resolve("server.pem").toString()));
    assertEquals(0, verify.exitCode(), verify.output());
    assertTrue(verify.output().contains(": OK"), verify.output());
    for (String host : List.of("localhost", "127.0.0.1", "drover.example.com", "10.1.2.3")) {
      TlsClients.Result named = TlsClients.run(List.of("openssl", "verify", "-CAfile", dir.resolve("ca.pem").toString(),
          HostNames.isIpLiteral(host) ? "-verify_ip" : "-verify_hostname", host, dir.resolve("server.pem").toString()));
      assertEquals(0, named.exitCode(), host + ": " + named.output());
    }
    TlsClients.Result other = TlsClients.run(List.of("openssl", "verify", "-CAfile", dir.resolve("ca.pem").toString(),
        "-verify_hostname", "elsewhere.example.com", dir.resolve("server.pem").toString()));
    assertTrue(other.exitCode() != 0, "a name it was not made for fails: " + other.output());

    TlsClients.Result ca = TlsClients.run(List.of("openssl", "x509", "-in", dir.resolve("ca.pem").toString(), "-noout", "-text"));
    assertTrue(ca.output().contains("CA:TRUE, pathlen:0"), ca.output());
    assertTrue(ca.output().contains("Certificate Sign, CRL Sign"), ca.output());

    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("server-key.pem"))));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("ca-key.pem"))));
    assertEquals(Files.readString(dir.resolve("server.pem")), tls.certificateChain().toString());
    assertEquals(Files.readString(dir.resolve("server-key.pem")), tls.privateKey().toString());
  }

  @Test
  void laterStartsKeepTheCertificatesAndANewNameGetsANewServerCertificateFromTheSameCa() throws Exception {
    Path dir = dataDir.resolve("tls");
    NodeCertificate.loadAtStart(new TlsSettings(null, null, List.of()), dataDir);
    byte[] ca = Files.readAllBytes(dir.resolve("ca.pem"));
    byte[] server = Files.readAllBytes(dir.resolve("server.pem"));

    NodeCertificate.loadAtStart(new TlsSettings(null, null, List.of()), dataDir);
    assertArrayEquals(server, Files.readAllBytes(dir.resolve("server.pem")), "a second start serves the same certificate");

    NodeCertificate.loadAtStart(new TlsSettings(null, null, List.of("new.example.com")), dataDir);
    assertArrayEquals(ca, Files.readAllBytes(dir.resolve("ca.pem")), "clients keep trusting the same CA");
    assertFalse(java.util.Arrays.equals(server, Files.readAllBytes(dir.resolve("server.pem"))));
    TlsClients.Result named = TlsClients.run(List.of("openssl", "verify", "-CAfile", dir.resolve("ca.pem").toString(),
        "-verify_hostname", "new.example.com", dir.resolve("server.pem").toString()));
    assertEquals(0, named.exitCode(), named.output());
  }

  @Test
  void anOperatorsCertificateIsServedAsItIsAndAKeyOfAnotherCertificateIsRefused(@TempDir Path elsewhere) throws Exception {
    NodeCertificate.loadAtStart(new TlsSettings(null, null, List.of()), elsewhere);
    Path cert = elsewhere.resolve("tls/server.pem");
    Path key = elsewhere.resolve("tls/server-key.pem");

    ServerTls tls = NodeCertificate.loadAtStart(new TlsSettings(cert, key, List.of()), dataDir);
    assertEquals(Files.readString(cert), tls.certificateChain().toString());
    assertFalse(Files.exists(dataDir.resolve("tls")), "no certificate is made when the operator gives one");

    IllegalStateException wrongKey = assertThrows(IllegalStateException.class,
        () -> NodeCertificate.loadAtStart(new TlsSettings(cert, elsewhere.resolve("tls/ca-key.pem"), List.of()), dataDir));
    assertTrue(wrongKey.getMessage().contains("is not the key of the first certificate"), wrongKey.getMessage());

    IllegalStateException noCertificate = assertThrows(IllegalStateException.class,
        () -> NodeCertificate.loadAtStart(new TlsSettings(key, key, List.of()), dataDir));
    assertTrue(noCertificate.getMessage().contains("holds no PEM certificate"), noCertificate.getMessage());
  }
}
