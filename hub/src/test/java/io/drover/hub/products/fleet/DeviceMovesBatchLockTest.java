package io.drover.hub.products.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.drover.hub.storage.DeviceBatchLock;
import io.drover.hub.support.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The statements that move many devices between products (an import, a product's deletion) also update
 * their device_connectivity rows, through the trigger that keeps its copy of product_id: they wait for
 * {@link DeviceBatchLock}, so they never lock those rows while a connectivity or last_heard batch does.
 */
class DeviceMovesBatchLockTest {

  /** Unlocked, the move is answered within this. */
  private static final long HELD_MS = 1_500;

  private static TestNode node;
  private static FleetFixture fleet;
  private static String alice;
  private static String operator;

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.start();
    fleet = new FleetFixture(node);
    operator = node.createAdministrator("operator@example.com", "the administrator");
    alice = node.signUpAndLogIn("alice@example.com", "alice's password");
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @Test
  void anImportWaitsForTheDeviceBatchLock() throws Exception {
    int product = fleet.product("imported", "alice@example.com");
    List<String> ids = fleet.devices(3, null);

    HttpResponse<String> response = whileLockHeld(
        () -> node.post("/v1/products/" + product + "/devices", new JsonObject().put("ids", new JsonArray(ids)).encode(), operator),
        () -> assertNull(connectivityProduct(ids.get(0)), "no device joined while a batch holds the lock"));

    assertEquals(200, response.statusCode(), response.body());
    assertEquals(new JsonArray(ids), new JsonObject(response.body()).getJsonArray("updatedDeviceIds"));
    for (String id : ids) {
      assertEquals(String.valueOf(product), connectivityProduct(id), "the connectivity row's copy follows the move");
    }
  }

  @Test
  void aProductsDeletionWaitsForTheDeviceBatchLock() throws Exception {
    int product = fleet.product("deleted", "alice@example.com");
    List<String> ids = fleet.devices(3, product);

    HttpResponse<String> response = whileLockHeld(() -> node.send("DELETE", "/v1/products/" + product, null, alice),
        () -> assertEquals(String.valueOf(product), connectivityProduct(ids.get(0)), "still in the product while a batch holds the lock"));

    assertEquals(204, response.statusCode(), response.body());
    assertNull(node.query("SELECT id FROM products WHERE id = " + product));
    for (String id : ids) {
      assertNull(node.query("SELECT product_id FROM devices WHERE id = '" + id + "'"));
      assertNull(connectivityProduct(id), "the connectivity row's copy follows the device out");
    }
  }

  /**
   * A batch's transaction (the lock, then one device's connectivity row) and an import of that device
   * with others: unlocked, the import would update the others' rows first (the trigger fires in the
   * join's order, the devices' order here), then wait for the batch's row while the batch goes on to
   * the others' rows, a deadlock (40P01) that fails one side. Under the lock the import waits before
   * touching any row, and both succeed.
   */
  @Test
  void anImportAndABatchDoNotDeadlock() throws Exception {
    int product = fleet.product("raced", "alice@example.com");
    List<String> ids = fleet.devices(3, null);
    String last = ids.get(ids.size() - 1);
    String[] others = ids.subList(0, ids.size() - 1).toArray(new String[0]);
    try (Connection batch = node.node().database().jdbcConnection()) {
      batch.setAutoCommit(false);
      batch.createStatement().execute("SET LOCAL statement_timeout = '15s'");
      batch.createStatement().execute(DeviceBatchLock.LOCK);
      batch.createStatement().execute("UPDATE device_connectivity SET last_heard = now() WHERE device_id = '" + last + "'");
      CompletableFuture<HttpResponse<String>> answer = async(
          () -> node.post("/v1/products/" + product + "/devices", new JsonObject().put("ids", new JsonArray(ids)).encode(), operator));
      TestNode.eventually(Duration.ofSeconds(10), DeviceMovesBatchLockTest::importWaits, "the import waits for the batch");
      try (PreparedStatement rest = batch.prepareStatement("UPDATE device_connectivity SET last_heard = now() WHERE device_id = ANY(?)")) {
        rest.setArray(1, batch.createArrayOf("text", others));
        assertEquals(others.length, rest.executeUpdate(), "the batch's other rows, not held by the import");
      }
      batch.commit();

      HttpResponse<String> response = answer.get(10, TimeUnit.SECONDS);
      assertEquals(200, response.statusCode(), response.body());
      assertEquals(new JsonArray(ids), new JsonObject(response.body()).getJsonArray("updatedDeviceIds"));
    }
  }

  /** A transaction waits for a lock in the import's statement or in the lock it takes first. */
  private static boolean importWaits() {
    try {
      return !"0".equals(node.query("""
          SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'
            AND (query LIKE '%WITH found AS%' OR query LIKE '%pg_advisory_xact_lock%')"""));
    } catch (Exception e) {
      return false;
    }
  }

  /**
   * Holds the lock from another connection, as a batch on another node would, starts {@code move} and
   * checks it is not answered while held; then releases the lock and returns the answer.
   */
  private static <T> T whileLockHeld(Callable<T> move, CheckedRunnable whileHeld) throws Exception {
    try (Connection other = node.node().database().jdbcConnection()) {
      other.setAutoCommit(false);
      other.createStatement().execute(DeviceBatchLock.LOCK);
      CompletableFuture<T> answer;
      try {
        answer = async(move);
        Thread.sleep(HELD_MS);
        assertFalse(answer.isDone(), "not answered while another transaction holds the lock");
        whileHeld.run();
      } finally {
        other.rollback();
      }
      return answer.get(10, TimeUnit.SECONDS);
    }
  }

  private static <T> CompletableFuture<T> async(Callable<T> call) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return call.call();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
  }

  private static String connectivityProduct(String deviceId) throws Exception {
    return node.query("SELECT product_id FROM device_connectivity WHERE device_id = '" + deviceId + "'");
  }

  private interface CheckedRunnable {
    void run() throws Exception;
  }
}
