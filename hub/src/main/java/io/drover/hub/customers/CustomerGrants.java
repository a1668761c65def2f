package io.drover.hub.customers;

import io.drover.hub.auth.Secrets;
import io.drover.hub.auth.TokenGrant;
import io.drover.hub.customers.CustomerAccounts.Customer;
import io.drover.hub.customers.CustomerSettings.Method;
import io.drover.hub.http.ApiException;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.Objects;

/**
 * {@code POST /oauth/token} for a product's client: each grant gives a customer token, and only when
 * the product's authentication setting is the method that grant belongs to.
 * <ul>
 *   <li>{@code password}: simple auth, the customer's email and password;</li>
 *   <li>{@code client_credentials} with {@code scope=customer=EMAIL}: two-legged auth, the product's
 *       server asks for a token of one of its customers;</li>
 *   <li>{@code authorization_code}: Login with Drover, the code the consent page gave (RFC 6749 section 4.1.3).</li>
 * </ul>
 * The refresh_token grant stays with OAuthApi: it works for every client alike.
 */
public final class CustomerGrants {

  private static final String CUSTOMER_SCOPE = "customer=";
  private static final String SPEND_CODE = """
      DELETE FROM authorization_codes c USING users u
      WHERE c.code_hash = $1 AND u.id = c.customer_id
      RETURNING c.client_id, c.redirect_uri, c.expires_at > now(), u.id, u.username, u.product_id""";

  private final Pool pool;
  private final CustomerAccounts customers;

  public CustomerGrants(Pool pool, CustomerAccounts customers) {
    this.pool = pool;
    this.customers = customers;
  }

  /**
   * @param clientId the product's client, authenticated already
   * @param productId the product it belongs to
   * @param address the client address, for the limits on guessing passwords
   */
  public Future<TokenGrant> grant(String clientId, int productId, String grantType, JsonObject form, long lifetime, String address) {
    return CustomerSettings.load(pool, productId).compose(settings -> switch (String.valueOf(grantType)) {
      case "password" -> password(settings, clientId, form, lifetime, address);
      case "client_credentials" -> twoLegged(settings, clientId, form, lifetime);
      case "authorization_code" -> authorizationCode(settings, clientId, form, lifetime);
      default -> Future.failedFuture(new ApiException(400, "unsupported_grant_type",
          "grant_type must be password, client_credentials, authorization_code or refresh_token"));
    });
  }

  private Future<TokenGrant> password(CustomerSettings settings, String clientId, JsonObject form, long lifetime, String address) {
    ApiException refused = settings.refusalUnless(Method.SIMPLE, 400, "unauthorized_client", "the password grant");
    if (refused != null) {
      return Future.failedFuture(refused);
    }
    String password = form.getValue("password") instanceof String s ? s : null;
    if (form.getValue("username") == null || password == null) {
      return Future.failedFuture(new ApiException(400, "invalid_request", "username and password are required"));
    }
    String email = CustomerAccounts.email(form.getValue("username"), "username");
    return customers.checkPassword(settings.productId(), email, password, address)
        .compose(customer -> customers.issueToken(customer, clientId, lifetime));
  }

  private Future<TokenGrant> twoLegged(CustomerSettings settings, String clientId, JsonObject form, long lifetime) {
    String scope = form.getValue("scope") instanceof String s ? s.trim() : "";
    if (!scope.startsWith(CUSTOMER_SCOPE)) {
      return Future.failedFuture(new ApiException(400, "invalid_scope",
          "A product's client gets customer tokens: scope must be customer=EMAIL"));
    }
    ApiException refused = settings.refusalUnless(Method.TWO_LEGGED, 400, "unauthorized_client", "client_credentials with scope=customer=");
    if (refused != null) {
      return Future.failedFuture(refused);
    }
    String email = CustomerAccounts.email(scope.substring(CUSTOMER_SCOPE.length()), "scope's customer=");
    return customers.find(settings.productId(), email).compose(customer -> customer == null
        ? Future.failedFuture(new ApiException(400, "invalid_grant", "Product " + settings.productId() + " has no customer " + email
            + "; create it first with POST /v1/products/" + settings.productId() + "/customers"))
        : customers.issueToken(customer, clientId, lifetime));
  }

  private Future<TokenGrant> authorizationCode(CustomerSettings settings, String clientId, JsonObject form, long lifetime) {
    ApiException refused = settings.refusalUnless(Method.OAUTH, 400, "unauthorized_client", "the authorization_code grant");
    if (refused != null) {
      return Future.failedFuture(refused);
    }
    String code = form.getValue("code") instanceof String s ? s : null;
    if (code == null || code.isEmpty()) {
      return Future.failedFuture(new ApiException(400, "invalid_request", "code is required"));
    }
    String redirectUri = form.getValue("redirect_uri") instanceof String s ? s : null;
    // The row goes whatever the outcome: a code is tried once (RFC 6749 section 10.5).
    return pool.preparedQuery(SPEND_CODE).execute(Tuple.of(Buffer.buffer(Secrets.sha256(code)))).compose(rows -> {
      Row row = rows.size() == 0 ? null : rows.iterator().next();
      if (row == null || !row.getBoolean(2)) {
        return Future.failedFuture(new ApiException(400, "invalid_grant", "The authorization code is invalid, expired or used already"));
      }
      if (!clientId.equals(row.getString(0))) {
        return Future.failedFuture(new ApiException(400, "invalid_grant", "The authorization code was issued to another client"));
      }
      if (row.getString(1) != null && !Objects.equals(row.getString(1), redirectUri)) {
        return Future.failedFuture(new ApiException(400, "invalid_grant",
            "redirect_uri must be the one the authorization request named (RFC 6749 section 4.1.3)"));
      }
      return customers.issueToken(new Customer(row.getLong(3), row.getString(4), row.getInteger(5)), clientId, lifetime);
    });
  }
}
