package io.drover.hub.integrations.delivery;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

/**
 * The outbox, the delivery log and the counts in PostgreSQL (V19). Claims and settlements are batched:
 * one statement per claim of up to a hundred rows, one per kind of settlement per flush, never a
 * statement per delivery.
 */
final class OutboxRepository {

  /**
   * Due rows nobody holds (never claimed, or their lease ran out), but for the integrations in {@code $4},
   * claimed for {@code $3} seconds;
   * SKIP LOCKED, so nodes claiming at once take different rows and never wait on each other. The
   * event's fields come from events (null when pruned since: the row is dropped).
   */
  private static final String CLAIM = """
      WITH due AS (
        SELECT event_id, integration_id FROM integration_outbox
        WHERE NOT dead AND due_at <= now() AND (lease_until IS NULL OR lease_until < now()) AND NOT (integration_id = ANY($4::text[]))
        ORDER BY due_at LIMIT $2 FOR UPDATE SKIP LOCKED)
      UPDATE integration_outbox o SET claimed_by = $1, lease_until = now() + make_interval(secs => $3::int)
      FROM due LEFT JOIN events e ON e.id = due.event_id
      WHERE o.event_id = due.event_id AND o.integration_id = due.integration_id
      RETURNING o.event_id, o.integration_id, o.attempts, e.device_id, e.name, e.data, e.published_at, e.owner_id, e.product_id""";
  /** Delivered, or dropped (its integration is gone): the rows go. Only while still this node's claim. */
  private static final String DELETE = """
      DELETE FROM integration_outbox o USING unnest($1::bigint[], $2::text[]) AS t(e, i)
      WHERE o.event_id = t.e AND o.integration_id = t.i AND o.claimed_by = $3""";
  /** Failed (due again after its back-off, or dead), or put back unsent: released for any node to claim when due. */
  private static final String RESCHEDULE = """
      UPDATE integration_outbox o SET attempts = t.a, due_at = now() + make_interval(secs => t.d), dead = t.dead, last_error = coalesce(t.err, o.last_error),
        claimed_by = NULL, lease_until = NULL
      FROM unnest($1::bigint[], $2::text[], $3::int[], $4::int[], $5::bool[], $6::text[]) AS t(e, i, a, d, dead, err)
      WHERE o.event_id = t.e AND o.integration_id = t.i AND o.claimed_by = $7""";
  private static final String LOG = """
      INSERT INTO integration_attempts (integration_id, event_id, attempt, at, outcome, request, status, latency_ms, response, error)
      SELECT * FROM unnest($1::text[], $2::bigint[], $3::int[], $4::timestamptz[], $5::text[], $6::text[], $7::int[], $8::int[], $9::text[],
                           $10::text[])""";
  private static final String ATTEMPTS = """
      SELECT event_id, attempt, at, outcome, request, status, latency_ms, response, error FROM integration_attempts
      WHERE integration_id = $1 AND ($2::timestamptz IS NULL OR at < $2) AND ($4::timestamptz IS NULL OR at >= $4)
        AND ($5::text IS NULL OR outcome = $5)
      ORDER BY at DESC, id DESC LIMIT $3""";
  private static final String COUNTS = """
      SELECT hour, success, error, skipped, throttled FROM integration_counts
      WHERE integration_id = $1 AND hour >= $2 ORDER BY hour""";
  private static final String DEAD_LETTERS = """
      SELECT o.event_id, o.attempts, o.last_error, o.created_at, e.name, e.device_id, e.published_at FROM integration_outbox o
      LEFT JOIN events e ON e.id = o.event_id
      WHERE o.integration_id = $1 AND o.dead ORDER BY o.created_at DESC LIMIT $2""";
  private static final String REPLAY = """
      UPDATE integration_outbox SET dead = false, attempts = 0, due_at = now(), claimed_by = NULL, lease_until = NULL
      WHERE integration_id = $1 AND dead AND ($2::bigint IS NULL OR event_id = $2)""";
  private static final String PRUNE_ATTEMPTS = "DELETE FROM integration_attempts WHERE at < now() - make_interval(secs => $1::int)";
  private static final String PRUNE_DEAD = "DELETE FROM integration_outbox WHERE dead AND created_at < now() - make_interval(secs => $1::int)";
  /** Counts stay 31 days: the Console's history shows 30. */
  private static final String PRUNE_COUNTS = "DELETE FROM integration_counts WHERE hour < now() - interval '31 days'";
  private static final String PRUNE_ORPHANS = """
      DELETE FROM integration_outbox o WHERE NOT EXISTS (SELECT 1 FROM integrations i WHERE i.id = o.integration_id)""";

  private final Pool pool;

  OutboxRepository(Pool pool) {
    this.pool = pool;
  }

  /** @param skipped integrations not to claim now (their host's lane is full on this node) */
  Future<List<Claimed>> claim(String nodeId, int limit, int leaseSeconds, String[] skipped) {
    return pool.preparedQuery(CLAIM).execute(Tuple.of(nodeId, limit, leaseSeconds).addArrayOfString(skipped)).map(rows -> {
      List<Claimed> claimed = new ArrayList<>(rows.size());
      for (Row row : rows) {
        OffsetDateTime published = row.getOffsetDateTime("published_at");
        OutboxEvent event = published == null ? null : new OutboxEvent(row.getLong("event_id"), row.getString("device_id"), row.getString("name"),
            row.getString("data"), published.toInstant().toEpochMilli(), row.getLong("owner_id"), row.getInteger("product_id"));
        claimed.add(new Claimed(row.getLong("event_id"), row.getString("integration_id"), row.getInteger("attempts"), event));
      }
      return claimed;
    });
  }

  /** A claimed row; {@code event} null when its event is no longer stored. */
  record Claimed(long eventId, String integrationId, int attempts, OutboxEvent event) {
  }

  Future<Void> delete(String nodeId, List<Settlement> done) {
    if (done.isEmpty()) {
      return Future.succeededFuture();
    }
    Long[] events = new Long[done.size()];
    String[] integrations = new String[done.size()];
    for (int i = 0; i < done.size(); i++) {
      events[i] = done.get(i).eventId;
      integrations[i] = done.get(i).integrationId;
    }
    return pool.preparedQuery(DELETE).execute(Tuple.tuple().addArrayOfLong(events).addArrayOfString(integrations).addString(nodeId)).mapEmpty();
  }

  Future<Void> reschedule(String nodeId, List<Settlement> rows) {
    if (rows.isEmpty()) {
      return Future.succeededFuture();
    }
    int n = rows.size();
    Long[] events = new Long[n];
    String[] integrations = new String[n];
    Integer[] attempts = new Integer[n];
    Integer[] delays = new Integer[n];
    Boolean[] dead = new Boolean[n];
    String[] errors = new String[n];
    for (int i = 0; i < n; i++) {
      Settlement row = rows.get(i);
      events[i] = row.eventId;
      integrations[i] = row.integrationId;
      attempts[i] = row.attempts;
      delays[i] = row.delaySeconds;
      dead[i] = row.dead;
      errors[i] = row.error;
    }
    return pool.preparedQuery(RESCHEDULE).execute(Tuple.tuple().addArrayOfLong(events).addArrayOfString(integrations).addArrayOfInteger(attempts)
        .addArrayOfInteger(delays).addArrayOfBoolean(dead).addArrayOfString(errors).addString(nodeId)).mapEmpty();
  }

  /**
   * @param delaySeconds until it is due again; {@code dead}: no more attempts; {@code error} the last
   *     failure, for the dead-letter list
   */
  record Settlement(long eventId, String integrationId, int attempts, int delaySeconds, boolean dead, String error) {
  }

  Future<Void> log(List<Attempt> attempts) {
    if (attempts.isEmpty()) {
      return Future.succeededFuture();
    }
    int n = attempts.size();
    String[] integrations = new String[n];
    Long[] events = new Long[n];
    Integer[] numbers = new Integer[n];
    OffsetDateTime[] at = new OffsetDateTime[n];
    String[] outcomes = new String[n];
    String[] requests = new String[n];
    Integer[] statuses = new Integer[n];
    Integer[] latencies = new Integer[n];
    String[] responses = new String[n];
    String[] errors = new String[n];
    for (int i = 0; i < n; i++) {
      Attempt attempt = attempts.get(i);
      integrations[i] = attempt.integrationId;
      events[i] = attempt.eventId;
      numbers[i] = attempt.attempt;
      at[i] = attempt.at;
      outcomes[i] = attempt.outcome;
      requests[i] = attempt.request;
      statuses[i] = attempt.status;
      latencies[i] = attempt.latencyMillis;
      responses[i] = attempt.response;
      errors[i] = attempt.error;
    }
    return pool.preparedQuery(LOG).execute(Tuple.tuple().addArrayOfString(integrations).addArrayOfLong(events).addArrayOfInteger(numbers)
        .addArrayOfOffsetDateTime(at).addArrayOfString(outcomes).addArrayOfString(requests).addArrayOfInteger(statuses)
        .addArrayOfInteger(latencies).addArrayOfString(responses).addArrayOfString(errors)).mapEmpty();
  }

  /** One attempt for the delivery log; {@code status} and {@code latencyMillis} null when no answer came. */
  record Attempt(String integrationId, long eventId, int attempt, OffsetDateTime at, String outcome, String request, Integer status,
      Integer latencyMillis, String response, String error) {

    JsonObject toJson() {
      return new JsonObject().put("event_id", eventId).put("attempt", attempt).put("at", at.toString()).put("outcome", outcome)
          .put("request", request).put("status", status).put("latency_ms", latencyMillis).put("response", response).put("error", error);
    }
  }

  /** @param before, since, outcome null for no bound */
  Future<JsonArray> attempts(String integrationId, OffsetDateTime before, OffsetDateTime since, String outcome, int limit) {
    return pool.preparedQuery(ATTEMPTS).execute(Tuple.from(java.util.Arrays.asList(integrationId, before, limit, since, outcome))).map(rows -> {
      JsonArray out = new JsonArray();
      for (Row row : rows) {
        out.add(new Attempt(integrationId, row.getLong("event_id"), row.getInteger("attempt"), row.getOffsetDateTime("at"), row.getString("outcome"),
            row.getString("request"), row.getInteger("status"), row.getInteger("latency_ms"), row.getString("response"), row.getString("error"))
            .toJson());
      }
      return out;
    });
  }

  Future<JsonArray> counts(String integrationId, OffsetDateTime since) {
    return pool.preparedQuery(COUNTS).execute(Tuple.of(integrationId, since)).map(rows -> {
      JsonArray out = new JsonArray();
      for (Row row : rows) {
        out.add(new JsonObject().put("hour", row.getOffsetDateTime("hour").toString()).put("success", row.getLong("success"))
            .put("error", row.getLong("error")).put("skipped", row.getLong("skipped")).put("throttled", row.getLong("throttled")));
      }
      return out;
    });
  }

  Future<JsonArray> deadLetters(String integrationId, int limit) {
    return pool.preparedQuery(DEAD_LETTERS).execute(Tuple.of(integrationId, limit)).map(rows -> {
      JsonArray out = new JsonArray();
      for (Row row : rows) {
        OffsetDateTime published = row.getOffsetDateTime("published_at");
        out.add(new JsonObject().put("event_id", row.getLong("event_id")).put("attempts", row.getInteger("attempts"))
            .put("last_error", row.getString("last_error")).put("created_at", row.getOffsetDateTime("created_at").toString())
            .put("event", row.getString("name")).put("device_id", row.getString("device_id"))
            .put("published_at", published == null ? null : published.toString()));
      }
      return out;
    });
  }

  Future<Integer> replay(String integrationId, Long eventId) {
    return pool.preparedQuery(REPLAY).execute(Tuple.of(integrationId, eventId)).map(rows -> rows.rowCount());
  }

  /** Attempts and dead letters older than the retention, counts older than 31 days, rows of deleted integrations. */
  Future<Void> prune(int retentionSeconds) {
    return pool.preparedQuery(PRUNE_ATTEMPTS).execute(Tuple.of(retentionSeconds))
        .compose(done -> pool.preparedQuery(PRUNE_DEAD).execute(Tuple.of(retentionSeconds)))
        .compose(done -> pool.query(PRUNE_COUNTS).execute())
        .compose(done -> pool.query(PRUNE_ORPHANS).execute())
        .mapEmpty();
  }
}
