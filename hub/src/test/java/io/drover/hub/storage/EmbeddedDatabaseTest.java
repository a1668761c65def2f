package io.drover.hub.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The default storage: a real PostgreSQL 17 in the node's data directory, migrated and closed to others. */
class EmbeddedDatabaseTest {

  @Test
  void embeddedDatabaseIsMigratedKeepsItsDataAndRefusesConnectionsWithoutItsPassword(@TempDir Path dir) throws Exception {
    DatabaseSettings settings = new DatabaseSettings(null, dir.resolve("postgres"), 0, 1, Durability.DURABLE, true);
    int port;
    try (Database database = Database.open(settings); Connection connection = database.jdbcConnection()) {
      port = database.connectOptions().getPort();
      connection.createStatement().execute(
          "INSERT INTO devices (id, secret_hash) VALUES ('0123456789abcdef01234567', '\\\\x00')");

      Properties noPassword = new Properties();
      noPassword.setProperty("user", "postgres");
      SQLException refused = assertThrows(SQLException.class,
          () -> DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", noPassword).close());
      assertTrue(refused.getMessage().contains("password"), refused.getMessage());
    }
    Path passwordFile = dir.resolve("postgres").resolve(EmbeddedCredentials.PASSWORD_FILE);
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(passwordFile)));

    try (Database reopened = Database.open(settings); Connection connection = reopened.jdbcConnection();
         ResultSet rows = connection.createStatement().executeQuery("SELECT count(*) FROM devices")) {
      rows.next();
      assertEquals(1, rows.getInt(1), "the data survives a restart, and the schema is not re-applied");
    }
  }

  @Test
  void durableRunsTheEmbeddedServerWithFsyncAndSynchronousCommitAndRelaxedWithout(@TempDir Path dir) throws Exception {
    Path dataDir = dir.resolve("postgres");
    try (Database relaxed = Database.open(new DatabaseSettings(null, dataDir, 0, 1, Durability.RELAXED, true))) {
      assertEquals("off off", settings(relaxed));
    }
    assertEquals("relaxed\n", Files.readString(dataDir.resolve(EmbeddedDurability.MARKER_FILE)));

    // the same data directory, now durable: synced once before the start, then recorded as durable
    try (Database durable = Database.open(new DatabaseSettings(null, dataDir, 0, 1, Durability.DURABLE, true))) {
      assertEquals("on on", settings(durable));
    }
    assertEquals("durable\n", Files.readString(dataDir.resolve(EmbeddedDurability.MARKER_FILE)));
  }

  /** The server's fsync and synchronous_commit, as it reports them. */
  private static String settings(Database database) throws SQLException {
    try (Connection connection = database.jdbcConnection();
         ResultSet row = connection.createStatement().executeQuery(
             "SELECT current_setting('fsync') || ' ' || current_setting('synchronous_commit')")) {
      row.next();
      return row.getString(1);
    }
  }
}
