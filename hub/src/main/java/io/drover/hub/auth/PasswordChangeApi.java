package io.drover.hub.auth;

import io.drover.hub.http.AccessCheck;
import io.drover.hub.http.ApiException;
import io.drover.hub.http.ApiFeature;
import io.drover.hub.http.RequestBodies;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Changing one's own password with the current one: {@code PUT /v1/user {password, current_password,
 * invalidate_tokens?}}, the request particle-api-js's {@code changeUserPassword} sends, and {@code POST
 * /v1/user/password} with the same body, Drover's name for it. The account's other tokens are revoked
 * (whoever holds one may be why the password changes); {@code invalidate_tokens: true} revokes the
 * caller's too. Persons and customers have a password; API users and the bootstrap token have none.
 */
public final class PasswordChangeApi implements ApiFeature {

  private static final Logger LOG = LoggerFactory.getLogger(PasswordChangeApi.class);

  private final PasswordGuard guard;
  private final AccountPasswords passwords;
  private final AccessCheck access;

  public PasswordChangeApi(PasswordGuard guard, Pool pool, AccessCheck access) {
    this.guard = guard;
    this.passwords = new AccountPasswords(pool);
    this.access = access;
  }

  @Override
  public Future<Void> mount(Router router) {
    router.put("/v1/user").handler(access::requireUser).handler(RequestBodies.handler()).handler(this::change);
    router.post("/v1/user/password").handler(access::requireUser).handler(RequestBodies.handler()).handler(this::change);
    return Future.succeededFuture();
  }

  private void change(RoutingContext ctx) {
    Principal principal = AccessCheck.principal(ctx);
    if (principal.userId() == null) {
      throw new ApiException(403, "forbidden", "The bootstrap admin token belongs to no account: it has no password");
    }
    if (principal.kind() == Principal.Kind.API_USER) {
      throw new ApiException(403, "forbidden", "An API user has no password; its tokens are managed by the product's team");
    }
    JsonObject body = RequestBodies.fields(ctx);
    if (body.containsKey("username") || body.containsKey("account_info")) {
      // particle-api-js's changeUsername and setUserInfo send these to PUT /v1/user too
      throw new ApiException(400, "invalid_request", "Only the password can be changed: send password and current_password");
    }
    String current = body.getValue("current_password") instanceof String s ? s : null;
    String replacement = body.getValue("password") instanceof String s ? s : null;
    if (current == null || current.isEmpty()) {
      throw new ApiException(400, "invalid_request", "current_password is required");
    }
    String problem = Passwords.problemWith(replacement);
    if (problem != null) {
      throw new ApiException(400, "invalid_request", "password: " + problem);
    }
    boolean everyToken = "true".equals(String.valueOf(body.getValue("invalidate_tokens")));
    // the current password is checked as a sign-in is, under the same limits on guessing and the same
    // account name: a customer's guesses count against that customer, never the person of the same email
    boolean customer = principal.kind() == Principal.Kind.CUSTOMER;
    PasswordGuard.Action action = customer ? PasswordGuard.Action.CUSTOMER_LOGIN : PasswordGuard.Action.LOGIN;
    String account = customer
        ? PasswordGuard.customerAccount(principal.productId(), principal.username())
        : PasswordGuard.personAccount(principal.username());
    passwords.stored(principal.userId())
        .compose(stored -> guard.logIn(action, account,
                AttemptLimits.addressOf(ctx.request().remoteAddress()), () -> Passwords.matches(current, stored))
            .compose(right -> right
                ? guard.hash(() -> Passwords.hash(replacement))
                : Future.failedFuture(new ApiException(400, "invalid_request", "current_password is wrong")))
            .compose(hash -> passwords.replace(principal.userId(), stored, hash, everyToken ? null : principal.tokenId())))
        .onSuccess(revoked -> {
          LOG.info("password changed [user: {}, tokens-revoked: {}, caller-kept: {}]", principal.userId(), revoked, !everyToken);
          ctx.json(new JsonObject().put("ok", true));
        })
        .onFailure(ctx::fail);
  }
}
