package io.drover.hub.events;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One lane's {@code events.write-form=copy}: a batch of events written by {@link EventStatements#COPY}
 * ({@code COPY events ... FROM STDIN (FORMAT binary)}) through PgJDBC, which vertx-pg-client cannot do.
 * PgJDBC blocks, so the lane has a platform thread of its own with its own connection: the rows are
 * encoded there and the COPY runs there, and the outcome is handed back to the writer's context. The
 * COPY is one statement in autocommit, so it returns once its commit is flushed, as the INSERT does.
 *
 * <p>COPY has no {@code ON CONFLICT}: a batch whose commit answer was lost and that is written again
 * would fail on the primary key. So the writer never retries with COPY: a batch whose COPY failed, for
 * whatever reason, is written again with the INSERT, whose failure handling (a retry a second later,
 * an event the database refuses isolated and dropped) then applies.
 */
final class EventCopier implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(EventCopier.class);
  /** "PGCOPY\n\377\r\n\0", no flags, no header extension. */
  private static final byte[] HEADER = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xFF, '\r', '\n', 0, 0, 0, 0, 0, 0, 0, 0, 0};
  /** Microseconds from 1970-01-01 to PostgreSQL's epoch, 2000-01-01 (timestamptz in binary is microseconds since then). */
  private static final long PG_EPOCH_MICROS = 946_684_800_000_000L;
  private static final short COLUMNS = 9;

  private final Context context;
  private final Callable<Connection> connect;
  private final ExecutorService thread;
  /** Used on {@link #thread} only. */
  private Connection connection;
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 * 1024);

  EventCopier(Context context, Callable<Connection> connect, int lane) {
    this.context = context;
    this.connect = connect;
    this.thread = Executors.newSingleThreadExecutor(runnable -> {
      Thread copying = new Thread(runnable, "drover-event-copy-" + lane);
      copying.setDaemon(true);
      return copying;
    });
  }

  /** The rows of one batch, built on the writer's context and not changed after: read on the copy thread. */
  record Rows(Long[] ids, String[] devices, String[] names, String[] data, long[] publishedAtMillis, Integer[] ttls,
              Boolean[] publics, Long[] owners, Integer[] products) {
  }

  /** Completes on the writer's context once the rows are committed; fails with the COPY's or the connection's error. */
  Future<Void> copy(Rows rows) {
    Promise<Void> done = Promise.promise();
    try {
      thread.execute(() -> {
        Throwable failure = null;
        try {
          copyNow(rows);
        } catch (Exception e) {
          failure = e;
          dropConnection();
        }
        Throwable outcome = failure;
        context.runOnContext(ignored -> {
          if (outcome == null) {
            done.complete();
          } else {
            done.fail(outcome);
          }
        });
      });
    } catch (RejectedExecutionException closed) {
      done.fail(new IllegalStateException("the event copier is closed"));
    }
    return done.future();
  }

  private void copyNow(Rows rows) throws Exception {
    if (connection == null) {
      connection = connect.call();
      connection.setAutoCommit(true);
    }
    bytes.reset();
    encode(rows, new DataOutputStream(bytes));
    connection.unwrap(PGConnection.class).getCopyAPI()
        .copyIn(EventStatements.COPY, new ByteArrayInputStream(bytes.toByteArray(), 0, bytes.size()));
  }

  /** PostgreSQL's binary COPY format: a header, each row as its field count and each field's length and bytes (-1: null), -1 at the end. */
  static void encode(Rows rows, DataOutputStream out) throws IOException {
    out.write(HEADER);
    for (int i = 0; i < rows.ids().length; i++) {
      out.writeShort(COLUMNS);
      out.writeInt(8);
      out.writeLong(rows.ids()[i]);
      text(out, rows.devices()[i]);
      text(out, rows.names()[i]);
      text(out, rows.data()[i]);
      out.writeInt(8);
      out.writeLong(rows.publishedAtMillis()[i] * 1000 - PG_EPOCH_MICROS);
      out.writeInt(4);
      out.writeInt(rows.ttls()[i]);
      out.writeInt(1);
      out.writeByte(rows.publics()[i] ? 1 : 0);
      if (rows.owners()[i] == null) {
        out.writeInt(-1);
      } else {
        out.writeInt(8);
        out.writeLong(rows.owners()[i]);
      }
      if (rows.products()[i] == null) {
        out.writeInt(-1);
      } else {
        out.writeInt(4);
        out.writeInt(rows.products()[i]);
      }
    }
    out.writeShort(-1);
    out.flush();
  }

  private static void text(DataOutputStream out, String value) throws IOException {
    if (value == null) {
      out.writeInt(-1);
      return;
    }
    byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
    out.writeInt(utf8.length);
    out.write(utf8);
  }

  private void dropConnection() {
    if (connection != null) {
      try {
        connection.close();
      } catch (SQLException e) {
        LOG.debug("closing the event copier's connection failed [cause: {}]", e.getMessage());
      }
      connection = null;
    }
  }

  /** After the writer drained: closes the connection on its thread and ends the thread. */
  @Override
  public void close() {
    try {
      thread.execute(this::dropConnection);
    } catch (RejectedExecutionException alreadyClosed) {
      return;
    }
    thread.shutdown();
  }
}
