package io.drover.hub.support;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One real PostgreSQL (the same embedded binaries a node runs) for the whole test JVM; every test
 * node gets a database of its own in it, so tests never see each other's rows.
 */
public final class TestPostgres {

  private static final AtomicInteger DATABASES = new AtomicInteger();
  private static EmbeddedPostgres server;

  private TestPostgres() {
  }

  /** @return the URL of a new, empty database, in the form the node's database.url takes */
  public static synchronized String newDatabase() {
    if (server == null) {
      try {
        server = EmbeddedPostgres.builder().start();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try {
          server.close();
        } catch (IOException ignored) {
          // the JVM is going away
        }
      }));
    }
    String name = "drover_test_" + DATABASES.incrementAndGet();
    try (Connection connection = server.getPostgresDatabase().getConnection(); Statement statement = connection.createStatement()) {
      statement.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    return "postgresql://postgres@localhost:" + server.getPort() + "/" + name;
  }

  /** A JDBC connection to a database {@link #newDatabase} made, for tests that check rows directly. */
  public static Connection connect(String databaseUrl) throws SQLException {
    java.net.URI uri = java.net.URI.create(databaseUrl);
    return java.sql.DriverManager.getConnection("jdbc:postgresql://" + uri.getHost() + ":" + uri.getPort() + uri.getPath(), "postgres", "");
  }
}
