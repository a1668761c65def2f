package io.drover.hub.events;

import java.time.Duration;

/**
 * How accepted events reach PostgreSQL and the live streams.
 *
 * @param queueCapacity events accepted but not yet written; past it new events are refused (counted)
 * @param batchSize the most events one INSERT carries
 * @param flushInterval how long an event may wait for its batch to fill
 * @param streamKeepAlive how often a silent SSE stream gets a keep-alive newline
 * @param maxStreamsPerUser event streams one account may hold open at once (per API instance)
 * @param streamOpensPerMinute event streams one account may open in a minute (per API instance)
 * @param retentionDays how long events are kept in PostgreSQL
 * @param retentionCheck how often events past the retention are deleted
 * @param usageFlush how often the counts of delivered events are added to the usage table
 */
public record EventSettings(int queueCapacity, int batchSize, Duration flushInterval, Duration streamKeepAlive,
                            int maxStreamsPerUser, int streamOpensPerMinute, int retentionDays,
                            Duration retentionCheck, Duration usageFlush) {
}
