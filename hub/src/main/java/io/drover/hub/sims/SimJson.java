package io.drover.hub.sims;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;

/**
 * A SIM and its usage as particle-api-js 12 types them ({@code SimInfo}, {@code SimDataUsage}), with
 * the fields of Particle's docs example besides ({@code _id}, {@code last_device_id}, counts, ...).
 * A megabyte is 10^6 bytes; usage is given to the byte, as MB with 6 decimals.
 */
final class SimJson {

  private static final long BYTES_PER_MB = 1_000_000;
  private static final java.time.format.DateTimeFormatter ISO = java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'");

  private SimJson() {
  }

  static JsonObject sim(Row row) {
    return new JsonObject()
        .put("iccid", row.getString("iccid"))
        .put("_id", row.getString("iccid"))
        .put("status", row.getString("status"))
        .put("carrier", row.getString("carrier"))
        .put("base_country_code", row.getString("base_country_code"))
        .put("msisdn", null)
        .put("device_id", row.getString("device_id"))
        .put("device_name", row.getString("device_name"))
        .put("last_device_id", row.getString("last_device_id"))
        .put("last_device_name", row.getString("last_device_name"))
        .put("mb_limit", row.getInteger("mb_limit"))
        .put("user_id", row.getLong("owner_id") == null ? null : String.valueOf(row.getLong("owner_id")))
        .put("owner", row.getString("owner"))
        .put("product_id", row.getInteger("product_id"))
        .put("activations_count", row.getInteger("activations_count"))
        .put("deactivations_count", row.getInteger("deactivations_count"))
        .put("first_activated_on", time(row.getOffsetDateTime("first_activated_on")))
        .put("activated_on", time(row.getOffsetDateTime("last_activated_on")))
        .put("last_activated_on", time(row.getOffsetDateTime("last_activated_on")))
        .put("last_status_change_action", row.getString("last_status_change_action"))
        .put("updated_at", time(row.getOffsetDateTime("updated_at")));
  }

  /** The first day of the period (the calendar month, UTC) that holds {@code today}. */
  static LocalDate periodStart(LocalDate today) {
    return today.withDayOfMonth(1);
  }

  /**
   * Every day of the period from its first to {@code today}, zero where nothing was used, each with the
   * period's running total.
   *
   * @param rows (day, bytes)
   * @return {@code usage_by_day}; {@code used} (MB) is put into {@code into}
   */
  static JsonArray usageByDay(RowSet<Row> rows, LocalDate today, JsonObject into) {
    Map<LocalDate, Long> byDay = new HashMap<>();
    for (Row row : rows) {
      byDay.put(row.getLocalDate(0), ((Number) row.getValue(1)).longValue());
    }
    JsonArray days = new JsonArray();
    long cumulative = 0;
    for (LocalDate day = periodStart(today); !day.isAfter(today); day = day.plusDays(1)) {
      long bytes = byDay.getOrDefault(day, 0L);
      cumulative += bytes;
      days.add(new JsonObject().put("date", day.toString()).put("mbs_used", mb(bytes)).put("mbs_used_cumulative", mb(cumulative)));
    }
    into.put("used", mb(cumulative));
    return days;
  }

  static double mb(long bytes) {
    return BigDecimal.valueOf(bytes).divide(BigDecimal.valueOf(BYTES_PER_MB), 6, RoundingMode.HALF_UP).doubleValue();
  }

  static LocalDate today() {
    return LocalDate.now(ZoneOffset.UTC);
  }

  private static String time(OffsetDateTime time) {
    return time == null ? null : ISO.format(time.withOffsetSameInstant(ZoneOffset.UTC));
  }
}
