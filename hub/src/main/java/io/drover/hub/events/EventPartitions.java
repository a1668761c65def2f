package io.drover.hub.events;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.TreeSet;

/**
 * The events table's partitions (V23): one per UTC day of {@code published_at}, named
 * {@code events_YYYYMMDD}, and {@value #DEFAULT}, which holds any row of a day that has no partition.
 * Making and dropping them is DDL, run by the node that leads the cluster's once-only work
 * ({@link EventRetention}), one day per transaction.
 *
 * <p>Locks: a new day is attached ({@code ATTACH PARTITION}), which takes only SHARE UPDATE EXCLUSIVE on
 * {@code events}, so the writer's INSERTs and the readers go on; {@code CREATE TABLE ... PARTITION OF}
 * would take ACCESS EXCLUSIVE. It does take ACCESS EXCLUSIVE on {@value #DEFAULT}, whose rows it checks,
 * and so does a DROP on {@code events} itself (PostgreSQL has no lighter way to drop a partition while a
 * DEFAULT partition exists: DETACH ... CONCURRENTLY refuses). Each statement therefore waits at most
 * {@value #LOCK_TIMEOUT} for its locks, behind a long history query say, and the day is tried again at
 * the next pass instead of making the writer queue behind the waiting DDL. Locks are taken parent first,
 * then {@value #DEFAULT}, the order an INSERT routed to DEFAULT takes them.
 *
 * <p>PostgreSQL refuses to attach a day whose rows sit in DEFAULT (a node's clock ahead, the hub down
 * past the days made ahead): the rows of the day are moved out of DEFAULT into the new table in the same
 * transaction, under the lock that keeps new ones from landing there meanwhile, so nothing is lost and
 * nothing blocks the day. Nothing here runs on a hot path; all of it is called on the events verticle's
 * event loop and returns at once.
 */
final class EventPartitions {

  /** Days made ahead of today, so the days to come never start in DEFAULT, even after days without a leader. */
  static final int DAYS_AHEAD = 3;
  static final String DEFAULT = "events_default";
  private static final String LOCK_TIMEOUT = "1s";
  private static final String PREFIX = "events_";
  private static final DateTimeFormatter DAY = DateTimeFormatter.BASIC_ISO_DATE;
  private static final String LIST = """
      SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = 'events'::regclass""";
  private static final String SET_LOCK_TIMEOUT = "SET LOCAL lock_timeout = '" + LOCK_TIMEOUT + "'; ";
  /** What ATTACH PARTITION takes, taken first so that no row can land in DEFAULT while the day's rows move out of it. */
  private static final String LOCK_FOR_ATTACH = SET_LOCK_TIMEOUT + "LOCK TABLE ONLY events IN SHARE UPDATE EXCLUSIVE MODE; LOCK TABLE "
      + DEFAULT + " IN ACCESS EXCLUSIVE MODE";
  /** All columns, whatever later migrations add: the new table is made LIKE events, in its column order. */
  private static final String MOVE_OUT_OF_DEFAULT = """
      WITH moved AS (DELETE FROM %s WHERE published_at >= $1 AND published_at < $2 RETURNING *)
      INSERT INTO %s SELECT * FROM moved""";

  private final Pool pool;

  EventPartitions(Pool pool) {
    this.pool = pool;
  }

  /** The days that have a partition. */
  Future<TreeSet<LocalDate>> days() {
    return pool.query(LIST).execute().map(rows -> {
      TreeSet<LocalDate> days = new TreeSet<>();
      for (Row row : rows) {
        LocalDate day = day(row.getString(0));
        if (day != null) {
          days.add(day);
        }
      }
      return days;
    });
  }

  /**
   * Makes the partition of {@code day}, with the day's rows that were in DEFAULT.
   *
   * @return how many rows were moved out of DEFAULT
   */
  Future<Long> make(LocalDate day) {
    String table = name(day);
    String bounds = "FOR VALUES FROM ('" + day + " 00:00:00+00') TO ('" + day.plusDays(1) + " 00:00:00+00')";
    return pool.withTransaction(connection -> run(connection, LOCK_FOR_ATTACH)
        .compose(locked -> run(connection, "CREATE TABLE " + table + " (LIKE events INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"))
        .compose(created -> connection.preparedQuery(MOVE_OUT_OF_DEFAULT.formatted(DEFAULT, table))
            .execute(Tuple.of(start(day), start(day.plusDays(1)))))
        .compose(moved -> run(connection, "ALTER TABLE events ATTACH PARTITION " + table + " " + bounds)
            .map(attached -> (long) moved.rowCount())));
  }

  /** Drops the partition of {@code day} and its rows. */
  Future<Void> drop(LocalDate day) {
    return pool.withTransaction(connection -> run(connection, SET_LOCK_TIMEOUT + "DROP TABLE " + name(day)));
  }

  /** Table names and bounds are made here from dates only, never from input: DDL takes no parameters. */
  private static Future<Void> run(SqlConnection connection, String statements) {
    return connection.query(statements).execute().mapEmpty();
  }

  static String name(LocalDate day) {
    return PREFIX + DAY.format(day);
  }

  /** The day of a partition named by {@link #name}; null for DEFAULT and for any table named otherwise. */
  static LocalDate day(String table) {
    if (table.length() != PREFIX.length() + 8 || !table.startsWith(PREFIX)) {
      return null;
    }
    for (int i = PREFIX.length(); i < table.length(); i++) {
      if (table.charAt(i) < '0' || table.charAt(i) > '9') {
        return null;
      }
    }
    return LocalDate.parse(table.substring(PREFIX.length()), DAY);
  }

  /** The first instant of a UTC day: the lower bound of its partition. */
  static OffsetDateTime start(LocalDate day) {
    return day.atStartOfDay().atOffset(ZoneOffset.UTC);
  }
}
