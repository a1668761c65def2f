package io.drover.hub.quotas;

import java.time.Duration;

/**
 * The node's default quotas, which an administrator's override replaces field by field.
 *
 * @param account what an account's events are held to: those of its devices in no product, and those it
 *     publishes through the API
 * @param product what a product's devices' events are held to
 * @param flushInterval how often each hub node adds its per-tenant counts to PostgreSQL and reads back
 *     the day's totals (the per-day quota across the cluster)
 */
public record QuotaSettings(Quota account, Quota product, Duration flushInterval) {
}
