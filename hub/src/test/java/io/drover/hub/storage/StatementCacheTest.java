package io.drover.hub.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * database.cache-prepared-statements: with it a pooled connection prepares a statement once and keeps
 * it on the server; without it (a transaction-mode pooler) nothing stays prepared. A table changed
 * under a kept statement (a rolling upgrade's migration on another node) costs one failed run on each
 * connection that kept it, not every run after.
 */
class StatementCacheTest {

  private static final String COUNT = "SELECT count(*) FROM devices WHERE id = $1";

  @Test
  void aStatementRunTwiceIsPreparedOnceAndKeptOnItsConnection(@TempDir Path dir) throws Exception {
    try (Database database = Database.open(new DatabaseSettings(null, dir.resolve("postgres"), 0, 1, Durability.RELAXED, true))) {
      assertTrue(database.connectOptions().getCachePreparedStatements());
      Vertx vertx = Vertx.vertx();
      try {
        Pool pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(1)).connectingTo(database.connectOptions()).using(vertx).build();
        run(pool.preparedQuery(COUNT).execute(Tuple.of("a")));
        run(pool.preparedQuery(COUNT).execute(Tuple.of("b")));
        assertEquals(1L, kept(pool), "prepared once, kept for the second run");
      } finally {
        vertx.close().await(10, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void withoutTheCacheNothingStaysPrepared(@TempDir Path dir) throws Exception {
    try (Database database = Database.open(new DatabaseSettings(null, dir.resolve("postgres"), 0, 1, Durability.RELAXED, false))) {
      assertFalse(database.connectOptions().getCachePreparedStatements());
      Vertx vertx = Vertx.vertx();
      try {
        Pool pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(1)).connectingTo(database.connectOptions()).using(vertx).build();
        run(pool.preparedQuery(COUNT).execute(Tuple.of("a")));
        run(pool.preparedQuery(COUNT).execute(Tuple.of("b")));
        assertEquals(0L, kept(pool));
      } finally {
        vertx.close().await(10, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void aKeptStatementWhoseTableChangedFailsOnceThenIsPreparedAgain(@TempDir Path dir) throws Exception {
    try (Database database = Database.open(new DatabaseSettings(null, dir.resolve("postgres"), 0, 1, Durability.RELAXED, true));
         Connection jdbc = database.jdbcConnection()) {
      jdbc.createStatement().execute("CREATE TABLE changing (id int)");
      jdbc.createStatement().execute("INSERT INTO changing VALUES (1)");
      Vertx vertx = Vertx.vertx();
      try {
        Pool pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(1)).connectingTo(database.connectOptions()).using(vertx).build();
        String select = "SELECT * FROM changing WHERE id = $1";
        assertEquals(1, run(pool.preparedQuery(select).execute(Tuple.of(1))).columnsNames().size());

        // when another node's migration adds a column
        jdbc.createStatement().execute("ALTER TABLE changing ADD COLUMN name text");

        // then the kept statement fails at most once (0A000 "cached plan must not change result type"), and is prepared again
        int failures = 0;
        RowSet<Row> rows = null;
        for (int attempt = 0; attempt < 3 && rows == null; attempt++) {
          try {
            rows = run(pool.preparedQuery(select).execute(Tuple.of(1)));
          } catch (Exception e) {
            failures++;
            assertTrue(String.valueOf(e.getMessage()).contains("cached plan must not change result type"), e.getMessage());
          }
        }
        assertTrue(failures <= 1, "failed " + failures + " times");
        assertEquals(2, rows.columnsNames().size());
      } finally {
        vertx.close().await(10, TimeUnit.SECONDS);
      }
    }
  }

  /** The statements prepared on the pool's one connection, as the server lists them. */
  private static long kept(Pool pool) throws Exception {
    RowSet<Row> rows = run(pool.query("SELECT count(*) FROM pg_prepared_statements WHERE statement = '" + COUNT.replace("'", "''") + "'").execute());
    return rows.iterator().next().getLong(0);
  }

  private static <T> T run(Future<T> future) throws Exception {
    return future.await(10, TimeUnit.SECONDS);
  }
}
