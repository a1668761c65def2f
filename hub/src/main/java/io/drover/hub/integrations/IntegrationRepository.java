package io.drover.hub.integrations;

import io.drover.hub.devices.SecretSealer;
import io.drover.hub.http.ApiException;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.security.SecureRandom;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The integrations table (V18), the one way to it. For the API every statement names the owner, so an
 * integration of another account or product is never read, changed or removed (it is simply not
 * found). For the delivery engine, {@link #all} and {@link #one} read rows of any owner into its
 * index. Secrets are sealed here, with the integration's id as associated data, and opened only for
 * {@link #find} and the engine.
 */
public final class IntegrationRepository {

  private static final Logger LOG = LoggerFactory.getLogger(IntegrationRepository.class);
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String COLUMNS = """
      id, user_id, product_id, integration_type, event, device_id, settings, sealed_secrets, disabled, created_at, updated_at""";

  /**
   * The condition "owned by {@code owner}, of the type in the next parameter (or any, when null)", its
   * owner in parameter {@code $first} and the type in {@code $first+1}: each owner kind its own column,
   * so that the partial indexes of V18 serve it.
   */
  private static String owned(Owner owner, int first) {
    return (owner.userId() != null ? "user_id = $" : "product_id = $") + first
        + " AND ($" + (first + 1) + "::text IS NULL OR integration_type = $" + (first + 1) + ")";
  }

  private final Pool pool;
  private final SecretSealer sealer;

  public IntegrationRepository(Pool pool, SecretSealer sealer) {
    this.pool = pool;
    this.sealer = sealer;
  }

  /** Whose integrations: an account's sandbox, or a product's. */
  public record Owner(Long userId, Integer productId) {

    public static Owner account(long userId) {
      return new Owner(userId, null);
    }

    public static Owner product(int productId) {
      return new Owner(null, productId);
    }

    /** The owner column's value: the account's id or the product's. */
    Object key() {
      return userId != null ? (Object) userId : productId;
    }

    String describe() {
      return userId != null ? "This account" : "Product " + productId;
    }
  }

  /** One stored integration, its secrets opened (null when they could not be: {@link #all}, {@link #one}). */
  public record Stored(String id, Owner owner, String type, String event, String deviceId, JsonObject settings, JsonObject secrets, boolean disabled,
      OffsetDateTime createdAt, OffsetDateTime updatedAt) {
  }

  /**
   * Inserts a new integration unless its owner holds {@code max} already: the count and the insert
   * run under a transaction-scoped advisory lock on the owner, so two concurrent creates cannot both
   * pass the count.
   */
  Future<Stored> create(Owner owner, IntegrationInput.Spec spec, Long createdBy, int max) {
    String id = newId();
    byte[] sealed = spec.secrets().isEmpty() ? null : sealer.seal(id, spec.secrets().encode());
    return pool.withTransaction(connection -> lockOwner(connection, owner)
        .compose(locked -> connection.preparedQuery("SELECT count(*) FROM integrations WHERE " + owned(owner, 1))
            .execute(args(owner.key(), null)))
        .compose(counted -> {
          long count = counted.iterator().next().getLong(0);
          if (count >= max) {
            return Future.failedFuture(new ApiException(409, "integration_limit", owner.describe() + " holds " + count + " integrations, the most it may hold (integrations.max-per-owner)"));
          }
          return connection.preparedQuery("""
                  INSERT INTO integrations (id, user_id, product_id, integration_type, event, device_id, settings, sealed_secrets, disabled, created_by)
                  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING\s""" + COLUMNS)
              .execute(args(id, owner.userId(), owner.productId(), spec.type(), spec.event(),
                  spec.deviceId(), spec.settings(), sealed == null ? null : Buffer.buffer(sealed), spec.disabled(), createdBy));
        })
        .map(rows -> stored(rows.iterator().next())));
  }

  /** An owner's integrations, oldest first; secrets not opened (lists never show them). */
  Future<List<Stored>> list(Owner owner, String onlyType) {
    return pool.preparedQuery("SELECT " + COLUMNS + " FROM integrations WHERE " + owned(owner, 1) + " ORDER BY created_at, id")
        .execute(args(owner.key(), onlyType))
        .map(rows -> {
          List<Stored> list = new ArrayList<>();
          for (Row row : rows) {
            list.add(new Stored(row.getString("id"), owner(row), row.getString("integration_type"), row.getString("event"), row.getString("device_id"),
                row.getJsonObject("settings"), new JsonObject(), row.getBoolean("disabled"), row.getOffsetDateTime("created_at"),
                row.getOffsetDateTime("updated_at")));
          }
          return list;
        });
  }

  /** @return the owner's integration with its secrets opened; fails 404 when the owner has none of that id (and type) */
  Future<Stored> find(Owner owner, String id, String onlyType) {
    return pool.preparedQuery("SELECT " + COLUMNS + " FROM integrations WHERE id = $1 AND " + owned(owner, 2))
        .execute(args(id, owner.key(), onlyType))
        .compose(rows -> rows.size() == 0 ? Future.failedFuture(notFound(id)) : Future.succeededFuture(stored(rows.iterator().next())));
  }

  /**
   * Every integration of {@code type} (null: of every type) of every owner, for the delivery engine's index at start. Secrets
   * that cannot be opened (a key that is not this node's, a damaged row) are null: that integration's
   * deliveries fail rather than go without their credentials, and the others load.
   */
  public Future<List<Stored>> all(String type) {
    return pool.preparedQuery("SELECT " + COLUMNS + " FROM integrations WHERE $1::text IS NULL OR integration_type = $1").execute(args(type)).map(rows -> {
      List<Stored> all = new ArrayList<>();
      for (Row row : rows) {
        all.add(storedForDelivery(row));
      }
      return all;
    });
  }

  /** An owner's integrations of {@code type}, as {@link #all} reads them; none once the owner is deleted (the rows cascade). */
  public Future<List<Stored>> ofOwner(Owner owner, String type) {
    return pool.preparedQuery("SELECT " + COLUMNS + " FROM integrations WHERE " + owned(owner, 1)).execute(args(owner.key(), type)).map(rows -> {
      List<Stored> all = new ArrayList<>();
      for (Row row : rows) {
        all.add(storedForDelivery(row));
      }
      return all;
    });
  }

  /** One integration of {@code type} (null: any) of any owner, as {@link #all} reads it; null when there is none (deleted). */
  public Future<Stored> one(String id, String type) {
    return pool.preparedQuery("SELECT " + COLUMNS + " FROM integrations WHERE id = $1 AND ($2::text IS NULL OR integration_type = $2)").execute(args(id, type))
        .map(rows -> rows.size() == 0 ? null : storedForDelivery(rows.iterator().next()));
  }

  /**
   * Replaces an integration (PUT never merges). {@code keep} turns the new secrets into what is
   * stored, given the old ones (a value sent back masked keeps the stored one); it runs while the row
   * is locked.
   */
  Future<Stored> replace(Owner owner, String id, String onlyType, IntegrationInput.Spec spec,
      java.util.function.UnaryOperator<JsonObject> keepFromOld) {
    return pool.withTransaction(connection -> connection.preparedQuery("SELECT " + COLUMNS + " FROM integrations WHERE id = $1 AND " + owned(owner, 2)
            + " FOR UPDATE")
        .execute(args(id, owner.key(), onlyType))
        .compose(rows -> {
          if (rows.size() == 0) {
            return Future.failedFuture(notFound(id));
          }
          Stored old = stored(rows.iterator().next());
          JsonObject secrets = keepFromOld.apply(old.secrets());
          byte[] sealed = secrets.isEmpty() ? null : sealer.seal(id, secrets.encode());
          return connection.preparedQuery("""
                  UPDATE integrations SET integration_type = $2, event = $3, device_id = $4, settings = $5, sealed_secrets = $6,
                    disabled = $7, updated_at = now()
                  WHERE id = $1 RETURNING\s""" + COLUMNS)
              .execute(args(id, spec.type(), spec.event(), spec.deviceId(), spec.settings(),
                  sealed == null ? null : Buffer.buffer(sealed), spec.disabled()));
        })
        .map(rows -> stored(rows.iterator().next())));
  }

  /** Pauses or resumes: only {@code disabled} changes; fails 404 when the owner has no such integration. */
  Future<Stored> setDisabled(Owner owner, String id, boolean disabled) {
    return pool.preparedQuery("UPDATE integrations SET disabled = $4, updated_at = now() WHERE id = $1 AND " + owned(owner, 2)
            + " RETURNING " + COLUMNS)
        .execute(args(id, owner.key(), null, disabled))
        .compose(rows -> rows.size() == 0 ? Future.failedFuture(notFound(id)) : Future.succeededFuture(stored(rows.iterator().next())));
  }

  /** @return fails 404 when the owner has no such integration */
  Future<Void> delete(Owner owner, String id, String onlyType) {
    return pool.preparedQuery("DELETE FROM integrations WHERE id = $1 AND " + owned(owner, 2))
        .execute(args(id, owner.key(), onlyType))
        .compose(rows -> rows.rowCount() == 0 ? Future.failedFuture(notFound(id)) : Future.succeededFuture());
  }

  /**
   * Whether a device may filter an owner's integration: the account's own device, or a device of the
   * product's fleet. A management route, so one indexed query rather than an index kept for it.
   */
  Future<Boolean> deviceInScope(Owner owner, String deviceId) {
    return pool.preparedQuery("SELECT 1 FROM devices WHERE id = $1 AND " + (owner.userId() != null ? "owner_id = $2" : "product_id = $2"))
        .execute(args(deviceId, owner.key()))
        .map(rows -> rows.size() == 1);
  }

  private static Future<Void> lockOwner(SqlConnection connection, Owner owner) {
    String key = owner.userId() != null ? "drover.integrations.user." + owner.userId() : "drover.integrations.product." + owner.productId();
    return connection.preparedQuery("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))").execute(args(key)).mapEmpty();
  }

  private Stored stored(Row row) {
    String id = row.getString("id");
    Buffer sealed = row.getBuffer("sealed_secrets");
    JsonObject secrets = sealed == null ? new JsonObject() : new JsonObject(sealer.open(id, sealed.getBytes()));
    return stored(row, secrets);
  }

  private Stored storedForDelivery(Row row) {
    String id = row.getString("id");
    Buffer sealed = row.getBuffer("sealed_secrets");
    JsonObject secrets = new JsonObject();
    if (sealed != null) {
      try {
        secrets = new JsonObject(sealer.open(id, sealed.getBytes()));
      } catch (RuntimeException e) {
        LOG.warn("integration secrets cannot be opened: its deliveries fail [integration: {}, cause: {}]", id, e.getMessage());
        secrets = null;
      }
    }
    return stored(row, secrets);
  }

  private static Owner owner(Row row) {
    Long user = row.getLong("user_id");
    return user != null ? Owner.account(user) : Owner.product(row.getInteger("product_id"));
  }

  private static Stored stored(Row row, JsonObject secrets) {
    return new Stored(row.getString("id"), owner(row), row.getString("integration_type"), row.getString("event"), row.getString("device_id"),
        row.getJsonObject("settings"), secrets, row.getBoolean("disabled"), row.getOffsetDateTime("created_at"), row.getOffsetDateTime("updated_at"));
  }

  /** Statement parameters, any of them null (Tuple.of would take a lone null second argument as its varargs array). */
  private static Tuple args(Object... values) {
    return Tuple.from(Arrays.asList(values));
  }

  static ApiException notFound(String id) {
    return new ApiException(404, "not_found", "No integration " + id);
  }

  private static String newId() {
    byte[] bytes = new byte[12];
    RANDOM.nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }

}
