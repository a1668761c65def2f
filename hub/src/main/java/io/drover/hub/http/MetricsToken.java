package io.drover.hub.http;

import io.drover.hub.auth.Secrets;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The token Prometheus (or an operator) shows to read {@code /metrics} and the detail of
 * {@code /health}: the operator's file ({@code metrics.token-file}), or {@code DATA_DIR/metrics-token},
 * made on the node's first start (mode 0600), in the format Prometheus's {@code credentials_file} reads.
 */
public final class MetricsToken {

  public static final String FILE_NAME = "metrics-token";
  /** An operator's token shorter than this is refused at start: it would be guessed. */
  static final int MIN_LENGTH = 16;
  private static final Logger LOG = LoggerFactory.getLogger(MetricsToken.class);

  private final byte[] hash;

  private MetricsToken(String token) {
    this.hash = Secrets.sha256(token);
  }

  /**
   * Reads the token, first making it if the node owns the file and it does not exist. Blocks: the
   * launcher calls it once, before the HTTP server listens.
   *
   * @return null when {@code metrics.auth=none}: everyone may read
   */
  public static MetricsToken loadAtStart(MetricsSettings settings) {
    if (!settings.tokenRequired()) {
      LOG.warn("metrics.auth=none: /metrics and the detail of /health (node IDs, database errors) are served to anyone who reaches "
          + "the HTTP port");
      return null;
    }
    Path file = settings.tokenFile();
    try {
      if (!settings.givenByOperator() && !Files.exists(file)) {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, Secrets.randomHex(32) + "\n", StandardCharsets.US_ASCII, StandardOpenOption.TRUNCATE_EXISTING);
        LOG.warn("first start: /metrics and the detail of /health need the metrics token, written to {} (readable by this user only). "
            + "Give it to Prometheus as authorization.credentials_file (docs/operations.md, \"Health and metrics\")", file);
      }
      String token = Files.readString(file, StandardCharsets.UTF_8).trim();
      if (token.length() < MIN_LENGTH) {
        throw new IllegalStateException("the metrics token in " + file + " must be at least " + MIN_LENGTH + " characters long");
      }
      return new MetricsToken(token);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or make the metrics token " + file, e);
    }
  }

  /** Compares in constant time, whatever the length of what was shown. */
  public boolean matches(String shown) {
    return shown != null && MessageDigest.isEqual(hash, Secrets.sha256(shown));
  }
}
