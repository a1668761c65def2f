package io.drover.hub.devices.certificates;

import io.drover.hub.tls.PemCertificates;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** Device certificates and device CAs as the API shows them; times as the rest of the API writes them. */
final class CertificateJson {

  private static final DateTimeFormatter ISO = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'");

  private CertificateJson() {
  }

  /**
   * A row of {@code CertificateRepository.deviceCertificates}: fingerprint, certificate (null for a
   * fingerprint revoked without being registered), created_at, revoked_at.
   */
  static JsonObject deviceCertificate(Row row) {
    JsonObject json = new JsonObject().put("fingerprint", row.getString(0));
    X509Certificate certificate = null;
    if (row.getBuffer(1) != null) {
      try {
        certificate = PemCertificates.fromDer(row.getBuffer(1).getBytes());
      } catch (CertificateException e) {
        throw new IllegalStateException("a stored device certificate does not parse: " + row.getString(0), e);
      }
    }
    json.put("registered", certificate != null)
        .put("subject", certificate == null ? null : certificate.getSubjectX500Principal().getName())
        .put("issuer", certificate == null ? null : certificate.getIssuerX500Principal().getName())
        .put("not_before", certificate == null ? null : time(certificate.getNotBefore().toInstant()))
        .put("not_after", certificate == null ? null : time(certificate.getNotAfter().toInstant()))
        .put("revoked", row.getValue(3) != null)
        .put("revoked_at", time(row.getOffsetDateTime(3)))
        .put("created_at", time(row.getOffsetDateTime(2)));
    return json;
  }

  static JsonObject deviceCa(String fingerprint, String subject, OffsetDateTime notAfter, OffsetDateTime createdAt) {
    return new JsonObject().put("fingerprint", fingerprint).put("subject", subject).put("not_after", time(notAfter))
        .put("created_at", time(createdAt));
  }

  static String time(OffsetDateTime time) {
    return time == null ? null : ISO.format(time.withOffsetSameInstant(ZoneOffset.UTC));
  }

  static String time(Instant time) {
    return ISO.format(time.atOffset(ZoneOffset.UTC));
  }
}
