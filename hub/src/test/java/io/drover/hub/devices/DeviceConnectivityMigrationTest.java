package io.drover.hub.devices;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.drover.hub.support.TestPostgres;
import java.net.URI;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;

/**
 * The device's connectivity moved out of devices into device_connectivity (V24): existing rows are
 * copied over, the columns and their indexes leave devices, every device gets its row, and the row's
 * copy of product_id follows every statement that moves a device, whatever its form.
 */
class DeviceConnectivityMigrationTest {

  private static final String ONLINE = "0000000000000000000000a1";
  private static final String NEVER_HEARD = "0000000000000000000000a2";

  @Test
  void connectivityStoredBeforeTheMoveIsKeptAndTheOldColumnsAreGone() throws Exception {
    String url = migratedTo("23");
    try (Connection connection = TestPostgres.connect(url); Statement statement = connection.createStatement()) {
      int product = product(statement, "before");
      statement.execute("""
          INSERT INTO devices (id, secret_hash, product_id, online, session_id, gateway_node, last_ip_address, last_handshake_at, last_heard)
          VALUES ('%s', '\\x00', %d, true, 'session-1', 'node-1', '192.0.2.7', '2026-12-01 10:00:00+00', '2026-12-01 10:05:00.123+00'),
                 ('%s', '\\x00', NULL, false, NULL, NULL, NULL, NULL, NULL)""".formatted(ONLINE, product, NEVER_HEARD));
    }
    migrate(url, null);
    try (Connection connection = TestPostgres.connect(url); Statement statement = connection.createStatement()) {
      assertEquals(List.of(
              ONLINE + "|" + productOf(statement, "before") + "|t|session-1|node-1|192.0.2.7|2026-12-01 10:00:00+00|2026-12-01 10:05:00.123+00",
              NEVER_HEARD + "|f"),
          rows(statement, """
              SELECT concat_ws('|', device_id, product_id, online, session_id, gateway_node, last_ip_address, last_handshake_at, last_heard)
              FROM device_connectivity ORDER BY device_id"""),
          "each device's connectivity kept, the online one's session and last heard included");
      assertEquals(List.of(), rows(statement, """
              SELECT attname FROM pg_attribute WHERE attrelid = 'devices'::regclass AND NOT attisdropped
                AND attname IN ('online', 'session_id', 'gateway_node', 'last_ip_address', 'last_handshake_at', 'last_heard')"""),
          "the columns are gone from devices");
      assertEquals(List.of("devices_by_owner", "devices_by_product", "devices_name_per_owner", "devices_pkey", "devices_product_by_firmware",
              "devices_product_by_id", "devices_product_by_name", "devices_product_by_serial", "devices_public_key_key"),
          rows(statement, "SELECT indexname FROM pg_indexes WHERE tablename = 'devices' ORDER BY indexname"),
          "the indexes of the moved columns went with them");
      assertEquals(List.of("device_connectivity_online_by_gateway_node", "device_connectivity_pkey", "device_connectivity_product_by_last_heard"),
          rows(statement, "SELECT indexname FROM pg_indexes WHERE tablename = 'device_connectivity' ORDER BY indexname"));
    }
  }

  @Test
  void theProductIdCopyFollowsEveryMoveInsertAndRemoval() throws Exception {
    String url = migratedTo(null);
    try (Connection connection = TestPostgres.connect(url); Statement statement = connection.createStatement()) {
      int first = product(statement, "first");
      int second = product(statement, "second");
      // a bulk provisioning: one statement, 1,000 devices, half of them in a product
      statement.execute("""
          INSERT INTO devices (id, secret_hash, product_id)
          SELECT lpad(to_hex(i), 24, '0'), '\\x00', CASE WHEN i %% 2 = 0 THEN %d END FROM generate_series(1, 1000) i""".formatted(first));
      assertEquals("1000", one(statement, "SELECT count(*) FROM device_connectivity"), "every device inserted has its row");
      assertNoDrift(statement, "after the insert");

      // a move of one device, a bulk move (an import's form), a move to no product (a removal)
      statement.execute("UPDATE devices SET product_id = " + second + " WHERE id = lpad(to_hex(2), 24, '0')");
      assertEquals(String.valueOf(second), one(statement, "SELECT product_id FROM device_connectivity WHERE device_id = lpad(to_hex(2), 24, '0')"));
      statement.execute("UPDATE devices d SET product_id = " + second + " FROM generate_series(1, 300) i WHERE d.id = lpad(to_hex(i), 24, '0')");
      statement.execute("UPDATE devices SET product_id = NULL, development = false WHERE id = lpad(to_hex(4), 24, '0') AND product_id = " + second);
      // an update that moves nothing, and one that names product_id without changing it
      statement.execute("UPDATE devices SET name = 'renamed', product_id = product_id WHERE id = lpad(to_hex(6), 24, '0')");
      assertNoDrift(statement, "after the moves");
      assertEquals("299", one(statement, "SELECT count(*) FROM device_connectivity WHERE product_id = " + second));

      // a product deleted: its devices' product_id is set to null by the foreign key's action
      statement.execute("DELETE FROM products WHERE id = " + second);
      assertNoDrift(statement, "after a product's deletion");
      assertEquals("0", one(statement, "SELECT count(*) FROM device_connectivity WHERE product_id = " + second));

      // an insert that meets an existing device and moves it (ON CONFLICT DO UPDATE), and a deletion
      statement.execute("""
          INSERT INTO devices (id, secret_hash, product_id) VALUES (lpad(to_hex(1), 24, '0'), '\\x00', %d), (lpad(to_hex(5000), 24, '0'), '\\x00', %d)
          ON CONFLICT (id) DO UPDATE SET product_id = excluded.product_id""".formatted(first, first));
      statement.execute("DELETE FROM devices WHERE id = lpad(to_hex(3), 24, '0')");
      assertNoDrift(statement, "after an upsert and a deletion");
      assertEquals("1000", one(statement, "SELECT count(*) FROM device_connectivity"), "one row gone with its device, one came with the new one");
    }
  }

  private static void assertNoDrift(Statement statement, String when) throws Exception {
    assertEquals(List.of(), rows(statement, """
            SELECT coalesce(d.id, c.device_id) || ' ' || coalesce(d.product_id::text, '-') || ' ' || coalesce(c.product_id::text, '-')
            FROM devices d FULL JOIN device_connectivity c ON c.device_id = d.id
            WHERE d.id IS NULL OR c.device_id IS NULL OR c.product_id IS DISTINCT FROM d.product_id"""),
        "every device has its connectivity row, with the device's product, " + when);
  }

  /** A new database migrated up to {@code target}, or to the latest version when null. */
  private static String migratedTo(String target) {
    String url = TestPostgres.newDatabase();
    migrate(url, target);
    return url;
  }

  private static void migrate(String url, String target) {
    URI uri = URI.create(url);
    var flyway = Flyway.configure().dataSource("jdbc:postgresql://" + uri.getHost() + ":" + uri.getPort() + uri.getPath(), "postgres", "")
        .locations("classpath:db/migration");
    if (target != null) {
      flyway.target(target);
    }
    flyway.load().migrate();
  }

  private static int product(Statement statement, String slug) throws Exception {
    statement.execute("INSERT INTO users (username, password_hash) VALUES ('" + slug + "@example.com', 'x')");
    statement.execute("INSERT INTO products (slug, name, platform_id, owner_id) SELECT '" + slug + "', '" + slug
        + "', 6, id FROM users WHERE username = '" + slug + "@example.com'");
    return productOf(statement, slug);
  }

  private static int productOf(Statement statement, String slug) throws Exception {
    return Integer.parseInt(one(statement, "SELECT id FROM products WHERE slug = '" + slug + "'"));
  }

  private static String one(Statement statement, String sql) throws Exception {
    List<String> rows = rows(statement, sql);
    return rows.isEmpty() ? null : rows.get(0);
  }

  private static List<String> rows(Statement statement, String sql) throws Exception {
    List<String> rows = new ArrayList<>();
    try (ResultSet result = statement.executeQuery(sql)) {
      while (result.next()) {
        rows.add(result.getString(1));
      }
    }
    return rows;
  }
}
