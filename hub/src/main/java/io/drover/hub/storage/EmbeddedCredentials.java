package io.drover.hub.storage;

import io.vertx.pgclient.PgConnectOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes the embedded PostgreSQL to everyone but the node. initdb leaves it trusting every local
 * connection, so any user of the machine could read the fleet's data; on the first start this gives
 * the {@code postgres} role a random password, kept in the (0700) data directory, and makes every
 * connection prove it with SCRAM. Blocking: runs at start-up, before any event loop.
 */
final class EmbeddedCredentials {

  static final String PASSWORD_FILE = "drover-password";
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedCredentials.class);
  private static final List<String> HBA = List.of(
      "# Written by Drover: every connection authenticates with the password in " + PASSWORD_FILE + ".",
      "local   all          all                 scram-sha-256",
      "host    all          all   127.0.0.1/32  scram-sha-256",
      "host    all          all   ::1/128       scram-sha-256");

  private EmbeddedCredentials() {
  }

  /**
   * Idempotent, so that a start interrupted half-way is finished by the next: the password file is
   * written first, and the role and pg_hba.conf are set whenever pg_hba.conf is not yet Drover's.
   *
   * @return the password of the {@code postgres} role
   */
  static String secure(Path dataDir, PgConnectOptions options) {
    Path passwordFile = dataDir.resolve(PASSWORD_FILE);
    Path hbaFile = dataDir.resolve("pg_hba.conf");
    try {
      String password = Files.exists(passwordFile) ? existingPassword(dataDir) : newPasswordFile(passwordFile);
      if (Files.readAllLines(hbaFile, StandardCharsets.US_ASCII).equals(HBA)) {
        return password;
      }
      String url = "jdbc:postgresql://" + options.getHost() + ":" + options.getPort() + "/" + options.getDatabase();
      Properties credentials = new Properties();
      credentials.setProperty("user", options.getUser());
      credentials.setProperty("password", password);
      try (Connection connection = DriverManager.getConnection(url, credentials); Statement statement = connection.createStatement()) {
        statement.execute("SET password_encryption = 'scram-sha-256'");
        statement.execute("ALTER ROLE " + options.getUser() + " PASSWORD '" + password + "'");
        Files.write(hbaFile, HBA, StandardCharsets.US_ASCII);
        statement.execute("SELECT pg_reload_conf()");
      }
      LOG.info("embedded PostgreSQL now requires a password [file: {}]", passwordFile);
      return password;
    } catch (IOException | SQLException e) {
      throw new IllegalStateException("cannot secure the embedded PostgreSQL in " + dataDir + ": " + e.getMessage(), e);
    }
  }

  /** @return the password set on an earlier start, or null before the first */
  static String existingPassword(Path dataDir) {
    Path passwordFile = dataDir.resolve(PASSWORD_FILE);
    try {
      return Files.exists(passwordFile) ? Files.readString(passwordFile, StandardCharsets.US_ASCII).trim() : null;
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + passwordFile + ": " + e.getMessage(), e);
    }
  }

  private static String newPasswordFile(Path passwordFile) throws IOException {
    byte[] raw = new byte[24];
    new SecureRandom().nextBytes(raw);
    String password = HexFormat.of().formatHex(raw);
    Files.createFile(passwordFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(passwordFile, password + "\n", StandardCharsets.US_ASCII);
    return password;
  }
}
