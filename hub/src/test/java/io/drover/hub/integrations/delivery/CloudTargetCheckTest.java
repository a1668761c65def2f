package io.drover.hub.integrations.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.HubAddresses;
import io.drover.hub.devices.SecretSealer;
import io.drover.hub.support.ServiceAccountKeys;
import io.drover.hub.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A node with the default target policy (loopback refused) whose cloud endpoints and a service
 * account key's token URI point at this machine: the send-time target check refuses each request
 * before it leaves (rows written straight to the table, past the API's create-time check, as a row
 * whose name later resolves to loopback would be), and the stand-ins receive nothing.
 */
class CloudTargetCheckTest {

  private static Vertx vertx;
  private static FakeIotHub hub;
  private static FakeGoogle google;
  private static TestNode node;
  private static long userId;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    hub = FakeIotHub.start(vertx, "refused-hub", "device", "cG9saWN5LWtleQ==");
    google = FakeGoogle.start(vertx);
    node = TestNode.start("--integrations.azure-endpoint=http://127.0.0.1:" + hub.port(),
        "--integrations.pubsub-endpoint=http://127.0.0.1:" + google.port());
    node.signUpAndLogIn("refused@example.com", "a long enough password");
    userId = Long.parseLong(node.query("SELECT id FROM users WHERE username = 'refused@example.com'"));
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
    hub.close();
    google.close();
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private static JsonObject test(String id) throws Exception {
    return node.eventBus().<JsonObject>request(HubAddresses.INTEGRATIONS_TEST, new JsonObject().put("id", id).put("data", "x"))
        .await(10, TimeUnit.SECONDS).body();
  }

  @Test
  void aTokenRequestToLoopbackIsRefusedAtSendTime() throws Exception {
    var account = ServiceAccountKeys.rsa();
    google.accounts.put("svc@drover-test.iam.gserviceaccount.com", account.getPublic());
    String id = IntegrationRows.create(node, node.dataDir().resolve(SecretSealer.FILE_NAME), "GoogleCloudPubSub", userId, null, "t", null,
        new JsonObject().put("topic", "projects/p/topics/t"),
        new JsonObject().put("service_account_key", ServiceAccountKeys.file(account.getPrivate(), "svc@drover-test.iam.gserviceaccount.com",
            google.tokenUri())));

    JsonObject answer = test(id);

    assertEquals(false, answer.getBoolean("pass"), answer.encode());
    assertTrue(answer.getJsonObject("data").getString("error").startsWith("access token not obtained from 127.0.0.1: target refused: 127.0.0.1 is a loopback address"),
        answer.encode());
    assertEquals(0, google.tokenRequests.get(), "the token endpoint on loopback got nothing");
    assertTrue(google.published.isEmpty());
  }

  @Test
  void anAzureMessageToLoopbackIsRefusedAtSendTime() throws Exception {
    String id = IntegrationRows.create(node, node.dataDir().resolve(SecretSealer.FILE_NAME), "AzureIotHub", userId, null, "a", null,
        new JsonObject().put("hub_name", "refused-hub").put("policy_name", "device"), new JsonObject().put("policy_key", "cG9saWN5LWtleQ=="));

    JsonObject answer = test(id);

    assertEquals(false, answer.getBoolean("pass"), answer.encode());
    assertTrue(answer.getJsonObject("data").getString("error").startsWith("target refused: 127.0.0.1 is a loopback address"), answer.encode());
    assertTrue(hub.received.isEmpty(), "the hub on loopback got nothing");
  }
}
