package io.drover.hub.events;

import java.util.List;

/**
 * The live events a hub node accepted in one turn of its events verticle's loop, in the order it
 * accepted them: what {@code hub.events.live-batches} carries, so that the live streams are handed a
 * turn's events by one bus message and one task per API instance rather than by one of each per event.
 * The list is never changed once published (local delivery passes it without a copy).
 */
public record LiveEvents(List<LiveEvent> events) {
}
