package io.drover.hub.integrations.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.HubAddresses;
import io.drover.hub.support.TestNode;
import io.drover.hub.support.TestPostgres;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * At least once across a node's death: hub node A accepts an event (committed with its outbox row,
 * claimed by A) and sends it to a receiver that hangs; A stops while the request is in flight, so its
 * claim stays in the database. Node B, on the same database, must not send it while A's lease runs,
 * and must send it once the lease has run out. The two nodes share the database and the master key,
 * as a cluster's hub nodes do.
 */
class AtLeastOnceTest {

  private static final int LEASE_SECONDS = 15;
  private static final Duration WAIT = Duration.ofSeconds(40);
  private static Vertx vertx;
  private static WebhookReceiver receiver;
  private static final List<TestNode> nodes = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    receiver = WebhookReceiver.start(vertx);
  }

  @AfterAll
  static void stop() throws Exception {
    for (TestNode node : nodes) {
      node.close();
    }
    receiver.close();
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private static TestNode node(String database, Path masterKey, String... extra) throws Exception {
    List<String> flags = new ArrayList<>(List.of("--secrets.master-key-file=" + masterKey, "--integrations.poll-interval-ms=200",
        "--integrations.timeout-seconds=5", "--integrations.lease-seconds=" + LEASE_SECONDS, "--integrations.retry-seconds=1"));
    flags.addAll(List.of(extra));
    TestNode node = TestNode.startMember(database, flags);
    nodes.add(node);
    return node;
  }

  @Test
  void rowsOfANodeThatDiedAreDeliveredByAnotherOnceItsLeaseRunsOutAndNotBefore() throws Exception {
    String database = TestPostgres.newDatabase();
    Path masterKey = Files.createTempDirectory("drover-key").resolve("master-key");
    TestNode a = node(database, masterKey, "--integrations.allow-private-targets=true");
    String token = a.signUpAndLogIn("lease@example.com", "a long enough password");
    long user = Long.parseLong(a.query("SELECT id FROM users WHERE username = 'lease@example.com'"));
    String id = IntegrationRows.create(a, masterKey, user, null, "lease", null,
        new JsonObject().put("url", receiver.url("/hangable?hook=lease")), new JsonObject().put("headers", new JsonObject().put("X-Key", "k")));
    receiver.hanging.set(true);

    assertEquals(200, a.post("/v1/devices/events", new JsonObject().put("name", "lease").put("data", "1").encode(), token).statusCode());
    WebhookReceiver.Received first = receiver.await(r -> r.uri().contains("hook=lease"), WAIT);
    assertEquals("1", IntegrationRows.count(a, "SELECT count(*) FROM integration_outbox WHERE integration_id = ? AND claimed_by IS NOT NULL", id) + "",
        "the row is claimed by A while A sends it");
    a.close();
    nodes.remove(a);
    receiver.hanging.set(false);

    TestNode b = node(database, masterKey, "--integrations.allow-private-targets=true");
    WebhookReceiver.Received second = receiver.await(r -> r != first && r.uri().contains("hook=lease"), WAIT);
    long waited = TimeUnit.NANOSECONDS.toMillis(second.atNanos() - first.atNanos());
    assertTrue(waited >= (LEASE_SECONDS - 2) * 1000L, "B claimed the row only after A's lease ran out, " + waited + " ms after A's request");
    assertEquals("k", second.headers().get("X-Key"), "B opens the secrets with the shared master key");
    TestNode.eventually(WAIT, () -> rows(b, id) == 0, "B deletes the delivered row");
    Thread.sleep(1000);
    assertEquals(2, receiver.matching(r -> r.uri().contains("hook=lease")).size(), "delivered at least once, and by B only once");
    JsonArray attempts = b.eventBus().<JsonObject>request(HubAddresses.INTEGRATIONS_LOG, new JsonObject().put("id", id).put("kind", "attempts"))
        .await(10, TimeUnit.SECONDS).body().getJsonArray("attempts");
    assertEquals("success", attempts.getJsonObject(0).getString("outcome"));
  }

  @Test
  void twoNodesClaimingTheSameOutboxAtOnceNeverSendADeliveryTwice() throws Exception {
    String database = TestPostgres.newDatabase();
    Path masterKey = Files.createTempDirectory("drover-key").resolve("master-key");
    // each node holds at most 50 deliveries at once, so neither can claim all the rows in one go
    TestNode a = node(database, masterKey, "--integrations.allow-private-targets=true",
        "--integrations.queue-capacity=50");
    TestNode b = node(database, masterKey, "--integrations.allow-private-targets=true",
        "--integrations.queue-capacity=50");
    a.signUpAndLogIn("claims@example.com", "a long enough password");
    long user = Long.parseLong(a.query("SELECT id FROM users WHERE username = 'claims@example.com'"));
    String id = IntegrationRows.create(a, masterKey, user, null, "claim", null, new JsonObject().put("url", receiver.url("/delay/20?hook=claims")), null);
    IntegrationRows.changed(b, id);
    int rows = 400;

    // rows no node holds yet, as the writer leaves them when its node has no room: both nodes poll for them at once
    IntegrationRows.execute(a, """
        WITH e AS (INSERT INTO events (device_id, name, data, published_at, ttl, public, owner_id)
                   SELECT 'api', 'claim', g::text, now(), 60, false, ? FROM generate_series(1, ?) g RETURNING id)
        INSERT INTO integration_outbox (event_id, integration_id) SELECT id, ? FROM e""", user, rows, id);

    TestNode.eventually(WAIT, () -> receiver.matching(r -> r.uri().contains("hook=claims")).size() >= rows, "every row is delivered");
    TestNode.eventually(WAIT, () -> rows(a, id) == 0, "and settled");
    Thread.sleep(1000);
    List<WebhookReceiver.Received> sent = receiver.matching(r -> r.uri().contains("hook=claims"));
    assertEquals(rows, sent.size(), "no row was sent twice");
    assertEquals(rows, sent.stream().map(r -> r.body().replaceAll(".*data=([0-9]+).*", "$1")).distinct().count(), "each event once");
    double byA = a.metric("drover_integration_deliveries_total{outcome=\"success\"}");
    double byB = b.metric("drover_integration_deliveries_total{outcome=\"success\"}");
    assertEquals(rows, byA + byB, "the nodes' successes add up to the rows");
    assertTrue(byA > 0 && byB > 0, "both nodes claimed rows at once (a: " + byA + ", b: " + byB + ")");
  }

  @Test
  void loopbackAndLinkLocalTargetsAreRefusedUnlessAllowed() throws Exception {
    String database = TestPostgres.newDatabase();
    TestNode node = node(database, Files.createTempDirectory("drover-key").resolve("master-key"));
    String token = node.signUpAndLogIn("private@example.com", "a long enough password");
    long user = Long.parseLong(node.query("SELECT id FROM users WHERE username = 'private@example.com'"));
    String loopback = IntegrationRows.create(node, user, null, "private", null, new JsonObject().put("url", receiver.url("/ok/0?hook=private")), null);
    String named = IntegrationRows.create(node, user, null, "private", null,
        new JsonObject().put("url", "http://localhost:" + receiver.port() + "/ok/0?hook=private-name"), null);
    String metadata = IntegrationRows.create(node, user, null, "private", null, new JsonObject().put("url", "http://169.254.169.254/latest/meta-data/"),
        null);

    assertEquals(200, node.post("/v1/devices/events", new JsonObject().put("name", "private").put("data", "1").encode(), token).statusCode());

    assertRefused(node, loopback, "target refused: 127.0.0.1 is a loopback address; integrations.allow-private-targets is false");
    assertRefused(node, named, "target refused: localhost (127.0.0.1) is a loopback address; integrations.allow-private-targets is false");
    assertRefused(node, metadata, "target refused: 169.254.169.254 is a link-local address (169.254.0.0/16, cloud metadata endpoints); "
        + "integrations.allow-private-targets is false");
    assertTrue(receiver.matching(r -> r.uri().contains("hook=private")).isEmpty(), "nothing reached the loopback receiver");
  }

  private static void assertRefused(TestNode node, String id, String error) throws Exception {
    TestNode.eventually(WAIT, () -> deadLetters(node, id).size() == 1, "a refused target is a dead letter at once, not retried");
    assertEquals(error, deadLetters(node, id).getJsonObject(0).getString("last_error"));
    assertEquals(1, deadLetters(node, id).getJsonObject(0).getInteger("attempts"));
  }

  private static JsonArray deadLetters(TestNode node, String id) {
    return node.eventBus().<JsonObject>request(HubAddresses.INTEGRATIONS_LOG, new JsonObject().put("id", id).put("kind", "dead_letters"))
        .await().body().getJsonArray("dead_letters");
  }

  private static long rows(TestNode node, String id) {
    try {
      return IntegrationRows.count(node, "SELECT count(*) FROM integration_outbox WHERE integration_id = ?", id);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
