package io.drover.hub.customers;

import io.drover.hub.auth.Secrets;
import io.drover.hub.auth.TokenRevocation;
import io.drover.hub.http.AccessCheck;
import io.drover.hub.http.ApiException;
import io.drover.hub.http.ApiFeature;
import io.drover.hub.http.RequestBodies;
import io.drover.hub.products.ProductAccess;
import io.drover.hub.products.ProductPermission;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A product's OAuth clients: {@code GET/POST /v1/products/:pid/clients}, {@code DELETE .../clients/:id}.
 * Its customers' apps (type {@code installed}: a mobile app) and servers or web apps (type {@code web},
 * with the redirect URI that Login with Drover sends codes to) authenticate with them. The secret is
 * in the creation answer only; the table keeps its SHA-256 (it is 160 random bits: no slow hash needed).
 */
public final class ProductClientsApi implements ApiFeature {

  private static final Logger LOG = LoggerFactory.getLogger(ProductClientsApi.class);
  private static final String CLIENTS = "/v1/products/:" + ProductAccess.PATH_PARAM + "/clients";

  private final Pool pool;
  private final AccessCheck access;
  private final ProductAccess products;

  public ProductClientsApi(Pool pool, AccessCheck access, ProductAccess products) {
    this.pool = pool;
    this.access = access;
    this.products = products;
  }

  @Override
  public Future<Void> mount(Router router) {
    router.get(CLIENTS).handler(access::requireUser).handler(products.require(ProductPermission.VIEW)).handler(this::list);
    router.post(CLIENTS).handler(access::requireUser)
        .handler(products.require(ProductPermission.MANAGE_SETTINGS)).handler(RequestBodies.handler()).handler(this::create);
    router.delete(CLIENTS + "/:clientId").handler(access::requireUser)
        .handler(products.require(ProductPermission.MANAGE_SETTINGS)).handler(this::delete);
    return Future.succeededFuture();
  }

  private void list(RoutingContext ctx) {
    int productId = ProductAccess.scope(ctx).productId();
    pool.preparedQuery("SELECT id, name, type, redirect_uri, created_at FROM oauth_clients WHERE product_id = $1 ORDER BY created_at, id")
        .execute(Tuple.of(productId))
        .onSuccess(rows -> {
          JsonArray clients = new JsonArray();
          for (Row row : rows) {
            clients.add(json(row.getString(0), row.getString(1), row.getString(2), row.getString(3), productId));
          }
          ctx.json(new JsonObject().put("ok", true).put("clients", clients));
        })
        .onFailure(ctx::fail);
  }

  private void create(RoutingContext ctx) {
    int productId = ProductAccess.scope(ctx).productId();
    JsonObject body = RequestBodies.fields(ctx);
    String name = body.getValue("name") instanceof String s ? s.trim() : null;
    String type = body.getValue("type") instanceof String s ? s : null;
    String redirectUri = body.getValue("redirect_uri") instanceof String s && !s.isBlank() ? s.trim() : null;
    if (name == null || name.isEmpty() || name.length() > 200) {
      throw new ApiException(400, "invalid_request", "name is required (at most 200 characters)");
    }
    if (!"installed".equals(type) && !"web".equals(type)) {
      throw new ApiException(400, "invalid_request", "type must be installed or web");
    }
    if ("web".equals(type) && !isRedirectUri(redirectUri)) {
      throw new ApiException(400, "invalid_request",
          "redirect_uri is required for a web client: an absolute http(s) URI without a fragment (RFC 6749 section 3.1.2)");
    }
    if ("installed".equals(type) && redirectUri != null) {
      throw new ApiException(400, "invalid_request", "redirect_uri is for web clients only");
    }
    String slug = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("(^-+|-+$)", "");
    String id = (slug.isEmpty() ? "client" : slug.substring(0, Math.min(slug.length(), 40))) + "-" + Secrets.randomHex(4);
    String secret = Secrets.randomHex(20);
    pool.preparedQuery("INSERT INTO oauth_clients (id, secret_hash, name, type, redirect_uri, product_id) VALUES ($1, $2, $3, $4, $5, $6)")
        .execute(Tuple.of(id, Buffer.buffer(Secrets.sha256(secret)), name, type, redirectUri, productId))
        .onSuccess(inserted -> {
          ctx.response().setStatusCode(201);
          ctx.json(new JsonObject().put("ok", true).put("client", json(id, name, type, redirectUri, productId).put("secret", secret)));
        })
        .onFailure(ctx::fail);
  }

  /** The client goes, and with it every token it got for the product's customers. */
  private void delete(RoutingContext ctx) {
    int productId = ProductAccess.scope(ctx).productId();
    String clientId = ctx.pathParam("clientId");
    pool.withTransaction(connection -> connection.preparedQuery("DELETE FROM oauth_clients WHERE id = $1 AND product_id = $2")
            .execute(Tuple.of(clientId, productId))
            .compose(deleted -> deleted.rowCount() == 0
                ? Future.failedFuture(new ApiException(404, "not_found", "No client " + clientId + " in product " + productId))
                : TokenRevocation.issuedThrough(connection, clientId)))
        .onSuccess(revoked -> {
          LOG.info("product client deleted [product: {}, client: {}, tokens-revoked: {}]", productId, clientId, revoked);
          ctx.json(new JsonObject().put("ok", true));
        })
        .onFailure(ctx::fail);
  }

  static boolean isRedirectUri(String value) {
    if (value == null || value.length() > 2000) {
      return false;
    }
    try {
      URI uri = new URI(value);
      return uri.isAbsolute() && uri.getFragment() == null && uri.getHost() != null
          && ("https".equalsIgnoreCase(uri.getScheme()) || "http".equalsIgnoreCase(uri.getScheme()));
    } catch (URISyntaxException e) {
      return false;
    }
  }

  private static JsonObject json(String id, String name, String type, String redirectUri, int productId) {
    return new JsonObject().put("id", id).put("name", name).put("type", type).put("redirect_uri", redirectUri).put("product_id", productId);
  }
}
