package io.drover.hub.events;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Event row ids, handed out as events are accepted, from blocks the events table's id sequence
 * ({@code events_id_seq}, owned by {@code events.id}) reserves: one {@code nextval} reserves as many
 * ids as the sequence's increment (10,000 since V5; each block carries the increment it was reserved
 * with, so the block size is the database's, never a guess). Ids increase in the order they are handed out, across blocks too.
 *
 * <p>Never on the write path: blocks are reserved over a connection of their own ({@code reservations},
 * a pool of one), so a reservation never waits behind the writer's INSERTs or anything else on the
 * main pool, and it takes no lock on the events table. Reserved ahead: spare blocks are kept for at
 * least {@value #AHEAD_SECONDS} s of the recent rate (at least one block), and more are fetched as soon
 * as the spare falls below that, several in one statement when the rate is high. A fresh node has its
 * first block and a spare before the consumer registers ({@link #start}). A failed reservation is
 * tried again every second; only when the spare is used up meanwhile (the database is down) does
 * {@link #take} have nothing to give.
 *
 * <p>Used on the events verticle's event loop only.
 */
final class EventIds {

  private static final Logger LOG = LoggerFactory.getLogger(EventIds.class);
  /** n blocks in one round trip; each row is a block's first id and its size (the sequence's increment). */
  private static final String RESERVE = """
      SELECT nextval(s.seqrelid) AS first_id, s.seqincrement AS block_size
      FROM pg_sequence s, generate_series(1, $1)
      WHERE s.seqrelid = pg_get_serial_sequence('events', 'id')::regclass
      ORDER BY 1""";
  private static final int AHEAD_SECONDS = 2;
  private static final int MAX_BLOCKS_AT_ONCE = 64;

  private final Vertx vertx;
  private final Pool reservations;
  private final ArrayDeque<long[]> spare = new ArrayDeque<>();
  private long spareIds;
  private long next;
  private long end;
  private long blockSize = 1;
  private long firstOwn;
  private boolean fetching;
  private long retryTimer = -1;
  private long rateTimer = -1;
  private long takenThisSecond;
  /** Ids taken a second, as recently seen: rises at once with the load, halves each quiet second. */
  private double rate;
  private Runnable onReserved = () -> { };
  private boolean stopped;

  /** @param reservations a pool of its own, one connection, used for nothing else */
  EventIds(Vertx vertx, Pool reservations) {
    this.vertx = vertx;
    this.reservations = reservations;
  }

  /** Completes once the first block and a spare are reserved. */
  Future<Void> start() {
    rateTimer = vertx.setPeriodic(1000, id -> {
      rate = Math.max(takenThisSecond, rate / 2);
      takenThisSecond = 0;
      reserveAhead();
    });
    return reserve(2).map(blocks -> {
      add(blocks);
      nextBlock();
      firstOwn = next;
      return null;
    });
  }

  void stop() {
    stopped = true;
    vertx.cancelTimer(rateTimer);
    if (retryTimer >= 0) {
      vertx.cancelTimer(retryTimer);
    }
  }

  /** Runs (on the event loop) each time blocks arrive: events waiting for an id may go on. */
  void onReserved(Runnable listener) {
    this.onReserved = listener;
  }

  /**
   * The first id of this node's first block, once {@link #start} completed: every id below it was handed
   * out before (by this node's previous run, or another node), none of them by this node from now on.
   */
  long firstOwn() {
    return firstOwn;
  }

  boolean available() {
    return next < end || !spare.isEmpty();
  }

  /** @return the next id, or -1 when none is reserved (the reservations do not get through) */
  long take() {
    if (next == end) {
      if (spare.isEmpty()) {
        reserveAhead();
        return -1;
      }
      nextBlock();
      reserveAhead();
    }
    takenThisSecond++;
    return next++;
  }

  /** Ids reserved and not yet handed out, for the gauge. */
  long reservedAhead() {
    return end - next + spareIds;
  }

  private void nextBlock() {
    long[] block = spare.poll();
    next = block[0];
    end = block[0] + block[1];
    spareIds -= block[1];
  }

  /** Fetches blocks when the spare is below what {@value #AHEAD_SECONDS} s at the recent rate need. */
  private void reserveAhead() {
    if (fetching || stopped || retryTimer >= 0) {
      return;
    }
    long wanted = Math.max(blockSize, (long) (rate * AHEAD_SECONDS));
    if (spareIds >= wanted) {
      return;
    }
    int blocks = (int) Math.min(MAX_BLOCKS_AT_ONCE, (wanted - spareIds + blockSize - 1) / blockSize);
    fetching = true;
    reserve(blocks).onComplete(result -> {
      fetching = false;
      if (result.succeeded()) {
        add(result.result());
        onReserved.run();
        reserveAhead();
      } else if (!stopped) {
        LOG.warn("event ids not reserved, trying again in 1 s [spare-ids: {}, cause: {}]", reservedAhead(), result.cause().getMessage());
        retryTimer = vertx.setTimer(1000, id -> {
          retryTimer = -1;
          reserveAhead();
        });
      }
    });
  }

  private void add(Iterable<Row> blocks) {
    for (Row row : blocks) {
      long size = row.getLong("block_size");
      spare.add(new long[] {row.getLong("first_id"), size});
      spareIds += size;
      blockSize = size;
    }
  }

  private Future<Iterable<Row>> reserve(int blocks) {
    return reservations.preparedQuery(RESERVE).execute(Tuple.of(blocks)).map(rows -> rows);
  }
}
