package io.drover.hub.storage;

import java.nio.file.Path;

/**
 * Where the hub keeps its data.
 *
 * @param url an external PostgreSQL ({@code postgresql://user:password@host:port/database}), or null
 *     for the embedded PostgreSQL that keeps its files under {@code embeddedDataDir}
 * @param embeddedPort the embedded server's port; 0 picks a free one
 * @param durability how the embedded server commits (fsync and {@code synchronous_commit}); an
 *     external server keeps its own settings, which are logged at start
 * @param cachePreparedStatements whether each pooled connection keeps its statements prepared on the
 *     server (parsed once; PostgreSQL may keep a generic plan after five runs) rather than parsing and
 *     planning every run; off for a transaction-mode pooler that does not carry prepared statements
 */
public record DatabaseSettings(String url, Path embeddedDataDir, int embeddedPort, int poolSize, Durability durability,
    boolean cachePreparedStatements) {

  public boolean embedded() {
    return url == null;
  }
}
