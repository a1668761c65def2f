package io.drover.hub.events;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Each tenant's counts of the day (accepted, refused by reason), added to {@code event_tenant_days} in
 * one statement per flush, which answers with the day's accepted totals across the cluster: those are
 * what the per-day quota is held against, so every hub node holds a tenant to one count, late by at
 * most a flush interval. A failed flush keeps its counts for the next. One flush at a time. Used on
 * the events verticle's event loop only.
 */
final class TenantCounts {

  private static final Logger LOG = LoggerFactory.getLogger(TenantCounts.class);
  // Rows go in the order of their key, on every node: two nodes' upserts of the same rows in different
  // orders could deadlock (40P01).
  private static final String ADD = """
      INSERT INTO event_tenant_days AS d (scope, tenant_id, day, accepted, refused_overloaded, refused_quota_per_second, refused_quota_per_day)
      SELECT u.scope, u.tenant_id, $2::date, u.accepted, u.overloaded, u.per_second, u.per_day
      FROM unnest($1::text[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[])
           AS u(scope, tenant_id, accepted, overloaded, per_second, per_day)
      ORDER BY u.scope, u.tenant_id
      ON CONFLICT (scope, tenant_id, day) DO UPDATE SET
        accepted = d.accepted + excluded.accepted,
        refused_overloaded = d.refused_overloaded + excluded.refused_overloaded,
        refused_quota_per_second = d.refused_quota_per_second + excluded.refused_quota_per_second,
        refused_quota_per_day = d.refused_quota_per_day + excluded.refused_quota_per_day
      RETURNING d.scope, d.tenant_id, d.accepted""";
  private static final String DAY = "SELECT scope, tenant_id, accepted FROM event_tenant_days WHERE day = $1";
  private static final Comparator<Tenant> KEY_ORDER = Comparator.<Tenant, String>comparing(t -> t.scope.column).thenComparingLong(t -> t.id);

  private final Pool pool;
  private final Tenants tenants;
  private boolean flushing;
  /** The flush under way; a flush asked for meanwhile (at stop) follows it. */
  private Future<Void> current = Future.succeededFuture();
  /** The day whose totals the tenants' {@code dayStored} hold. */
  private LocalDate today;

  TenantCounts(Pool pool, Tenants tenants) {
    this.pool = pool;
    this.tenants = tenants;
  }

  /** At start: the day's totals so far, so that a node that restarts mid-day holds tenants to them at once. */
  Future<Void> load(LocalDate day) {
    today = day;
    return pool.preparedQuery(DAY).execute(Tuple.of(day)).map(rows -> {
      for (Row row : rows) {
        tenants.of(row.getString("scope"), row.getLong("tenant_id")).dayStored = row.getLong("accepted");
      }
      return null;
    });
  }

  LocalDate today() {
    return today;
  }

  boolean isFlushing() {
    return flushing;
  }

  /**
   * A new UTC day, once no flush is under way: the counts so far go to {@code yesterday}'s row, and
   * every tenant's day count starts again.
   */
  Future<Void> newDay(LocalDate day) {
    LocalDate yesterday = today;
    Future<Void> flushed = flush();
    today = day;
    tenants.newDay(yesterday.toEpochDay());
    return flushed;
  }

  /**
   * Adds every tenant's counts since the last flush to the current day's rows. The periodic flush skips
   * a turn while one is under way; the last one, at stop, waits for it and then writes what is left.
   */
  Future<Void> flush() {
    return flushing ? Future.succeededFuture() : write();
  }

  /** At stop: whatever is still counted, after the flush under way. */
  Future<Void> flushAll() {
    return current.transform(done -> write());
  }

  private Future<Void> write() {
    List<Tenant> batch = new ArrayList<>();
    for (Tenant tenant : tenants.all()) {
      if (tenant.hasPending()) {
        batch.add(tenant);
      }
    }
    if (batch.isEmpty()) {
      return Future.succeededFuture();
    }
    batch.sort(KEY_ORDER);
    int n = batch.size();
    String[] scopes = new String[n];
    Long[] ids = new Long[n];
    Long[][] columns = new Long[Tenant.COUNTS][n];
    for (int i = 0; i < n; i++) {
      Tenant tenant = batch.get(i);
      scopes[i] = tenant.scope.column;
      ids[i] = tenant.id;
      for (int c = 0; c < Tenant.COUNTS; c++) {
        tenant.flushing[c] = tenant.pending[c];
        tenant.pending[c] = 0;
        columns[c][i] = tenant.flushing[c];
      }
    }
    flushing = true;
    LocalDate day = today;
    current = pool.preparedQuery(ADD)
        .execute(Tuple.tuple().addArrayOfString(scopes).addLocalDate(day).addArrayOfLong(ids)
            .addArrayOfLong(columns[Tenant.ACCEPTED]).addArrayOfLong(columns[Tenant.OVERLOADED])
            .addArrayOfLong(columns[Tenant.QUOTA_PER_SECOND]).addArrayOfLong(columns[Tenant.QUOTA_PER_DAY]))
        .<Void>map(rows -> {
          // the totals are the flushed day's: after midnight they no longer count against today's quota
          boolean sameDay = day.equals(today);
          for (Row row : rows) {
            Tenant tenant = tenants.of(row.getString("scope"), row.getLong("tenant_id"));
            if (sameDay) {
              tenant.dayStored = row.getLong("accepted");
            }
          }
          for (Tenant tenant : batch) {
            Arrays.fill(tenant.flushing, 0);
          }
          return null;
        })
        .onComplete(result -> {
          flushing = false;
          if (result.failed()) {
            LOG.warn("event counts per tenant not recorded, kept for the next flush [tenants: {}, cause: {}]", n, result.cause().getMessage());
            for (Tenant tenant : batch) {
              for (int c = 0; c < Tenant.COUNTS; c++) {
                tenant.pending[c] += tenant.flushing[c];
                tenant.flushing[c] = 0;
              }
            }
          }
        });
    return current;
  }
}
