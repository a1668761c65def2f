package io.drover.hub.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.coap.DtlsServerIdentity;
import io.drover.hub.devices.DtlsServerKey;
import io.drover.hub.devices.certificates.DeviceCas;
import io.drover.hub.support.TestCertificates;
import io.drover.hub.support.TlsClients;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The BouncyCastle certificate maker and the CSR reader, checked by OpenSSL as devices will check them. */
class CertificateAuthorityTest {

  @TempDir
  Path dir;

  @Test
  void aCaIsMadeOnceWithItsKeyReadableByTheOwnerOnlyAndLoadedAfterwards() throws Exception {
    Path cert = dir.resolve("device-ca.pem");
    Path key = dir.resolve("device-ca-key.pem");

    CertificateAuthority made = CertificateAuthority.loadOrCreate(cert, key, "Test device CA", Duration.ofDays(3650), 0);
    CertificateAuthority loaded = CertificateAuthority.loadOrCreate(cert, key, "another name", Duration.ofDays(1), 0);

    assertArrayEquals(made.certificate().getEncoded(), loaded.certificate().getEncoded(), "the second start loads the first CA");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
    TlsClients.Result text = TestCertificates.openssl("x509", "-in", cert.toString(), "-noout", "-text");
    assertTrue(text.output().contains("CA:TRUE, pathlen:0"), text.output());
    assertTrue(text.output().contains("Certificate Sign, CRL Sign"), text.output());
    assertTrue(text.output().contains("ASN1 OID: prime256v1"), text.output());
    assertTrue(made.certificate().getNotAfter().toInstant().isAfter(java.time.Instant.now().plus(Duration.ofDays(3640))), "ten years");
  }

  @Test
  void aCsrIsSignedForTheDeviceIdAndOpensslVerifiesItAsAClientCertificate() throws Exception {
    TestCertificates openssl = new TestCertificates(dir.resolve("openssl"));
    CertificateAuthority ca = CertificateAuthority.loadOrCreate(dir.resolve("ca.pem"), dir.resolve("ca-key.pem"), "Test device CA",
        Duration.ofDays(3650), 0);
    TestCertificates.Made csr = openssl.csr("/CN=whatever the device asked/O=Elsewhere");

    CertificateRequest request = CertificateRequest.parse(Files.readString(csr.certificate()), "csr");
    X509Certificate issued = ca.issueDevice(request.publicKey(), "0123456789abcdef01234567", Duration.ofDays(365));

    Path issuedFile = dir.resolve("issued.pem");
    Files.writeString(issuedFile, PemCertificates.encode(issued));
    TlsClients.Result verify = TlsClients.run(List.of("openssl", "verify", "-CAfile", dir.resolve("ca.pem").toString(), "-purpose", "sslclient",
        issuedFile.toString()));
    assertEquals(0, verify.exitCode(), verify.output());
    TlsClients.Result subject = TestCertificates.openssl("x509", "-in", issuedFile.toString(), "-noout", "-subject", "-ext", "basicConstraints");
    assertTrue(subject.output().contains("CN = 0123456789abcdef01234567"), "the CA names the device, not what the CSR asked: " + subject.output());
    assertTrue(subject.output().contains("CA:FALSE"), subject.output());
    TlsClients.Result keys = TestCertificates.openssl("x509", "-in", issuedFile.toString(), "-noout", "-pubkey");
    TlsClients.Result csrKey = TestCertificates.openssl("req", "-in", csr.certificate().toString(), "-noout", "-pubkey");
    assertEquals(csrKey.output(), keys.output(), "the certificate is for the CSR's key");
  }

  @Test
  void csrsThatAreNotPemNotCsrsOrNotSignedByTheirKeyAreRefusedSayingWhy() throws Exception {
    TestCertificates openssl = new TestCertificates(dir.resolve("openssl"));
    String csr = Files.readString(openssl.csr("/CN=device").certificate());
    String certificate = openssl.selfSigned("/CN=device").pem();

    assertRefused("csr is not PEM", () -> CertificateRequest.parse("MIIB...", "csr"));
    assertRefused("csr holds a PEM CERTIFICATE, not a CERTIFICATE REQUEST", () -> CertificateRequest.parse(certificate, "csr"));
    assertRefused("csr's signature does not verify", () -> CertificateRequest.parse(tampered(csr), "csr"));
    assertEquals("CN=device", CertificateRequest.parse(csr, "csr").subject().getName(), "the untouched CSR is fine");
  }

  @Test
  void theDtlsServerKeyGetsACertificateFromTheNodesTlsCaForItsHostNames() throws Exception {
    TlsSettings settings = new TlsSettings(null, null, List.of("drover.example.com"));
    NodeCertificate.loadAtStart(settings, dir);
    KeyPair dtlsKey = DtlsServerKey.loadAtStart(dir.resolve(DtlsServerKey.FILE_NAME));

    List<X509Certificate> chain = DtlsServerCertificate.issueAtStart(settings, dir, dtlsKey.getPublic(), () -> {
      throw new AssertionError("the device CA is not needed");
    });

    assertEquals(1, chain.size(), "the CA is the devices' trust anchor and is not sent");
    assertArrayEquals(dtlsKey.getPublic().getEncoded(), chain.get(0).getPublicKey().getEncoded(), "it certifies the DTLS server's own key");
    assertTrue(new DtlsServerIdentity(dtlsKey, chain).hasCertificate(), "the gateway's DTLS identity takes it as it is");
    Path server = dir.resolve("dtls-server.pem");
    Files.writeString(server, PemCertificates.encode(chain.get(0)));
    Path ca = dir.resolve("tls/ca.pem");
    for (String host : List.of("localhost", "drover.example.com")) {
      TlsClients.Result verify = TlsClients.run(List.of("openssl", "verify", "-CAfile", ca.toString(), "-purpose", "sslserver",
          "-verify_hostname", host, server.toString()));
      assertEquals(0, verify.exitCode(), host + ": " + verify.output());
    }
  }

  /**
   * With the operator's TLS certificate the node holds no TLS CA: the DTLS server's own key (which
   * raw-public-key devices pin) is certified by the node's device CA instead, for the node's names.
   */
  @Test
  void theDtlsServerKeyGetsACertificateFromTheDeviceCaWhenTheOperatorGaveTheNodeItsCertificate(@TempDir Path elsewhere) throws Exception {
    NodeCertificate.loadAtStart(new TlsSettings(null, null, List.of()), elsewhere);
    TlsSettings operator = new TlsSettings(elsewhere.resolve("tls/server.pem"), elsewhere.resolve("tls/server-key.pem"), List.of("drover.example.com"));
    KeyPair dtlsKey = DtlsServerKey.loadAtStart(dir.resolve(DtlsServerKey.FILE_NAME));

    List<X509Certificate> chain = DtlsServerCertificate.issueAtStart(operator, dir, dtlsKey.getPublic(),
        () -> DeviceCas.nodeCa(dir.resolve(NodeCertificate.DIRECTORY)));

    assertEquals(1, chain.size());
    assertArrayEquals(dtlsKey.getPublic().getEncoded(), chain.get(0).getPublicKey().getEncoded(), "the DTLS server's own key, still");
    Path server = dir.resolve("dtls-server.pem");
    Files.writeString(server, PemCertificates.encode(chain.get(0)));
    TlsClients.Result verify = TlsClients.run(List.of("openssl", "verify", "-CAfile", dir.resolve("tls/" + DeviceCas.CA_FILE).toString(),
        "-purpose", "sslserver", "-verify_hostname", "drover.example.com", server.toString()));
    assertEquals(0, verify.exitCode(), verify.output());
  }

  /** The CSR with one letter of its subject changed: still DER, no longer what its key signed. */
  private static String tampered(String pem) {
    String body = pem.replace("-----BEGIN CERTIFICATE REQUEST-----", "").replace("-----END CERTIFICATE REQUEST-----", "").replaceAll("\\s", "");
    byte[] der = Base64.getDecoder().decode(body);
    String asText = new String(der, java.nio.charset.StandardCharsets.ISO_8859_1);
    int at = asText.indexOf("device");
    der[at] = 'D';
    return "-----BEGIN CERTIFICATE REQUEST-----\n" + Base64.getMimeEncoder().encodeToString(der) + "\n-----END CERTIFICATE REQUEST-----\n";
  }

  private static void assertRefused(String start, org.junit.jupiter.api.function.Executable parse) {
    CertificateInputException refused = assertThrows(CertificateInputException.class, parse);
    assertTrue(refused.getMessage().startsWith(start), refused.getMessage());
  }
}
