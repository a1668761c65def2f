package io.drover.hub.auth;

import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bootstrap admin token: made on a node's first start, written once to {@code admin-token} in the
 * data directory (readable by the node's user only) and kept in the database only as a SHA-256.
 * There is no default password. Accounts and scoped OAuth tokens come with the API issue; this token
 * is what provisions devices and reads streams until then.
 */
public final class AdminTokens {

  public static final String FILE_NAME = "admin-token";
  private static final Logger LOG = LoggerFactory.getLogger(AdminTokens.class);

  private final Set<ByteBuffer> tokenHashes;

  private AdminTokens(Set<ByteBuffer> tokenHashes) {
    this.tokenHashes = tokenHashes;
  }

  /**
   * Loads the live token hashes, first making a token if there is none. Blocks the calling thread: the
   * launcher calls it once at start, before any traffic, and it writes a file.
   */
  public static AdminTokens loadAtStart(Pool pool, Path dataDir) {
    Set<ByteBuffer> hashes = new HashSet<>();
    for (Row row : pool.query("SELECT token_hash FROM admin_tokens WHERE revoked_at IS NULL").execute().await()) {
      hashes.add(ByteBuffer.wrap(row.getBuffer(0).getBytes()));
    }
    if (hashes.isEmpty()) {
      String token = Secrets.randomHex(32);
      byte[] hash = Secrets.sha256(token);
      pool.preparedQuery("INSERT INTO admin_tokens (token_hash) VALUES ($1)").execute(Tuple.of(Buffer.buffer(hash))).await();
      Path file = writeOnce(dataDir, token);
      LOG.warn("first start: a bootstrap admin token was written to {} (readable by this user only). "
          + "Use it as 'Authorization: Bearer <token>'; it is not shown anywhere else.", file);
      hashes.add(ByteBuffer.wrap(hash));
    }
    return new AdminTokens(hashes);
  }

  public boolean isValid(String token) {
    return token != null && !token.isEmpty() && tokenHashes.contains(ByteBuffer.wrap(Secrets.sha256(token)));
  }

  private static Path writeOnce(Path dataDir, String token) {
    Path file = dataDir.resolve(FILE_NAME);
    try {
      Files.createDirectories(dataDir);
      Files.deleteIfExists(file);
      Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(file, token + "\n", StandardCharsets.US_ASCII, StandardOpenOption.TRUNCATE_EXISTING);
      return file;
    } catch (IOException e) {
      throw new IllegalStateException("cannot write the admin token to " + file + ": " + e.getMessage(), e);
    }
  }

}
