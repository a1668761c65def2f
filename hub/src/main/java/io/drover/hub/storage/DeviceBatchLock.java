package io.drover.hub.storage;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import java.util.function.Function;

/**
 * Keeps the statements that update many device rows at once (the connectivity batch of
 * {@code ConnectivityRecorder}, the event writer's last_heard batch, the offline marks of a gateway
 * node's devices, all three on {@code device_connectivity} since V24) from running at the same time, on
 * any node of the cluster: each holds a transaction-scoped advisory lock while it runs.
 *
 * <p>Two such statements that lock the same rows in different orders deadlock (40P01; the CoAP
 * benchmark hit it under load). They used to lock their rows in id order first, a pass of its own over
 * every row (a join, a sort and a lock record in the WAL per row): in a connect storm that pass was
 * about a fifth of the connectivity statement's time, and that statement most of PostgreSQL's work per
 * connect. One advisory lock per batch costs a round trip instead. Other updates of a device row (a
 * rename, a claim, a handshake's firmware version) touch one row each and cannot close a cycle with a
 * batch. (A bulk change of many devices made from the API, which does not take this lock, locks its
 * rows in its own order: a product import, a customer's removal unclaiming its devices, a product's
 * deletion setting their product_id to null, the demo fleet's claim; those that move devices between
 * products also update their device_connectivity rows, through the trigger that keeps its copy of
 * product_id; a deadlock with one of these fails one side, and a batch is written again by its next
 * flush.)
 *
 * <p>Whoever runs the event writer's last_heard UPDATE holds this lock: the writer, and the
 * database-limit benchmark's {@code insert-touch} form, whose connections would otherwise deadlock
 * with each other.
 */
public final class DeviceBatchLock {

  /** The advisory lock's key: any number, the same on every node ("DROVDEVB"). */
  static final long KEY = 0x44524F5644455642L;
  /** Takes the lock until the end of the transaction: public for tests that hold it from outside. */
  public static final String LOCK = "SELECT pg_advisory_xact_lock(" + KEY + ")";

  private DeviceBatchLock() {
  }

  /**
   * Runs {@code update} in a transaction that holds the lock from before its first statement to its
   * commit. The lock is sent ahead of the update on the same connection (pipelined, no round trip of
   * its own); should it fail, the transaction is aborted and the update fails with it.
   */
  public static <T> Future<T> holding(Pool pool, Function<SqlConnection, Future<T>> update) {
    return pool.withTransaction(connection -> {
      Future<?> locked = connection.query(LOCK).execute();
      Future<T> updated = update.apply(connection);
      return Future.all(locked, updated).map(both -> updated.result());
    });
  }
}
