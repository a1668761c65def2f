package io.drover.hub.integrations.delivery;

import io.drover.hub.HubAddresses;
import io.drover.hub.devices.SecretSealer;
import io.drover.hub.support.TestNode;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Writes integrations' rows as the integrations API does (V18's contract): settings without secrets,
 * the secrets sealed with the node's master key and the id as associated data, then the change notice.
 */
final class IntegrationRows {

  private IntegrationRows() {
  }

  static String newId() {
    StringBuilder id = new StringBuilder();
    for (int i = 0; i < 24; i++) {
      id.append(Character.forDigit(ThreadLocalRandom.current().nextInt(16), 16));
    }
    return id.toString();
  }

  /** @param userId the sandbox's account, or null with {@code productId}; {@code secrets} null when none */
  static String create(TestNode node, Long userId, Integer productId, String event, String deviceId, JsonObject settings, JsonObject secrets)
      throws Exception {
    return create(node, node.dataDir().resolve(SecretSealer.FILE_NAME), userId, productId, event, deviceId, settings, secrets);
  }

  /** @param masterKey the node's {@code secrets.master-key-file} */
  static String create(TestNode node, java.nio.file.Path masterKey, Long userId, Integer productId, String event, String deviceId,
      JsonObject settings, JsonObject secrets) throws Exception {
    return create(node, masterKey, "Webhook", userId, productId, event, deviceId, settings, secrets);
  }

  /** @param type {@code Webhook}, {@code AzureIotHub} or {@code GoogleCloudPubSub}, written as given: the API's checks are not made */
  static String create(TestNode node, java.nio.file.Path masterKey, String type, Long userId, Integer productId, String event, String deviceId,
      JsonObject settings, JsonObject secrets) throws Exception {
    String id = newId();
    SecretSealer sealer = SecretSealer.loadAtStart(masterKey);
    try (Connection connection = node.node().database().jdbcConnection();
         PreparedStatement insert = connection.prepareStatement("""
             INSERT INTO integrations (id, user_id, product_id, integration_type, event, device_id, settings, sealed_secrets)
             VALUES (?, ?, ?, ?, ?, ?, ?::jsonb, ?)""")) {
      insert.setString(1, id);
      insert.setObject(2, userId);
      insert.setObject(3, productId);
      insert.setString(4, type);
      insert.setString(5, event);
      insert.setString(6, deviceId);
      insert.setString(7, settings.encode());
      insert.setBytes(8, secrets == null ? null : sealer.seal(id, secrets.encode()));
      insert.executeUpdate();
    }
    changed(node, id);
    return id;
  }

  /** The API's notice; a request rather than a publish so the test knows when this node has reloaded it. */
  static void changed(TestNode node, String id) throws Exception {
    node.eventBus().request(HubAddresses.INTEGRATIONS_CHANGED, new JsonObject().put("id", id)).await(10, TimeUnit.SECONDS);
  }

  static void execute(TestNode node, String sql, Object... parameters) throws Exception {
    try (Connection connection = node.node().database().jdbcConnection(); PreparedStatement statement = connection.prepareStatement(sql)) {
      for (int i = 0; i < parameters.length; i++) {
        statement.setObject(i + 1, parameters[i]);
      }
      statement.executeUpdate();
    }
  }

  static long count(TestNode node, String sql, Object... parameters) throws Exception {
    try (Connection connection = node.node().database().jdbcConnection(); PreparedStatement statement = connection.prepareStatement(sql)) {
      for (int i = 0; i < parameters.length; i++) {
        statement.setObject(i + 1, parameters[i]);
      }
      try (var rows = statement.executeQuery()) {
        rows.next();
        return rows.getLong(1);
      }
    }
  }
}
