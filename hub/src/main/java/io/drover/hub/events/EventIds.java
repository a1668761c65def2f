package io.drover.hub.events;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;

/**
 * Event row ids, handed out as events are accepted, from blocks the events table's identity sequence
 * reserves (its increment is {@link #BLOCK}; see V4). The next block is fetched when half of the
 * current one is used, so a burst of up to half a block never waits; past that, events are refused
 * until it arrives. Used on the events verticle's event loop only.
 */
final class EventIds {

  static final long BLOCK = 10_000;
  private static final String NEXT_BLOCK = "SELECT nextval(pg_get_serial_sequence('events', 'id'))";

  private final Pool pool;
  private long next;
  private long end;
  private long nextBlock = -1;
  private boolean fetching;

  EventIds(Pool pool) {
    this.pool = pool;
  }

  /** Completes once the first block is reserved. */
  Future<Void> start() {
    return fetch().map(start -> {
      next = start;
      end = start + BLOCK;
      return null;
    });
  }

  /** @return the next id, or -1 when no id is left until the next block arrives */
  long take() {
    if (next == end) {
      if (nextBlock < 0) {
        prefetch();
        return -1;
      }
      next = nextBlock;
      end = nextBlock + BLOCK;
      nextBlock = -1;
    }
    if (end - next == BLOCK / 2) {
      prefetch();
    }
    return next++;
  }

  private void prefetch() {
    if (fetching || nextBlock >= 0) {
      return;
    }
    fetching = true;
    fetch().onComplete(result -> {
      fetching = false;
      if (result.succeeded()) {
        nextBlock = result.result();
      }
    });
  }

  private Future<Long> fetch() {
    return pool.query(NEXT_BLOCK).execute().map(rows -> rows.iterator().next().getLong(0));
  }
}
