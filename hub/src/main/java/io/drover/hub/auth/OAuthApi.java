package io.drover.hub.auth;

import io.drover.hub.customers.CustomerGrants;
import io.drover.hub.http.AccessCheck;
import io.drover.hub.http.ApiException;
import io.drover.hub.http.ApiFeature;
import io.drover.hub.http.RequestBodies;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * OAuth 2 as the Particle tools use it (RFC 6749): {@code POST /oauth/token} with the password,
 * client_credentials and refresh_token grants; the account's OAuth clients; listing and revoking
 * access tokens. A product's client gets customer tokens instead ({@link CustomerGrants}), plus the
 * authorization_code grant of Login with Drover.
 */
public final class OAuthApi implements ApiFeature {

  private static final Logger LOG = LoggerFactory.getLogger(OAuthApi.class);
  private static final String USER_SCOPE = PersonLogIn.USER_SCOPE;

  private final PersonLogIn logIn;
  private final Pool pool;
  private final TokenService tokens;
  private final AccessCheck access;
  private final CustomerGrants customerGrants;

  public OAuthApi(PersonLogIn logIn, Pool pool, TokenService tokens, AccessCheck access, CustomerGrants customerGrants) {
    this.logIn = logIn;
    this.pool = pool;
    this.tokens = tokens;
    this.access = access;
    this.customerGrants = customerGrants;
  }

  @Override
  public Future<Void> mount(Router router) {
    router.post("/oauth/token").handler(RequestBodies.handler()).handler(this::token);
    router.get("/v1/access_tokens").handler(access::requireUser).handler(this::listTokens);
    router.delete("/v1/access_tokens/current").handler(access::requireUser).handler(this::revokeCurrent);
    router.delete("/v1/access_tokens/:token").handler(access::requireUser).handler(this::revoke);
    router.get("/v1/clients").handler(access::requireUser).handler(this::listClients);
    router.post("/v1/clients").handler(access::requireUser).handler(RequestBodies.handler()).handler(this::createClient);
    router.delete("/v1/clients/:id").handler(access::requireUser).handler(this::deleteClient);
    return Future.succeededFuture();
  }

  private void token(RoutingContext ctx) {
    JsonObject form = RequestBodies.fields(ctx);
    String[] client = asBuiltInClient(clientCredentials(ctx, form));
    long lifetime = form.getValue("expires_in") == null ? 0 : parseLong(form.getValue("expires_in"));
    String grantType = String.valueOf(form.getValue("grant_type"));
    String address = AttemptLimits.addressOf(ctx.request().remoteAddress());
    authenticateClient(client[0], client[1])
        .compose(clientRow -> {
          Integer productId = clientRow.getInteger("product_id");
          if (productId != null && !"refresh_token".equals(grantType)) {
            // a product's client logs in that product's customers, never people
            return customerGrants.grant(client[0], productId, grantType, form, lifetime, address);
          }
          return switch (grantType) {
            case "password" -> logIn.logIn(stringOrNull(form.getValue("username")), stringOrNull(form.getValue("password")), client[0], lifetime, address);
            case "client_credentials" -> clientCredentialsGrant(clientRow, client[0], lifetime);
            case "refresh_token" -> tokens.refresh(stringOrNull(form.getValue("refresh_token")), client[0]);
            default -> Future.failedFuture(new ApiException(400, "unsupported_grant_type",
                "grant_type must be password, client_credentials or refresh_token"));
          };
        })
        .onSuccess(grant -> ctx.json(grant.toJson()))
        .onFailure(ctx::fail);
  }

  private Future<TokenGrant> clientCredentialsGrant(Row client, String clientId, long lifetime) {
    Long ownerId = client.getLong("owner_id");
    if (ownerId == null) {
      return Future.failedFuture(new ApiException(400, "unauthorized_client", "This client has no account to act for"));
    }
    return pool.preparedQuery("SELECT username FROM users WHERE id = $1").execute(Tuple.of(ownerId))
        .compose(rows -> tokens.issue(ownerId, rows.iterator().next().getString(0), clientId,
            client.getString("scope") == null ? USER_SCOPE : client.getString("scope"), lifetime));
  }

  private Future<Row> authenticateClient(String clientId, String secret) {
    if (clientId == null || secret == null) {
      return Future.failedFuture(new ApiException(401, "invalid_client", "Client authentication failed: no client_id and client_secret"));
    }
    return pool.preparedQuery("SELECT secret_hash, owner_id, scope, product_id FROM oauth_clients WHERE id = $1").execute(Tuple.of(clientId))
        .compose(rows -> {
          if (rows.size() == 1 && MessageDigest.isEqual(rows.iterator().next().getBuffer(0).getBytes(), Secrets.sha256(secret))) {
            return Future.succeededFuture(rows.iterator().next());
          }
          return Future.failedFuture(new ApiException(401, "invalid_client", "Client authentication failed"));
        });
  }

  private void listTokens(RoutingContext ctx) {
    Principal principal = accountOf(ctx);
    tokens.list(principal.userId()).onSuccess(list -> ctx.json(list)).onFailure(ctx::fail);
  }

  private void revokeCurrent(RoutingContext ctx) {
    Principal principal = accountOf(ctx);
    tokens.revoke(principal.userId(), principal.tokenId())
        .onSuccess(revoked -> ctx.json(new JsonObject().put("ok", true)))
        .onFailure(ctx::fail);
  }

  private void revoke(RoutingContext ctx) {
    Principal principal = accountOf(ctx);
    tokens.revoke(principal.userId(), ctx.pathParam("token")).onSuccess(revoked -> {
      if (!revoked) {
        ctx.fail(new ApiException(404, "not_found", "No such live token of this account"));
      } else {
        ctx.json(new JsonObject().put("ok", true));
      }
    }).onFailure(ctx::fail);
  }

  private void listClients(RoutingContext ctx) {
    Principal principal = personOf(ctx);
    pool.preparedQuery("SELECT id, name, type, redirect_uri, scope FROM oauth_clients WHERE owner_id = $1 ORDER BY created_at")
        .execute(Tuple.of(principal.userId()))
        .onSuccess(rows -> {
          JsonArray clients = new JsonArray();
          for (Row row : rows) {
            clients.add(clientJson(row.getString(0), row.getString(1), row.getString(2), row.getString(3), row.getString(4)));
          }
          ctx.json(new JsonObject().put("ok", true).put("clients", clients));
        })
        .onFailure(ctx::fail);
  }

  private void createClient(RoutingContext ctx) {
    Principal principal = personOf(ctx);
    JsonObject body = RequestBodies.fields(ctx);
    String name = stringOrNull(body.getValue("name"));
    String type = stringOrNull(body.getValue("type"));
    String redirectUri = stringOrNull(body.getValue("redirect_uri"));
    if (name == null || name.isBlank() || name.length() > 200) {
      throw new ApiException(400, "invalid_request", "name is required (at most 200 characters)");
    }
    if (!"installed".equals(type) && !"web".equals(type)) {
      throw new ApiException(400, "invalid_request", "type must be installed or web");
    }
    if ("web".equals(type) && (redirectUri == null || !redirectUri.matches("^https?://.+"))) {
      throw new ApiException(400, "invalid_request", "a web client needs an http(s) redirect_uri");
    }
    String id = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("(^-|-$)", "") + "-" + Secrets.randomHex(4);
    String secret = Secrets.randomHex(20);
    pool.preparedQuery("INSERT INTO oauth_clients (id, secret_hash, name, type, owner_id, redirect_uri) VALUES ($1, $2, $3, $4, $5, $6)")
        .execute(Tuple.of(id, Buffer.buffer(Secrets.sha256(secret)), name, type, principal.userId(), redirectUri))
        .onSuccess(inserted -> {
          ctx.response().setStatusCode(201);
          ctx.json(new JsonObject().put("ok", true)
              .put("client", clientJson(id, name, type, redirectUri, null).put("secret", secret)));
        })
        .onFailure(ctx::fail);
  }

  /** The client goes, and every token issued through it with it (its secret may be why it is deleted). */
  private void deleteClient(RoutingContext ctx) {
    Principal principal = personOf(ctx);
    String clientId = ctx.pathParam("id");
    pool.withTransaction(connection -> connection.preparedQuery("DELETE FROM oauth_clients WHERE id = $1 AND owner_id = $2")
            .execute(Tuple.of(clientId, principal.userId()))
            .compose(deleted -> deleted.rowCount() == 0
                ? Future.failedFuture(new ApiException(404, "not_found", "No such client of this account"))
                : TokenRevocation.issuedThrough(connection, clientId)))
        .onSuccess(revoked -> {
          LOG.info("client deleted [client: {}, owner: {}, tokens-revoked: {}]", clientId, principal.userId(), revoked);
          ctx.response().setStatusCode(204).end();
        })
        .onFailure(ctx::fail);
  }

  /** The token and client routes belong to accounts; the bootstrap admin token has none. */
  private static Principal accountOf(RoutingContext ctx) {
    Principal principal = AccessCheck.principal(ctx);
    if (principal.userId() == null) {
      throw new ApiException(400, "invalid_request", "The bootstrap admin token belongs to no account");
    }
    return principal;
  }

  /** A customer's OAuth clients would act for the customer itself: a customer has no use for them. */
  private static Principal personOf(RoutingContext ctx) {
    Principal principal = accountOf(ctx);
    if (principal.kind() == Principal.Kind.CUSTOMER) {
      throw new ApiException(403, "forbidden", "A customer token may not manage OAuth clients");
    }
    return principal;
  }

  /** Basic auth first (RFC 6749 section 2.3.1), then client_id and client_secret in the form. */
  public static String[] clientCredentials(RoutingContext ctx, JsonObject form) {
    String header = ctx.request().getHeader("Authorization");
    if (header != null && header.regionMatches(true, 0, "Basic ", 0, 6)) {
      try {
        String decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
        int colon = decoded.indexOf(':');
        if (colon > 0) {
          return new String[] {decoded.substring(0, colon), decoded.substring(colon + 1)};
        }
      } catch (IllegalArgumentException ignored) {
        // fall through to the form fields
      }
    }
    return new String[] {stringOrNull(form.getValue("client_id")), stringOrNull(form.getValue("client_secret"))};
  }

  /**
   * particle-cli 3.x logs in as client {@code CLI2} with the placeholder secret {@code client_secret_here}
   * (its settings.js and lib/api-client.js), a pair Particle's cloud takes; here it stands for the
   * built-in {@code particle-cli} client.
   */
  private static String[] asBuiltInClient(String[] client) {
    return "CLI2".equals(client[0]) && "client_secret_here".equals(client[1]) ? new String[] {"particle-cli", "particle-cli"} : client;
  }

  private static JsonObject clientJson(String id, String name, String type, String redirectUri, String scope) {
    return new JsonObject().put("id", id).put("name", name).put("type", type).put("redirect_uri", redirectUri).put("scope", scope);
  }

  private static long parseLong(Object value) {
    try {
      return Long.parseLong(String.valueOf(value).trim());
    } catch (NumberFormatException e) {
      throw new ApiException(400, "invalid_request", "expires_in must be a number of seconds");
    }
  }

  private static String stringOrNull(Object value) {
    return value instanceof String s ? s : value == null ? null : String.valueOf(value);
  }
}
