package io.drover.hub.integrations.delivery;

import io.drover.hub.devices.SecretSealer;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads integrations' rows (the table of V18, written by the integrations API) into compiled
 * {@link Integration}s: settings as they are, the sealed secrets opened with the node's key (the
 * integration's id as associated data). Webhooks compile to a {@link Webhook}, the Azure IoT Hub and
 * Google Cloud Pub/Sub types to their {@link CloudTarget}.
 */
final class IntegrationRepository {

  private static final Logger LOG = LoggerFactory.getLogger(IntegrationRepository.class);
  private static final String COLUMNS = "id, user_id, product_id, integration_type, event, device_id, settings, sealed_secrets, disabled";
  private static final String ALL = "SELECT " + COLUMNS + " FROM integrations";
  private static final String ONE = "SELECT " + COLUMNS + " FROM integrations WHERE id = $1";

  private final Pool pool;
  private final SecretSealer sealer;

  IntegrationRepository(Pool pool, SecretSealer sealer) {
    this.pool = pool;
    this.sealer = sealer;
  }

  Future<List<Integration>> all() {
    return pool.query(ALL).execute().map(rows -> {
      List<Integration> all = new ArrayList<>();
      for (Row row : rows) {
        all.add(of(row));
      }
      return all;
    });
  }

  /** @return null when there is no such integration (deleted) */
  Future<Integration> one(String id) {
    return pool.preparedQuery(ONE).execute(Tuple.of(id)).map(rows -> rows.size() == 0 ? null : of(rows.iterator().next()));
  }

  private Integration of(Row row) {
    String id = row.getString("id");
    Object settingsValue = row.getValue("settings");
    JsonObject settings = settingsValue instanceof JsonObject object ? object : new JsonObject(String.valueOf(settingsValue));
    JsonObject secrets = new JsonObject();
    io.vertx.core.buffer.Buffer sealed = row.getBuffer("sealed_secrets");
    if (sealed != null) {
      try {
        secrets = new JsonObject(sealer.open(id, sealed.getBytes()));
      } catch (RuntimeException e) {
        // a key that is not this node's, or a damaged row: its deliveries fail (dead letters) rather than go without their credentials
        LOG.warn("integration secrets cannot be opened: its deliveries fail [integration: {}, cause: {}]", id, e.getMessage());
        secrets = null;
      }
    }
    Long user = row.getLong("user_id");
    Integer product = row.getInteger("product_id");
    String type = row.getString("integration_type");
    CloudTarget cloud = switch (type) {
      case "AzureIotHub" -> AzureIotHub.compile(settings, secrets);
      case "GoogleCloudPubSub" -> PubSub.compile(settings, secrets);
      default -> null;
    };
    return new Integration(id, user, product, row.getString("event"), row.getString("device_id"), row.getBoolean("disabled"),
        cloud == null ? Webhook.compile(id, settings, secrets, product != null) : null, cloud);
  }
}
