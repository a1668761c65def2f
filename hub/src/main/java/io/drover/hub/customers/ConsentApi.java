package io.drover.hub.customers;

import io.drover.hub.auth.EmailVerificationApi;
import io.drover.hub.auth.Principal;
import io.drover.hub.auth.Secrets;
import io.drover.hub.auth.TokenService;
import io.drover.hub.customers.CustomerSettings.Method;
import io.drover.hub.http.AccessCheck;
import io.drover.hub.http.ApiException;
import io.drover.hub.http.ApiFeature;
import io.drover.hub.http.RequestBodies;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Login with Drover: the authorization endpoint of OAuth 2's authorization-code grant (RFC 6749
 * section 4.1), for a product whose authentication setting is {@code oauth}. The consent page is the
 * Console's {@code /oauth/authorize} (a person signs in there first, if need be); it asks
 * {@code GET /oauth/authorize/details} what to show, and posts the person's answer to
 * {@code POST /oauth/authorize}, which finds or makes the product's customer for the person's email and
 * answers where to send the browser: the client's redirect URI with a code, or with
 * {@code error=access_denied}.
 *
 * <p>Forgery: the answer must carry the consent token the details gave, signed and bound to the
 * person's access token and to this very request (client, redirect URI, state), and comes with the
 * token as a Bearer header, which no other site's page can make a browser send.
 */
public final class ConsentApi implements ApiFeature {

  /** RFC 6749 section 4.1.2 recommends at most 10 minutes; a browser redirect takes seconds. */
  static final int CODE_LIFETIME_SECONDS = 120;
  private static final int CONSENT_LIFETIME_SECONDS = 600;
  private static final String CONSENT = "oauth-consent";

  private final Pool pool;
  private final AccessCheck access;
  private final TokenService tokens;
  private final CustomerAccounts customers;

  public ConsentApi(Pool pool, AccessCheck access, TokenService tokens, CustomerAccounts customers) {
    this.pool = pool;
    this.access = access;
    this.tokens = tokens;
    this.customers = customers;
  }

  @Override
  public Future<Void> mount(Router router) {
    router.get("/oauth/authorize/details").handler(access::requireUser).handler(this::details);
    router.post("/oauth/authorize").handler(access::requireUser).handler(RequestBodies.handler()).handler(this::decide);
    return Future.succeededFuture();
  }

  /** What a valid authorization request asks, as the consent page shows it. */
  private record Request(ProductClient client, String productName, String redirectUri, String state, String redirectTo) {
  }

  private void details(RoutingContext ctx) {
    Principal person = person(ctx);
    String responseType = ctx.request().getParam("response_type");
    validate(ctx.request().getParam("client_id"), ctx.request().getParam("redirect_uri"), ctx.request().getParam("state"))
        .map(request -> {
          if (!"code".equals(responseType)) {
            throw new ApiException(400, "unsupported_response_type", "response_type must be code");
          }
          return request;
        })
        .compose(request -> EmailVerificationApi.verified(pool, person.userId()).map(verified -> {
          String consent = tokens.sign(CONSENT, new JsonObject()
              .put("token_id", person.tokenId())
              .put("client_id", request.client.id())
              .put("redirect_uri", request.redirectUri)
              .put("state", request.state), CONSENT_LIFETIME_SECONDS);
          return new JsonObject()
              .put("client", new JsonObject().put("id", request.client.id()).put("name", request.client.name()))
              .put("product", new JsonObject().put("id", request.client.productId()).put("name", request.productName))
              .put("account", person.username())
              .put("redirect_to", request.redirectTo)
              .put("email_verified", verified)
              .put("consent_token", consent);
        }))
        .onSuccess(ctx::json)
        .onFailure(ctx::fail);
  }

  private void decide(RoutingContext ctx) {
    Principal person = person(ctx);
    JsonObject body = RequestBodies.fields(ctx);
    String decision = text(body, "decision");
    if (!"allow".equals(decision) && !"deny".equals(decision)) {
      throw new ApiException(400, "invalid_request", "decision must be allow or deny");
    }
    String clientId = text(body, "client_id");
    String redirectUri = text(body, "redirect_uri");
    String state = text(body, "state");
    tokens.verify(CONSENT, text(body, "consent_token"))
        .recover(invalid -> Future.failedFuture(forged()))
        .compose(claims -> {
          if (!Objects.equals(claims.getString("token_id"), person.tokenId()) || !Objects.equals(claims.getString("client_id"), clientId)
              || !Objects.equals(claims.getString("redirect_uri"), redirectUri) || !Objects.equals(claims.getString("state"), state)) {
            return Future.failedFuture(forged());
          }
          return validate(clientId, redirectUri, state);
        })
        .compose(request -> {
          if ("deny".equals(decision)) {
            return Future.succeededFuture(withParameters(request.redirectTo, "error", "access_denied", request.state));
          }
          String code = Secrets.randomHex(32);
          // the customer is found or made by the person's email: only an address they have shown to be theirs
          return EmailVerificationApi.verified(pool, person.userId())
              .compose(verified -> verified ? Future.succeededFuture() : Future.failedFuture(new ApiException(403, "email_unverified",
                  "Verify your email address " + person.username() + " first (POST /v1/user/verify_email mails you a link): "
                      + "the app would know you by it")))
              .compose(verified -> customers.findOrCreate(request.client.productId(), person.username()))
              .compose(customer -> pool.preparedQuery("""
                      INSERT INTO authorization_codes (code_hash, client_id, customer_id, redirect_uri, expires_at)
                      VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))""")
                  .execute(Tuple.of(Buffer.buffer(Secrets.sha256(code)), request.client.id(), customer.id(), request.redirectUri,
                      (double) CODE_LIFETIME_SECONDS)))
              .map(inserted -> withParameters(request.redirectTo, "code", code, request.state));
        })
        .onSuccess(location -> ctx.json(new JsonObject().put("ok", true).put("redirect_to", location)))
        .onFailure(ctx::fail);
  }

  /**
   * The checks of RFC 6749 section 4.1.2.1 that must not redirect (an unknown client, a redirect URI
   * not the client's), then the product's setting.
   */
  private Future<Request> validate(String clientId, String redirectUri, String state) {
    if (clientId == null || clientId.isEmpty()) {
      return Future.failedFuture(new ApiException(400, "invalid_request", "client_id is required"));
    }
    if (state != null && state.length() > 500) {
      return Future.failedFuture(new ApiException(400, "invalid_request", "state must be at most 500 characters"));
    }
    return ProductClient.find(pool, clientId).compose(client -> {
      if (client == null) {
        return Future.failedFuture(new ApiException(400, "invalid_client", "client_id names no product's client"));
      }
      if (!"web".equals(client.type()) || client.redirectUri() == null) {
        return Future.failedFuture(new ApiException(400, "invalid_client",
            "Client " + clientId + " is not a web client with a redirect URI: Login with Drover needs one"));
      }
      if (redirectUri != null && !redirectUri.equals(client.redirectUri())) {
        return Future.failedFuture(new ApiException(400, "invalid_request",
            "redirect_uri does not match the client's registered redirect URI"));
      }
      return CustomerSettings.load(pool, client.productId()).compose(settings -> {
        ApiException refused = settings.refusalUnless(Method.OAUTH, 403, "forbidden", "Login with Drover");
        if (refused != null) {
          return Future.failedFuture(refused);
        }
        return pool.preparedQuery("SELECT name FROM products WHERE id = $1").execute(Tuple.of(client.productId()))
            .map(rows -> new Request(client, rows.iterator().next().getString(0), redirectUri, state, client.redirectUri()));
      });
    });
  }

  /** Consent is a person's to give: a customer's or the bootstrap admin token has no account to sign in with. */
  private static Principal person(RoutingContext ctx) {
    Principal principal = AccessCheck.principal(ctx);
    if (principal.userId() == null || principal.kind() != Principal.Kind.PERSON) {
      throw new ApiException(403, "forbidden", "Only a person signed in with a Drover account can allow an app");
    }
    return principal;
  }

  /** The redirect URI with the answer added to its query (RFC 6749 section 4.1.2), keeping any query it has. */
  static String withParameters(String redirectUri, String key, String value, String state) {
    StringBuilder location = new StringBuilder(redirectUri).append(redirectUri.indexOf('?') < 0 ? '?' : '&')
        .append(key).append('=').append(URLEncoder.encode(value, StandardCharsets.UTF_8));
    if (state != null) {
      location.append("&state=").append(URLEncoder.encode(state, StandardCharsets.UTF_8));
    }
    return location.toString();
  }

  private static ApiException forged() {
    return new ApiException(403, "invalid_consent", "The consent token is missing, expired, or not for this request and session; reload the page");
  }

  private static String text(JsonObject body, String field) {
    Object value = body.getValue(field);
    return value == null ? null : String.valueOf(value);
  }
}
