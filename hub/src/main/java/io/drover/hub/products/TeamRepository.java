package io.drover.hub.products;

import io.drover.hub.http.ApiException;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;

/**
 * A product's team: members, pending invitations and API users. Inviting counts members and pending
 * invitations together against the plan's cap (its {@code team_limit}: 5 on the built-in free plan; API
 * users aside), under a lock on the product row, so that two invites
 * at once cannot pass it and accepting never exceeds it.
 */
public final class TeamRepository {

  private static final String MEMBERS = """
      SELECT u.username, m.role, m.is_owner, m.joined_at FROM product_members m JOIN users u ON u.id = m.user_id
      WHERE m.product_id = $1 ORDER BY m.is_owner DESC, m.joined_at, u.username""";
  private static final String INVITATIONS = """
      SELECT u.username, i.role, i.invited_at, b.username FROM product_invitations i JOIN users u ON u.id = i.user_id
      LEFT JOIN users b ON b.id = i.invited_by WHERE i.product_id = $1 ORDER BY i.invited_at, u.username""";
  private static final String API_USERS = """
      SELECT u.username, a.friendly_name, a.scopes, a.created_at FROM product_api_users a JOIN users u ON u.id = a.user_id
      WHERE a.product_id = $1 ORDER BY a.created_at, u.username""";
  /** The product's plan and its team cap (billing.plans-file, V20; null: no cap), the product row locked. */
  private static final String LOCK_PRODUCT = """
      SELECT p.plan, b.team_limit FROM products p LEFT JOIN billing_plans b ON b.name = p.plan WHERE p.id = $1 FOR UPDATE OF p""";
  private static final String PLAN = "SELECT p.plan, b.team_limit FROM products p LEFT JOIN billing_plans b ON b.name = p.plan WHERE p.id = $1";
  private static final String PERSON = "SELECT id FROM users WHERE username = $1 AND kind = 'person'";
  private static final String STANDING = """
      SELECT EXISTS (SELECT 1 FROM product_members WHERE product_id = $1 AND user_id = $2),
             EXISTS (SELECT 1 FROM product_invitations WHERE product_id = $1 AND user_id = $2),
             (SELECT count(*) FROM product_members WHERE product_id = $1)
             + (SELECT count(*) FROM product_invitations WHERE product_id = $1)""";

  private final Pool pool;

  public TeamRepository(Pool pool) {
    this.pool = pool;
  }

  /** {team: [...], invitations: [...], api_users: [...], limit: {...}}. */
  public Future<JsonObject> team(int productId) {
    Tuple id = Tuple.of(productId);
    return Future.all(pool.preparedQuery(MEMBERS).execute(id), pool.preparedQuery(INVITATIONS).execute(id),
            pool.preparedQuery(API_USERS).execute(id), pool.preparedQuery(PLAN).execute(id))
        .map(all -> {
          JsonArray team = new JsonArray();
          for (Row row : all.<io.vertx.sqlclient.RowSet<Row>>resultAt(0)) {
            team.add(new JsonObject().put("username", row.getString(0)).put("role", row.getString(1))
                .put("is_owner", row.getBoolean(2)).put("is_programmatic", false).put("joined_at", iso(row.getOffsetDateTime(3))));
          }
          JsonArray invitations = new JsonArray();
          for (Row row : all.<io.vertx.sqlclient.RowSet<Row>>resultAt(1)) {
            invitations.add(new JsonObject().put("username", row.getString(0)).put("role", row.getString(1))
                .put("invited_at", iso(row.getOffsetDateTime(2))).put("invited_by", row.getString(3)));
          }
          JsonArray apiUsers = new JsonArray();
          for (Row row : all.<io.vertx.sqlclient.RowSet<Row>>resultAt(2)) {
            apiUsers.add(new JsonObject().put("username", row.getString(0)).put("friendly_name", row.getString(1))
                .put("scopes", new JsonArray(List.of(row.getArrayOfStrings(2)))).put("is_programmatic", true)
                .put("created_at", iso(row.getOffsetDateTime(3))));
          }
          io.vertx.sqlclient.RowSet<Row> product = all.resultAt(3);
          if (product.size() == 0) {
            throw new ApiException(404, "not_found", "Product " + productId + " not found");
          }
          String plan = product.iterator().next().getString(0);
          Integer max = product.iterator().next().getInteger(1);
          return new JsonObject().put("ok", true).put("team", team).put("invitations", invitations).put("api_users", apiUsers)
              .put("limit", new JsonObject().put("plan", plan).put("used", team.size() + invitations.size())
                  .put("max", max));
        });
  }

  /**
   * Invites an existing person to the product.
   *
   * @return the invitation's JSON; fails with 404 (no such account), 409 (member or invited already),
   *     402 (the plan's cap reached)
   */
  public Future<JsonObject> invite(int productId, String username, ProductRole role, Long invitedBy) {
    return pool.withTransaction(connection -> connection.preparedQuery(LOCK_PRODUCT).execute(Tuple.of(productId))
        .compose(product -> {
          if (product.size() == 0) {
            return Future.failedFuture(new ApiException(404, "not_found", "Product " + productId + " not found"));
          }
          String plan = product.iterator().next().getString(0);
          Integer max = product.iterator().next().getInteger(1);
          return connection.preparedQuery(PERSON).execute(Tuple.of(username)).compose(people -> {
            if (people.size() == 0) {
              return Future.failedFuture(new ApiException(404, "not_found",
                  "No account with username " + username + ": the person must sign up before they can be invited"));
            }
            long userId = people.iterator().next().getLong(0);
            return connection.preparedQuery(STANDING).execute(Tuple.of(productId, userId)).compose(standing -> {
              Row row = standing.iterator().next();
              if (row.getBoolean(0)) {
                return Future.failedFuture(new ApiException(409, "conflict", username + " is a member of this product already"));
              }
              if (row.getBoolean(1)) {
                return Future.failedFuture(new ApiException(409, "conflict", username + " is invited already"));
              }
              if (max != null && row.getLong(2) >= max) {
                return Future.failedFuture(new ApiException(402, "plan_limit", "The " + plan + " plan allows at most "
                    + max + " team members, pending invitations included; remove a member or an invitation first"));
              }
              return connection.preparedQuery("""
                      INSERT INTO product_invitations (product_id, user_id, role, invited_by) VALUES ($1, $2, $3, $4)
                      RETURNING invited_at""")
                  .execute(Tuple.of(productId, userId, role.wireName(), invitedBy))
                  .map(inserted -> new JsonObject().put("username", username).put("role", role.wireName())
                      .put("invited_at", iso(inserted.iterator().next().getOffsetDateTime(0))));
            });
          });
        }));
  }

  /** Who {@code username} is in the product: "owner", "member", "invited", "api_user", or null. */
  public Future<String> standing(int productId, String username) {
    return pool.preparedQuery("""
            SELECT CASE WHEN m.is_owner THEN 'owner' WHEN m.user_id IS NOT NULL THEN 'member'
                        WHEN i.user_id IS NOT NULL THEN 'invited' WHEN a.user_id IS NOT NULL THEN 'api_user' END
            FROM users u
            LEFT JOIN product_members m ON m.user_id = u.id AND m.product_id = $1
            LEFT JOIN product_invitations i ON i.user_id = u.id AND i.product_id = $1
            LEFT JOIN product_api_users a ON a.user_id = u.id AND a.product_id = $1
            WHERE u.username = $2 AND (u.kind = 'person' OR u.product_id = $1)""")
        .execute(Tuple.of(productId, username))
        .map(rows -> {
          for (Row row : rows) {
            if (row.getString(0) != null) {
              return row.getString(0);
            }
          }
          return null;
        });
  }

  /** Changes a member's or an invitation's role; never the owner's (the caller checks). */
  public Future<Boolean> changeRole(int productId, String username, ProductRole role) {
    return pool.preparedQuery("""
            WITH who AS (SELECT id FROM users WHERE username = $2 AND kind = 'person'),
            m AS (UPDATE product_members SET role = $3 WHERE product_id = $1 AND user_id = (SELECT id FROM who) AND NOT is_owner RETURNING 1),
            i AS (UPDATE product_invitations SET role = $3 WHERE product_id = $1 AND user_id = (SELECT id FROM who) RETURNING 1)
            SELECT (SELECT count(*) FROM m) + (SELECT count(*) FROM i)""")
        .execute(Tuple.of(productId, username, role.wireName()))
        .map(rows -> rows.iterator().next().getLong(0) > 0);
  }

  /** Removes a member (never the owner) or cancels an invitation. */
  public Future<Boolean> removePerson(int productId, String username) {
    return pool.preparedQuery("""
            WITH who AS (SELECT id FROM users WHERE username = $2 AND kind = 'person'),
            m AS (DELETE FROM product_members WHERE product_id = $1 AND user_id = (SELECT id FROM who) AND NOT is_owner RETURNING 1),
            i AS (DELETE FROM product_invitations WHERE product_id = $1 AND user_id = (SELECT id FROM who) RETURNING 1)
            SELECT (SELECT count(*) FROM m) + (SELECT count(*) FROM i)""")
        .execute(Tuple.of(productId, username))
        .map(rows -> rows.iterator().next().getLong(0) > 0);
  }

  /** Creates an API user: a users row of kind api_user that cannot log in with a password. */
  public Future<Long> createApiUser(int productId, String username, String friendlyName, List<String> scopes, Long createdBy) {
    return pool.withTransaction(connection -> connection.preparedQuery("""
            INSERT INTO users (username, password_hash, kind, product_id) VALUES ($1, '!no-password', 'api_user', $2) RETURNING id""")
        .execute(Tuple.of(username, productId))
        .compose(rows -> {
          long id = rows.iterator().next().getLong(0);
          return connection.preparedQuery("""
                  INSERT INTO product_api_users (user_id, product_id, friendly_name, scopes, created_by) VALUES ($1, $2, $3, $4, $5)""")
              .execute(Tuple.of(id, productId, friendlyName, scopes.toArray(new String[0]), createdBy))
              .map(id);
        }));
  }

  /** Changes an API user's name and scopes (null leaves one as it is); its live tokens take the new scopes at once. */
  public Future<Boolean> updateApiUser(int productId, String username, String friendlyName, List<String> scopes) {
    return pool.withTransaction(connection -> connection.preparedQuery("""
            UPDATE product_api_users a SET friendly_name = coalesce($3, a.friendly_name), scopes = coalesce($4, a.scopes)
            FROM users u WHERE u.id = a.user_id AND a.product_id = $1 AND u.username = $2 RETURNING a.user_id""")
        .execute(Tuple.of(productId, username, friendlyName, scopes == null ? null : scopes.toArray(new String[0])))
        .compose(rows -> {
          if (rows.size() == 0) {
            return Future.succeededFuture(false);
          }
          if (scopes == null) {
            return Future.succeededFuture(true);
          }
          return connection.preparedQuery("UPDATE access_tokens SET scope = $2 WHERE user_id = $1 AND revoked_at IS NULL")
              .execute(Tuple.of(rows.iterator().next().getLong(0), ApiUserScopes.tokenScope(scopes)))
              .map(true);
        }));
  }

  /** Deletes an API user; its tokens go with it (access_tokens cascade), so they stop working at once. */
  public Future<Boolean> deleteApiUser(int productId, String username) {
    return pool.preparedQuery("DELETE FROM users WHERE username = $1 AND product_id = $2 AND kind = 'api_user'")
        .execute(Tuple.of(username, productId))
        .map(deleted -> deleted.rowCount() > 0);
  }

  /** The pending invitations of a person, with their products. */
  public Future<JsonArray> invitationsOf(long userId) {
    return pool.preparedQuery("""
            SELECT p.id, p.slug, p.name, p.platform_id, i.role, i.invited_at, b.username
            FROM product_invitations i JOIN products p ON p.id = i.product_id LEFT JOIN users b ON b.id = i.invited_by
            WHERE i.user_id = $1 ORDER BY i.invited_at""")
        .execute(Tuple.of(userId))
        .map(rows -> {
          JsonArray invitations = new JsonArray();
          for (Row row : rows) {
            invitations.add(new JsonObject()
                .put("product", new JsonObject().put("id", row.getInteger(0)).put("slug", row.getString(1))
                    .put("name", row.getString(2)).put("platform_id", row.getInteger(3)))
                .put("role", row.getString(4)).put("invited_at", iso(row.getOffsetDateTime(5))).put("invited_by", row.getString(6)));
          }
          return invitations;
        });
  }

  /**
   * Accepts (the invitation becomes a membership) or declines (it goes) a person's invitation to the
   * product named by ID or slug.
   *
   * @return the product's id, slug and name and the role, or null when there is no such invitation
   */
  public Future<JsonObject> answerInvitation(long userId, String productIdOrSlug, boolean accept) {
    Integer numeric = productIdOrSlug.matches("[0-9]{1,9}") ? Integer.valueOf(productIdOrSlug) : null;
    return pool.withTransaction(connection -> connection.preparedQuery("""
            DELETE FROM product_invitations i USING products p
            WHERE i.product_id = p.id AND i.user_id = $1 AND (p.id = $2 OR p.slug = $3)
            RETURNING p.id, p.slug, p.name, i.role""")
        .execute(Tuple.of(userId, numeric, numeric == null ? productIdOrSlug.toLowerCase(java.util.Locale.ROOT) : null))
        .compose(rows -> {
          if (rows.size() == 0) {
            return Future.succeededFuture(null);
          }
          Row row = rows.iterator().next();
          JsonObject answered = new JsonObject()
              .put("product", new JsonObject().put("id", row.getInteger(0)).put("slug", row.getString(1)).put("name", row.getString(2)))
              .put("role", row.getString(3));
          if (!accept) {
            return Future.succeededFuture(answered);
          }
          return join(connection, row.getInteger(0), userId, row.getString(3)).map(answered);
        }));
  }

  private static Future<Void> join(SqlConnection connection, int productId, long userId, String role) {
    return connection.preparedQuery("""
            INSERT INTO product_members (product_id, user_id, role) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING""")
        .execute(Tuple.of(productId, userId, role)).mapEmpty();
  }

  private static String iso(OffsetDateTime time) {
    return time == null ? null : time.withOffsetSameInstant(ZoneOffset.UTC).toString();
  }
}
