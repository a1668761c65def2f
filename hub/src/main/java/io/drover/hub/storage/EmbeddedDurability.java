package io.drover.hub.storage;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a data directory that ran with fsync off safe to trust once fsync is on. With fsync off the
 * server's writes, its shutdown checkpoint included, can still sit in the kernel's page cache, and
 * turning fsync on does not flush them (PostgreSQL's documentation of {@code fsync}: after changing
 * it from off to on, all modified buffers in the kernel must be forced to durable storage). So the
 * first durable start of a directory that last ran relaxed, or that predates the option, syncs every
 * file in it before the server starts. A marker file remembers the durability of the last start.
 * Blocking: runs at start-up, before any event loop.
 */
final class EmbeddedDurability {

  static final String MARKER_FILE = "drover-durability";
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedDurability.class);

  private EmbeddedDurability() {
  }

  /** Called before the server starts. A new directory needs nothing: initdb syncs what it writes. */
  static void beforeStart(Path dataDir, Durability durability) throws IOException {
    Path marker = dataDir.resolve(MARKER_FILE);
    if (durability != Durability.DURABLE || !Files.exists(dataDir.resolve("PG_VERSION"))
        || (Files.exists(marker) && Files.readString(marker, StandardCharsets.US_ASCII).trim().equals(durability.key()))) {
      return;
    }
    long started = System.nanoTime();
    List<Path> paths;
    try (Stream<Path> walk = Files.walk(dataDir)) {
      paths = walk.toList();
    }
    for (Path path : paths) {
      if (Files.isRegularFile(path)) {
        force(path);
      }
    }
    // the directories last, so that the entries of files just synced are on disk too
    for (Path path : paths) {
      if (Files.isDirectory(path)) {
        force(path);
      }
    }
    LOG.info("embedded PostgreSQL's files synced to disk for its first durable start [files: {}, ms: {}]",
        paths.size(), (System.nanoTime() - started) / 1_000_000);
  }

  /** Called once the server runs, so that the next start knows what this one was. */
  static void afterStart(Path dataDir, Durability durability) throws IOException {
    Path marker = dataDir.resolve(MARKER_FILE);
    Files.writeString(marker, durability.key() + "\n", StandardCharsets.US_ASCII);
    force(marker);
  }

  private static void force(Path path) throws IOException {
    try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
      channel.force(true);
    }
  }
}
