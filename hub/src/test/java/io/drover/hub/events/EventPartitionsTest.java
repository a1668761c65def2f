package io.drover.hub.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.gateway.contract.BusAddresses;
import io.drover.gateway.contract.DeviceEvent;
import io.drover.gateway.contract.DeviceEventCodec;
import io.drover.hub.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The events table partitioned by UTC day: the days ahead are made, and a day whose rows sat in DEFAULT
 * takes them along; an event of any time is stored and read back; the retention drops whole days and
 * deletes older rows elsewhere; a batch written again stores nothing twice.
 */
@ExtendWith(VertxExtension.class)
class EventPartitionsTest {

  private static final Duration WAIT = Duration.ofSeconds(15);
  private static final DeliveryOptions EVENT = new DeliveryOptions().setCodecName(DeviceEventCodec.NAME);
  /** 1999-12-31T23:59:59.999Z and 2100-01-01T00:00:00.001Z: far outside any day partition the hub makes. */
  private static final long FAR_PAST = 946_684_799_999L;
  private static final long FAR_FUTURE = 4_102_444_800_001L;

  @Test
  void theDaysAheadAreMadeAndAMissingDayTakesItsRowsOutOfDefault() throws Exception {
    try (TestNode node = TestNode.start("--events.retention-check-seconds=1")) {
      LocalDate today = LocalDate.now(ZoneOffset.UTC);
      for (int ahead = 0; ahead <= EventPartitions.DAYS_AHEAD; ahead++) {
        assertEquals("1", partitions(node, EventPartitions.name(today.plusDays(ahead))), "day " + ahead + " ahead made");
      }
      // given the last day ahead gone and an event of that day stored meanwhile, so in DEFAULT
      LocalDate last = today.plusDays(EventPartitions.DAYS_AHEAD);
      try (Connection connection = node.node().database().jdbcConnection(); Statement statement = connection.createStatement()) {
        connection.setAutoCommit(false);
        statement.execute("DROP TABLE " + EventPartitions.name(last));
        statement.execute("INSERT INTO events (device_id, name, data, published_at, ttl, public) VALUES ('api', 'early', 'x', '"
            + last + " 12:00:00+00', 60, false)");
        connection.commit();
      }
      // the next pass makes the day again, with the row in it: nothing blocked it, nothing lost or stored twice
      TestNode.eventually(WAIT, () -> EventPartitions.name(last).equals(query(node, "SELECT tableoid::regclass FROM events WHERE name = 'early'")),
          "the day made again, its row moved out of DEFAULT");
      assertEquals("1", partitions(node, EventPartitions.name(last)));
      assertEquals(1, node.countEvents("api", "early"));
    }
  }

  @Test
  void anEventFarInThePastOrTheFutureIsStoredInDefaultAndRead() throws Exception {
    // a retention long enough to keep 1999
    try (TestNode node = TestNode.start("--events.retention-days=36500", "--events.retention-check-seconds=1")) {
      String token = node.signUpAndLogIn("clock@example.com", "clock's password");
      String owner = node.query("SELECT id FROM users WHERE username = 'clock@example.com'");
      DeliveryOptions asOwner = new DeliveryOptions(EVENT).addHeader(EventsVerticle.OWNER_HEADER, owner);
      node.eventBus().request(BusAddresses.PUBLISH_EVENT, new DeviceEvent(DeviceEvent.CLOUD_PUBLISHER, "clock/past", "p", FAR_PAST, 60, false),
          asOwner).await(20, TimeUnit.SECONDS);
      node.eventBus().request(BusAddresses.PUBLISH_EVENT, new DeviceEvent(DeviceEvent.CLOUD_PUBLISHER, "clock/future", "f", FAR_FUTURE, 60, false),
          asOwner).await(20, TimeUnit.SECONDS);

      assertEquals("events_default,events_default",
          node.query("SELECT string_agg(tableoid::regclass::text, ',') FROM events WHERE name LIKE 'clock/%'"));
      HttpResponse<String> history = node.get("/v1/history/events", token);
      assertEquals(200, history.statusCode(), history.body());
      List<String> read = new JsonObject(history.body()).getJsonArray("events").stream()
          .map(e -> ((JsonObject) e).getString("name") + " " + ((JsonObject) e).getString("published_at")).toList();
      assertEquals(List.of("clock/future 2100-01-01T00:00:00.001Z", "clock/past 1999-12-31T23:59:59.999Z"), read);
    }
  }

  @Test
  void theRetentionDropsWholeDaysPastTheCutoffAndDeletesOlderRowsElsewhere() throws Exception {
    try (TestNode node = TestNode.start("--events.retention-days=2", "--events.retention-check-seconds=1")) {
      LocalDate today = LocalDate.now(ZoneOffset.UTC);
      LocalDate old = today.minusDays(6);
      // the cutoff is the start of today - 2: a day partition before it, one made by hand across it, and DEFAULT
      try (Connection connection = node.node().database().jdbcConnection(); Statement statement = connection.createStatement()) {
        connection.setAutoCommit(false);
        statement.execute("CREATE TABLE " + EventPartitions.name(old) + " PARTITION OF events FOR VALUES FROM ('" + old + " 00:00:00+00') TO ('"
            + old.plusDays(1) + " 00:00:00+00')");
        statement.execute("CREATE TABLE events_by_hand PARTITION OF events FOR VALUES FROM ('" + today.minusDays(3) + " 00:00:00+00') TO ('"
            + today.minusDays(1) + " 00:00:00+00')");
        statement.execute("INSERT INTO events (device_id, name, data, published_at, ttl, public) VALUES "
            + "('api', 'old-day', 'x', '" + old + " 12:00:00+00', 60, false), "
            + "('api', 'by-hand-before', 'x', '" + today.minusDays(3) + " 23:59:59+00', 60, false), "
            + "('api', 'by-hand-after', 'x', '" + today.minusDays(2) + " 00:00:00+00', 60, false), "
            + "('api', 'default-before', 'x', '" + today.minusDays(20) + " 12:00:00+00', 60, false), "
            + "('api', 'default-after', 'x', '2100-01-01 00:00:00+00', 60, false), "
            + "('api', 'today', 'x', now(), 60, false)");
        connection.commit();
      }
      assertEquals("1", partitions(node, EventPartitions.name(old)), "given the old day's partition");

      TestNode.eventually(WAIT, () -> "0".equals(query(node, "SELECT count(*) FROM pg_class WHERE relname = '" + EventPartitions.name(old) + "'")),
          "the old day dropped as a table");
      assertEquals("0", partitions(node, EventPartitions.name(old)));
      TestNode.eventually(WAIT, () -> count(node, "by-hand-before") == 0 && count(node, "default-before") == 0,
          "the older rows of the partition across the cutoff and of DEFAULT deleted");
      assertEquals(0, count(node, "old-day"));
      assertEquals("1", partitions(node, "events_by_hand"), "a partition the hub did not make is kept");
      for (String kept : List.of("by-hand-after", "default-after", "today")) {
        assertEquals(1, count(node, kept), kept + " kept");
      }
    }
  }

  @Test
  void aDayWhoseDropCannotGetItsLockIsLeftForALaterPassAndTheWriterGoesOn() throws Exception {
    try (TestNode node = TestNode.start("--events.retention-days=2", "--events.retention-check-seconds=1");
         Connection reader = node.node().database().jdbcConnection();
         Connection setUp = node.node().database().jdbcConnection(); Statement statement = setUp.createStatement()) {
      // given a long query holding events (ACCESS SHARE), which a DROP of a partition must wait for
      reader.setAutoCommit(false);
      reader.createStatement().execute("LOCK TABLE ONLY events IN ACCESS SHARE MODE");
      // and an old day attached meanwhile (ATTACH does not wait for readers)
      LocalDate old = LocalDate.now(ZoneOffset.UTC).minusDays(6);
      String table = EventPartitions.name(old);
      setUp.setAutoCommit(false);
      statement.execute("CREATE TABLE " + table + " (LIKE events INCLUDING DEFAULTS)");
      statement.execute("INSERT INTO " + table + " (device_id, name, data, published_at, ttl, public) VALUES ('api', 'old-day', 'x', '"
          + old + " 12:00:00+00', 60, false)");
      statement.execute("ALTER TABLE events ATTACH PARTITION " + table + " FOR VALUES FROM ('" + old + " 00:00:00+00') TO ('"
          + old.plusDays(1) + " 00:00:00+00')");
      setUp.commit();

      // passes come and go: each DROP gives up after its lock timeout, and events are still written meanwhile
      String token = node.signUpAndLogIn("writer@example.com", "writer's password");
      long started = System.nanoTime();
      for (int i = 0; i < 5; i++) {
        assertEquals(200, node.post("/v1/devices/events", new JsonObject().put("name", "meanwhile").put("data", "x").encode(), token).statusCode());
        Thread.sleep(500);
      }
      TestNode.eventually(WAIT, () -> count(node, "meanwhile") == 5, "the events published meanwhile stored");
      assertEquals("1", partitions(node, table), "the old day still there while the reader holds the table");
      assertEquals(1, count(node, "old-day"), "and not deleted row by row either");
      assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(10), "nothing waited for the reader");

      reader.rollback();
      TestNode.eventually(WAIT, () -> "0".equals(query(node, "SELECT count(*) FROM pg_class WHERE relname = '" + table + "'")),
          "dropped at a pass once the reader is gone");
    }
  }

  @Test
  void aBatchWrittenAgainStoresNothingTwice(Vertx vertx) throws Exception {
    try (TestNode node = TestNode.start()) {
      Pool pool = PgBuilder.pool().connectingTo(node.node().database().connectOptions()).using(vertx).build();
      try {
        long first = Long.parseLong(node.query("SELECT nextval('events_id_seq')"));
        // a row of today's partition and two of DEFAULT, as the writer binds them
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        Tuple batch = Tuple.of(new String[] {"api", "api", "api"}, new String[] {"again", "again", "again"}, new String[] {"now", "past", "future"},
                new OffsetDateTime[] {now, utc(FAR_PAST), utc(FAR_FUTURE)}, new Integer[] {60, 60, 60}, new Boolean[] {false, false, false},
                new Long[] {null, null, null})
            .addArrayOfLong(new Long[] {first, first + 1, first + 2}).addArrayOfInteger(new Integer[] {null, null, null});

        int written = pool.preparedQuery(EventStatements.INSERT).execute(batch).await(10, TimeUnit.SECONDS).rowCount();
        int writtenAgain = pool.preparedQuery(EventStatements.INSERT).execute(batch).await(10, TimeUnit.SECONDS).rowCount();

        assertEquals(3, written);
        assertEquals(0, writtenAgain, "a retried batch finds its rows by (id, published_at)");
        assertEquals(3, count(node, "again"));
      } finally {
        pool.close();
      }
    }
  }

  private static OffsetDateTime utc(long millis) {
    return OffsetDateTime.ofInstant(java.time.Instant.ofEpochMilli(millis), ZoneOffset.UTC);
  }

  /** How many partitions of events have this name: 1 or 0. */
  private static String partitions(TestNode node, String table) throws Exception {
    return node.query("SELECT count(*) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        + "WHERE i.inhparent = 'events'::regclass AND c.relname = '" + table + "'");
  }

  private static long count(TestNode node, String name) {
    try {
      return node.countEvents("api", name);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static String query(TestNode node, String sql) {
    try {
      return node.query(sql);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
