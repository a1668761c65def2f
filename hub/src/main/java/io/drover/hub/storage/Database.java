package io.drover.hub.storage;

import io.vertx.pgclient.PgConnectOptions;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PostgreSQL the hub talks to: an embedded server in the data directory (the default, so that
 * a node needs nothing installed) or an external one. Opening it also applies the schema
 * migrations. Both steps block, so the launcher runs them before any event loop exists.
 */
public final class Database implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(Database.class);
  /** Statements kept prepared per connection, with {@code database.cache-prepared-statements}. */
  static final int STATEMENT_CACHE_SIZE = 256;

  private final EmbeddedPostgres embedded;
  private final PgConnectOptions connectOptions;

  private Database(EmbeddedPostgres embedded, PgConnectOptions connectOptions) {
    this.embedded = embedded;
    this.connectOptions = connectOptions;
  }

  public static Database open(DatabaseSettings settings) {
    EmbeddedPostgres embedded = null;
    PgConnectOptions options;
    if (settings.embedded()) {
      embedded = startEmbedded(settings);
      options = new PgConnectOptions()
          .setHost("localhost")
          .setPort(embedded.getPort())
          .setDatabase("postgres")
          .setUser("postgres");
      try {
        options.setPassword(EmbeddedCredentials.secure(settings.embeddedDataDir(), options));
      } catch (RuntimeException e) {
        close(embedded);
        throw e;
      }
    } else {
      options = PgConnectOptions.fromUri(settings.url());
    }
    cacheStatements(options, settings.cachePreparedStatements());
    Database database = new Database(embedded, options);
    try {
      database.migrate();
      database.reportDurability(settings);
    } catch (RuntimeException e) {
      database.close();
      throw e;
    }
    return database;
  }

  /**
   * With the cache, each pooled connection prepares a statement once (a named statement on the server)
   * and then only binds and executes it: the event writer's INSERT and last_heard UPDATE are no longer
   * parsed and planned for every batch. The cache is per connection and least recently used first out,
   * so the few statements run all the time stay; the API's statements that are built per request
   * (a fleet list's filters and sort, say) only have placeholders for values, so their shapes are
   * bounded and an evicted one is just prepared again. DDL at run time (the event partitions' upkeep)
   * needs nothing: PostgreSQL plans a prepared statement again once a table it reads changes, and
   * migrations run before the pool exists. Only a change of the columns a kept statement returns
   * (another node's migration in a rolling upgrade) fails it, once per connection: the client then
   * drops it and prepares it again.
   */
  static void cacheStatements(PgConnectOptions options, boolean cache) {
    options.setCachePreparedStatements(cache).setPreparedStatementCacheMaxSize(STATEMENT_CACHE_SIZE);
  }

  private static EmbeddedPostgres startEmbedded(DatabaseSettings settings) {
    try {
      Files.createDirectories(settings.embeddedDataDir());
      EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
          .setDataDirectory(settings.embeddedDataDir())
          .setCleanDataDirectory(false)
          .setPort(settings.embeddedPort())
          // zonky's own hook would stop PostgreSQL while the node's hook still writes queued events;
          // the node's hook closes the database last instead
          .setRegisterShutdownHook(false);
      if (settings.durability() == Durability.DURABLE) {
        // zonky starts the server with -F (fsync off) and synchronous_commit off, for tests; the -c
        // options come after -F on the command line, and the last setting of a parameter wins
        builder.setServerConfig("fsync", "on").setServerConfig("synchronous_commit", "on");
      }
      // zonky checks readiness with a query of its own, which needs the password once one is set
      String password = EmbeddedCredentials.existingPassword(settings.embeddedDataDir());
      if (password != null) {
        builder.setConnectConfig("password", password);
      }
      EmbeddedDurability.beforeStart(settings.embeddedDataDir(), settings.durability());
      EmbeddedPostgres postgres = builder.start();
      try {
        EmbeddedDurability.afterStart(settings.embeddedDataDir(), settings.durability());
      } catch (IOException e) {
        close(postgres);
        throw e;
      }
      LOG.info("embedded PostgreSQL started [data-dir: {}, port: {}]", settings.embeddedDataDir(), postgres.getPort());
      return postgres;
    } catch (IOException e) {
      throw new IllegalStateException("cannot start the embedded PostgreSQL in " + settings.embeddedDataDir() + ": " + e.getMessage(), e);
    }
  }

  private void migrate() {
    String jdbcUrl = "jdbc:postgresql://" + connectOptions.getHost() + ":" + connectOptions.getPort() + "/" + connectOptions.getDatabase();
    Flyway flyway = Flyway.configure()
        .dataSource(jdbcUrl, connectOptions.getUser(), connectOptions.getPassword())
        .locations("classpath:db/migration")
        .load();
    int applied = flyway.migrate().migrationsExecuted;
    LOG.info("database schema current [migrations-applied: {}]", applied);
  }

  /**
   * Logs what an acknowledged event is worth, from the server's own settings: for an external server
   * they are its operator's, and a durable node on a server that does not flush its commits says so.
   */
  private void reportDurability(DatabaseSettings settings) {
    String fsync;
    String synchronousCommit;
    try (Connection connection = jdbcConnection(); Statement statement = connection.createStatement()) {
      fsync = show(statement, "fsync");
      synchronousCommit = show(statement, "synchronous_commit");
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read the database's durability settings: " + e.getMessage(), e);
    }
    String where = settings.embedded() ? "embedded" : "external";
    if (settings.durability() == Durability.RELAXED) {
      LOG.info("events durability relaxed: acknowledged events can be lost on a crash of PostgreSQL or the machine "
          + "[database: {}, fsync: {}, synchronous_commit: {}, event writer: synchronous_commit off]", where, fsync, synchronousCommit);
    } else if ("on".equals(fsync) && !"off".equals(synchronousCommit) && !"local".equals(synchronousCommit)) {
      LOG.info("events durability durable: an event is acknowledged once its commit is on disk "
          + "[database: {}, fsync: {}, synchronous_commit: {}]", where, fsync, synchronousCommit);
    } else {
      LOG.warn("events durability durable, but the database does not flush commits before answering: acknowledged events can be "
          + "lost on a crash of PostgreSQL or the machine [database: {}, fsync: {}, synchronous_commit: {}]", where, fsync, synchronousCommit);
    }
  }

  private static String show(Statement statement, String parameter) throws SQLException {
    try (ResultSet row = statement.executeQuery("SHOW " + parameter)) {
      row.next();
      return row.getString(1);
    }
  }

  /** A blocking JDBC connection: for start-up work, tests, and the event writer's COPY threads (never on an event loop). */
  public Connection jdbcConnection() throws SQLException {
    Properties properties = new Properties();
    properties.setProperty("user", connectOptions.getUser());
    if (connectOptions.getPassword() != null) {
      properties.setProperty("password", connectOptions.getPassword());
    }
    return DriverManager.getConnection(
        "jdbc:postgresql://" + connectOptions.getHost() + ":" + connectOptions.getPort() + "/" + connectOptions.getDatabase(), properties);
  }

  public PgConnectOptions connectOptions() {
    return new PgConnectOptions(connectOptions);
  }

  @Override
  public void close() {
    if (embedded != null) {
      close(embedded);
    }
  }

  private static void close(EmbeddedPostgres embedded) {
    try {
      embedded.close();
      LOG.info("embedded PostgreSQL stopped");
    } catch (IOException e) {
      LOG.warn("embedded PostgreSQL did not stop cleanly", e);
    }
  }
}
