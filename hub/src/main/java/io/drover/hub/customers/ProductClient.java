package io.drover.hub.customers;

import io.drover.hub.auth.Secrets;
import io.drover.hub.http.ApiException;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.security.MessageDigest;

/** An OAuth client that belongs to a product, as its credentials authenticated it. */
public record ProductClient(String id, String name, String type, String redirectUri, int productId) {

  private static final String FIND = "SELECT secret_hash, name, type, redirect_uri, product_id FROM oauth_clients WHERE id = $1";

  /**
   * Checks a client's id and secret (RFC 6749 section 2.3.1).
   *
   * @return the client; a failed future with 401 invalid_client when they do not match a product's client
   */
  public static Future<ProductClient> authenticate(Pool pool, String clientId, String secret) {
    if (clientId == null || secret == null) {
      return Future.failedFuture(new ApiException(401, "invalid_client",
          "Client authentication failed: send the product's client_id and client_secret (HTTP Basic or form fields)"));
    }
    return pool.preparedQuery(FIND).execute(Tuple.of(clientId)).compose(rows -> {
      Row row = rows.size() == 1 ? rows.iterator().next() : null;
      if (row == null || !MessageDigest.isEqual(row.getBuffer(0).getBytes(), Secrets.sha256(secret))) {
        return Future.failedFuture(new ApiException(401, "invalid_client", "Client authentication failed"));
      }
      if (row.getInteger(4) == null) {
        return Future.failedFuture(new ApiException(401, "invalid_client", "Client " + clientId + " belongs to no product"));
      }
      return Future.succeededFuture(of(clientId, row));
    });
  }

  /** A client by its id alone, for the authorization endpoint (which the person's browser calls, without the secret). */
  public static Future<ProductClient> find(Pool pool, String clientId) {
    return pool.preparedQuery(FIND).execute(Tuple.of(clientId)).map(rows -> {
      Row row = rows.size() == 1 ? rows.iterator().next() : null;
      return row == null || row.getInteger(4) == null ? null : of(clientId, row);
    });
  }

  private static ProductClient of(String clientId, Row row) {
    return new ProductClient(clientId, row.getString(1), row.getString(2), row.getString(3), row.getInteger(4));
  }
}
