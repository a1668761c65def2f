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
 * connect. One advisory lock per batch costs a round trip instead.
 *
 * <p>The statements that move many devices between products hold it too, taken first in their
 * transactions: a product import ({@code FleetImport}) and a product's deletion (its ON DELETE SET NULL
 * takes all the product's devices out). A change of devices.product_id updates the device's
 * device_connectivity row, through the trigger that keeps its copy of product_id, so these lock many
 * of a batch's rows, in their own order. A move of one device (an auto-approval, a removal from a
 * product) locks one such row, and an update of devices that changes no product_id (a rename, a claim,
 * a handshake's firmware version, a customer's removal unclaiming its devices, the demo fleet's claim)
 * none: neither can close a cycle with a batch, and neither takes the lock.
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
