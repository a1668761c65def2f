package io.drover.hub.events;

/**
 * The statements {@link EventWriter} commits events with, in one place so that the database-limit
 * benchmark ({@code load-tests}' {@code db-limit}) measures exactly these. Compile-time constants: a
 * class that uses them needs none of the hub at run time.
 */
public final class EventStatements {

  /**
   * Ids come with the events (EventIds), so a batch retried after a commit whose answer was lost
   * finds its rows there already and leaves them, rather than failing for ever on the primary key. The
   * key is (id, published_at), as a partitioned table's must hold its partition key: a retried row has
   * the same id and time, so it is found; ids are unique by construction (blocks of the sequence).
   */
  public static final String INSERT = """
      INSERT INTO events (id, device_id, name, data, published_at, ttl, public, owner_id, product_id) OVERRIDING SYSTEM VALUE
      SELECT * FROM unnest($8::bigint[], $1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::int[], $6::bool[], $7::bigint[],
                           $9::int[])
      ON CONFLICT (id, published_at) DO NOTHING""";
  /**
   * The same rows as {@link #INSERT}, without ON CONFLICT: for a batch none of whose events was in a
   * write before, so none of its rows can be there yet (ids are unique by construction). The arbiter's
   * check and the speculative insertion cost each row an index lookup and a WAL record of its own
   * (about a quarter of the statement's time for 1,000 rows, EXPLAIN ANALYZE on PostgreSQL 17): a
   * batch that failed in any way is written again with {@link #INSERT}.
   */
  public static final String INSERT_NEW = """
      INSERT INTO events (id, device_id, name, data, published_at, ttl, public, owner_id, product_id) OVERRIDING SYSTEM VALUE
      SELECT * FROM unnest($8::bigint[], $1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::int[], $6::bool[], $7::bigint[],
                           $9::int[])""";
  /**
   * The same INSERT with the batch's integration outbox rows in the same statement, so an
   * acknowledged event implies its rows: a data-modifying CTE runs whether or not it is referenced,
   * and both inserts commit or fail together. $10 to $12 are one entry per (event, integration) pair:
   * the event id, the integration id and the node that claims it at once (null: unclaimed, due now);
   * $13 the claim's lease in seconds. On a retried batch both find their rows there already.
   */
  public static final String INSERT_WITH_OUTBOX = "WITH written AS (" + INSERT + """
      )
      INSERT INTO integration_outbox (event_id, integration_id, claimed_by, lease_until)
      SELECT t.e, t.i, t.c, CASE WHEN t.c IS NULL THEN NULL ELSE now() + make_interval(secs => $13::int) END
      FROM unnest($10::bigint[], $11::text[], $12::text[]) AS t(e, i, c)
      ON CONFLICT (event_id, integration_id) DO NOTHING""";
  /**
   * The same rows as {@link #INSERT}, with {@code events.write-form=copy} ({@code EventCopier}): binary
   * COPY, without ON CONFLICT, so a batch is never written again with it.
   */
  public static final String COPY =
      "COPY events (id, device_id, name, data, published_at, ttl, public, owner_id, product_id) FROM STDIN (FORMAT binary)";
  /**
   * Events from a device are what the cloud last heard of it; the cloud's own are not. Rows are
   * updated in whatever order the plan visits them: whoever runs this holds {@code DeviceBatchLock}
   * ({@code DeviceBatchLock.LOCK} in the same transaction, before it), so no other statement that
   * updates many device rows runs meanwhile and none can deadlock with it. (It used to lock its rows
   * in id order first, a pass of its own over every row: about a quarter of its time for 1,000 devices.)
   */
  public static final String TOUCH_DEVICES = """
      WITH u AS (SELECT id, max(heard) AS heard FROM unnest($1::text[], $2::timestamptz[]) AS t(id, heard) GROUP BY id)
      UPDATE device_connectivity c SET last_heard = greatest(c.last_heard, u.heard)
      FROM u
      WHERE c.device_id = u.id""";

  private EventStatements() {
  }
}
