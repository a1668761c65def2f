package io.drover.loadtests.dblimit;

import io.drover.hub.events.EventStatements;
import io.drover.hub.storage.DeviceBatchLock;
import io.drover.loadtests.CommandLine;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Tuple;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Recorder;
import org.HdrHistogram.Histogram;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * What the database itself takes: a bare client loop committing batches of event rows into a node's
 * events table (same columns, same indexes, the node's own server settings: fsync on), as fast as it
 * can, over several connections. The yardstick Drover's write path is a fraction of.
 *
 * <p>Forms: {@code insert} the writer's statement for a batch written again ({@code INSERT ... SELECT * FROM
 * unnest(...) ON CONFLICT (id, published_at) DO NOTHING}) through vertx-pg-client, one statement and commit
 * per batch, each connection sending its next batch as soon as the previous commit returns; {@code insert-new}
 * the same without ON CONFLICT, the writer's statement for a new batch; {@code insert-touch} the same plus the
 * writer's last_heard UPDATE in the same transaction, under the writer's {@code DeviceBatchLock}; {@code insert-outbox} the writer's statement
 * when every event triggers {@code --integrations} webhooks (their outbox rows in the same statement, claimed
 * by the writing node as the writer does when its engine has room); {@code copy} {@code COPY events FROM STDIN
 * (FORMAT binary)} through PgJDBC's CopyManager, one platform thread per connection (vertx-pg-client has
 * no COPY). Prints one JSON line: rows, rows/s, commits/s, batch latency p50/p99, and this client's
 * own CPU (the script adds PostgreSQL's).
 */
public final class DbLimitCommand {

  /** The writer's own statements (compile-time constants: the swarm jar needs no hub class for them). */
  private static final String INSERT = EventStatements.INSERT;
  private static final String INSERT_NEW = EventStatements.INSERT_NEW;
  private static final String TOUCH_DEVICES = EventStatements.TOUCH_DEVICES;
  private static final String DEVICE_BATCH_LOCK = DeviceBatchLock.LOCK;
  /** The writer's statement when a batch's events trigger integrations: the outbox rows in the same statement. */
  private static final String INSERT_WITH_OUTBOX = EventStatements.INSERT_WITH_OUTBOX;
  private static final String COPY = EventStatements.COPY;
  private static final long PG_EPOCH_MICROS = 946_684_800_000_000L;
  private static final byte[] COPY_HEADER = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xff, '\r', '\n', 0, 0, 0, 0, 0, 0, 0, 0, 0};

  private DbLimitCommand() {
  }

  public static int run(CommandLine options) {
    if (options.helpRequested()) {
      System.err.println("""
          db-limit --port P --password-file F [--host 127.0.0.1] [--user postgres] [--database postgres]
                   [--form insert|insert-new|insert-touch|insert-outbox|copy] [--connections 4] [--batch 500] [--duration-s 10]
                   [--devices 1000] [--payload-bytes 100] [--integrations 5]""");
      return 0;
    }
    String host = options.text("host", "127.0.0.1");
    int port = options.integer("port", 5432, 1, 65535);
    String user = options.text("user", "postgres");
    String database = options.text("database", "postgres");
    String password;
    try {
      password = Files.readString(options.requiredPath("password-file")).strip();
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read the password file: " + e.getMessage());
    }
    String form = options.text("form", "insert");
    int connections = options.integer("connections", 4, 1, 64);
    int batch = options.integer("batch", 500, 1, 100_000);
    int durationS = options.integer("duration-s", 10, 1, 3600);
    int devices = options.integer("devices", 1000, 1, 1_000_000);
    int payloadBytes = options.integer("payload-bytes", 100, 0, 10_000);
    int integrations = options.integer("integrations", 5, 1, 100);
    options.requireAllRead();
    if (!List.of("insert", "insert-new", "insert-touch", "insert-outbox", "copy").contains(form)) {
      throw new IllegalArgumentException("--form must be insert, insert-new, insert-touch, insert-outbox or copy");
    }
    List<String> deviceIds = new ArrayList<>(devices);
    for (int i = 0; i < devices; i++) {
      deviceIds.add(String.format("d0b1%020x", i));
    }
    String data = "x".repeat(payloadBytes);
    // ids far above the node's own, one range per run
    AtomicLong nextId = new AtomicLong(1_000_000_000_000_000L + System.currentTimeMillis() * 100_000L);
    Recorder latencies = new Recorder(3);
    AtomicLong rows = new AtomicLong();
    AtomicLong commits = new AtomicLong();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(durationS);
    long started = System.nanoTime();
    long cpuBefore = processCpuNanos();
    try {
      if (form.equals("copy")) {
        runCopy(host, port, database, user, password, connections, batch, deviceIds, data, nextId, latencies, rows, commits, deadline);
      } else {
        runInsert(host, port, database, user, password, connections, batch, deviceIds, data, nextId, latencies, rows, commits, deadline,
            form.equals("insert-touch"), form.equals("insert-outbox") ? integrations : 0, form.equals("insert-new") ? INSERT_NEW : INSERT);
      }
    } catch (Exception e) {
      System.err.println("db-limit failed: " + e);
      return 1;
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    double clientCpuS = (processCpuNanos() - cpuBefore) / 1e9;
    Histogram h = latencies.getIntervalHistogram();
    System.out.println(new JsonObject()
        .put("form", form).put("integrations", form.equals("insert-outbox") ? integrations : 0).put("connections", connections).put("batch", batch).put("seconds", Math.round(seconds * 100) / 100.0)
        .put("rows", rows.get()).put("commits", commits.get())
        .put("rowsPerSecond", Math.round(rows.get() / seconds)).put("commitsPerSecond", Math.round(commits.get() / seconds))
        .put("batchP50Ms", h.getValueAtPercentile(50) / 1000.0).put("batchP99Ms", h.getValueAtPercentile(99) / 1000.0)
        .put("clientCpuS", Math.round(clientCpuS * 100) / 100.0)
        .put("clientCpuMsPer1000Rows", rows.get() > 0 ? Math.round(1e7 * clientCpuS / rows.get()) / 10.0 : null)
        .encode());
    return 0;
  }

  /** CPU this process has used (every thread, JIT and GC included). */
  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }

  private static void runInsert(String host, int port, String database, String user, String password, int connections, int batch,
      List<String> deviceIds, String data, AtomicLong nextId, Recorder latencies, AtomicLong rows, AtomicLong commits, long deadline,
      boolean touch, int integrations, String statement) throws Exception {
    Vertx vertx = Vertx.vertx();
    Pool pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(connections))
        .connectingTo(new PgConnectOptions().setHost(host).setPort(port).setDatabase(database).setUser(user).setPassword(password)
            .setPipeliningLimit(1))
        .using(vertx).build();
    try {
      if (touch) {
        List<String> secretless = deviceIds;
        pool.query("INSERT INTO devices (id, secret_hash) SELECT unnest(ARRAY['" + String.join("','", secretless) + "']), '\\x00'::bytea "
            + "ON CONFLICT (id) DO NOTHING").execute().await(60, TimeUnit.SECONDS);
      }
      List<Future<Void>> loops = new ArrayList<>();
      int[] cursor = {0};
      for (int c = 0; c < connections; c++) {
        Promise<Void> done = Promise.promise();
        vertx.runOnContext(v -> insertLoop(pool, batch, deviceIds, data, nextId, latencies, rows, commits, deadline, touch, integrations, statement,
            cursor, done));
        loops.add(done.future());
      }
      Future.all(loops).await(TimeUnit.NANOSECONDS.toSeconds(deadline - System.nanoTime()) + 120, TimeUnit.SECONDS);
    } finally {
      pool.close().await(10, TimeUnit.SECONDS);
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  private static void insertLoop(Pool pool, int batch, List<String> deviceIds, String data, AtomicLong nextId, Recorder latencies,
      AtomicLong rows, AtomicLong commits, long deadline, boolean touch, int integrations, String statement, int[] cursor, Promise<Void> done) {
    if (System.nanoTime() - deadline >= 0) {
      done.complete();
      return;
    }
    String[] devices = new String[batch];
    String[] names = new String[batch];
    String[] datas = new String[batch];
    OffsetDateTime[] times = new OffsetDateTime[batch];
    Integer[] ttls = new Integer[batch];
    Boolean[] publics = new Boolean[batch];
    Long[] owners = new Long[batch];
    Integer[] products = new Integer[batch];
    Long[] ids = new Long[batch];
    OffsetDateTime now = OffsetDateTime.ofInstant(Instant.now(), ZoneOffset.UTC);
    long first = nextId.getAndAdd(batch);
    for (int i = 0; i < batch; i++) {
      devices[i] = deviceIds.get(cursor[0]++ % deviceIds.size());
      names[i] = "db-limit";
      datas[i] = data;
      times[i] = now;
      ttls[i] = 60;
      publics[i] = false;
      ids[i] = first + i;
    }
    long start = System.nanoTime();
    Tuple insert = Tuple.of(devices, names, datas, times, ttls, publics, owners).addArrayOfLong(ids).addArrayOfInteger(products);
    Future<?> written;
    if (touch) {
      // the UPDATE visits its rows in no set order: like the writer, it holds DeviceBatchLock (taken
      // after the INSERT, so the connections' inserts still overlap), or two connections would deadlock
      Tuple heard = Tuple.tuple().addArrayOfString(devices).addArrayOfOffsetDateTime(times);
      written = pool.withTransaction(connection -> connection.preparedQuery(INSERT).execute(insert)
          .compose(inserted -> Future.all(connection.query(DEVICE_BATCH_LOCK).execute(), connection.preparedQuery(TOUCH_DEVICES).execute(heard))));
    } else if (integrations > 0) {
      Long[] outboxEvents = new Long[batch * integrations];
      String[] outboxIntegrations = new String[batch * integrations];
      String[] claimedBy = new String[batch * integrations];
      for (int i = 0; i < batch; i++) {
        for (int j = 0; j < integrations; j++) {
          outboxEvents[i * integrations + j] = ids[i];
          outboxIntegrations[i * integrations + j] = String.format("%024x", j);
          claimedBy[i * integrations + j] = "db-limit";
        }
      }
      written = pool.preparedQuery(INSERT_WITH_OUTBOX).execute(insert.addArrayOfLong(outboxEvents).addArrayOfString(outboxIntegrations)
          .addArrayOfString(claimedBy).addInteger(120));
    } else {
      written = pool.preparedQuery(statement).execute(insert);
    }
    written.onComplete(result -> {
      if (result.failed()) {
        done.fail(result.cause());
        return;
      }
      latencies.recordValue((System.nanoTime() - start) / 1000);
      rows.addAndGet(batch);
      commits.incrementAndGet();
      insertLoop(pool, batch, deviceIds, data, nextId, latencies, rows, commits, deadline, touch, integrations, statement, cursor, done);
    });
  }

  private static void runCopy(String host, int port, String database, String user, String password, int connections, int batch,
      List<String> deviceIds, String data, AtomicLong nextId, Recorder latencies, AtomicLong rows, AtomicLong commits, long deadline)
      throws Exception {
    String url = "jdbc:postgresql://" + host + ":" + port + "/" + database;
    Properties properties = new Properties();
    properties.setProperty("user", user);
    properties.setProperty("password", password);
    List<Thread> threads = new ArrayList<>();
    List<Exception> failures = new ArrayList<>();
    byte[] name = "db-limit".getBytes(StandardCharsets.UTF_8);
    byte[] payload = data.getBytes(StandardCharsets.UTF_8);
    for (int c = 0; c < connections; c++) {
      int offset = c;
      Thread thread = new Thread(() -> {
        try (Connection connection = DriverManager.getConnection(url, properties)) {
          CopyManager copy = connection.unwrap(PGConnection.class).getCopyAPI();
          int cursor = offset;
          ByteArrayOutputStream bytes = new ByteArrayOutputStream(batch * (payload.length + 120));
          while (System.nanoTime() - deadline < 0) {
            bytes.reset();
            DataOutputStream out = new DataOutputStream(bytes);
            out.write(COPY_HEADER);
            long first = nextId.getAndAdd(batch);
            long micros = System.currentTimeMillis() * 1000 - PG_EPOCH_MICROS;
            for (int i = 0; i < batch; i++) {
              out.writeShort(9);
              out.writeInt(8);
              out.writeLong(first + i);
              byte[] device = deviceIds.get(cursor++ % deviceIds.size()).getBytes(StandardCharsets.US_ASCII);
              out.writeInt(device.length);
              out.write(device);
              out.writeInt(name.length);
              out.write(name);
              out.writeInt(payload.length);
              out.write(payload);
              out.writeInt(8);
              out.writeLong(micros);
              out.writeInt(4);
              out.writeInt(60);
              out.writeInt(1);
              out.writeByte(0);
              out.writeInt(-1);
              out.writeInt(-1);
            }
            out.writeShort(-1);
            long start = System.nanoTime();
            copy.copyIn(COPY, new ByteArrayInputStream(bytes.toByteArray()));
            latencies.recordValue((System.nanoTime() - start) / 1000);
            rows.addAndGet(batch);
            commits.incrementAndGet();
          }
        } catch (Exception e) {
          synchronized (failures) {
            failures.add(e);
          }
        }
      }, "db-limit-copy-" + c);
      thread.start();
      threads.add(thread);
    }
    for (Thread thread : threads) {
      thread.join();
    }
    if (!failures.isEmpty()) {
      throw failures.get(0);
    }
  }
}
