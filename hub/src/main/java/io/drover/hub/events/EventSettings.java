package io.drover.hub.events;

import io.drover.hub.storage.Durability;
import java.time.Duration;

/**
 * How accepted events reach PostgreSQL and the live streams.
 *
 * @param queueCapacity events accepted but not yet written; past it new events are refused (counted)
 * @param batchSize the most events one INSERT carries
 * @param writers batches written at once, each on its own connection; a device's events always go
 *     through the same one, so they are committed in the order they were accepted
 * @param flushInterval how often the writer looks for queued events it has not started writing: a
 *     safety net, since it writes as soon as an event arrives at an idle writer or a commit returns
 * @param streamKeepAlive how often a silent SSE stream gets a keep-alive newline
 * @param maxStreamsPerUser event streams one account may hold open at once (per API instance)
 * @param streamOpensPerMinute event streams one account may open in a minute (per API instance)
 * @param retentionDays how long events are kept in PostgreSQL
 * @param retentionCheck how often events past the retention are deleted
 * @param usageFlush how often the counts of delivered events are added to the usage table
 * @param durability RELAXED: the writer's transactions commit without waiting for the WAL flush
 * @param copyWrites batches are written with binary COPY through PgJDBC ({@code EventCopier}) rather
 *     than INSERT through vertx-pg-client, where they can be: durable writes, no integration rows, not
 *     written before
 */
public record EventSettings(int queueCapacity, int batchSize, int writers, Duration flushInterval, Duration streamKeepAlive,
                            int maxStreamsPerUser, int streamOpensPerMinute, int retentionDays,
                            Duration retentionCheck, Duration usageFlush, Durability durability, boolean copyWrites) {
}
