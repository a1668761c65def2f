package io.drover.hub.auth;

import io.drover.hub.http.AccessCheck;
import io.drover.hub.http.ApiException;
import io.drover.hub.http.ApiFeature;
import io.drover.hub.http.RequestBodies;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.Locale;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Accounts: {@code POST /v1/users} (sign-up, when {@code accounts.signup} is open; never an
 * administrator), {@code GET /v1/user} (who am I), and the administrators' {@code POST /v1/admin/users}
 * (an account, on an open or a closed node, an administrator if asked) and
 * {@code PUT /v1/admin/users/:username {admin}}. See {@link AccountRepository} for who may make an
 * administrator.
 */
public final class AccountsApi implements ApiFeature {

  private static final Logger LOG = LoggerFactory.getLogger(AccountsApi.class);
  /** An address with one @, something before it and a dotted domain after: what a sign-up form can check. */
  private static final Pattern EMAIL = Pattern.compile("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$");

  private final PasswordGuard passwords;
  private final AccountRepository accounts;
  private final AccessCheck access;
  private final boolean openSignup;

  public AccountsApi(PasswordGuard passwords, AccountRepository accounts, AccessCheck access, boolean openSignup) {
    this.passwords = passwords;
    this.accounts = accounts;
    this.access = access;
    this.openSignup = openSignup;
  }

  @Override
  public Future<Void> mount(Router router) {
    router.post("/v1/users").handler(RequestBodies.handler()).handler(this::signUp);
    router.get("/v1/user").handler(access::requireUser).handler(this::me);
    router.post("/v1/admin/users").handler(access::requireAdmin).handler(RequestBodies.handler()).handler(this::create);
    router.put("/v1/admin/users/:username").handler(access::requireAdmin).handler(RequestBodies.handler()).handler(this::setAdmin);
    return Future.succeededFuture();
  }

  private void signUp(RoutingContext ctx) {
    if (!openSignup) {
      throw new ApiException(403, "signup_closed", "Sign-up is closed on this node; ask its administrator");
    }
    JsonObject body = RequestBodies.fields(ctx);
    String username = username(body.getValue("username"));
    String password = password(body.getValue("password"));
    passwords.create(PasswordGuard.Action.SIGNUP, PasswordGuard.personAccount(username), AttemptLimits.addressOf(ctx.request().remoteAddress()),
            () -> Passwords.hash(password))
        .compose(hash -> accounts.create(username, hash, false, AccountRepository.Maker.ADMINISTRATOR))
        .onSuccess(account -> {
          LOG.info("account created [username: {}]", username);
          ctx.response().setStatusCode(200);
          ctx.json(new JsonObject().put("ok", true));
        })
        .onFailure(ctx::fail);
  }

  private void create(RoutingContext ctx) {
    Principal caller = AccessCheck.principal(ctx);
    JsonObject body = RequestBodies.fields(ctx);
    String username = username(body.getValue("username"));
    String password = password(body.getValue("password"));
    boolean admin = flag(body.getValue("admin"), false);
    passwords.hash(() -> Passwords.hash(password))
        .compose(hash -> accounts.create(username, hash, admin, makerOf(caller)))
        .onSuccess(account -> {
          logMade(account, caller);
          ctx.response().setStatusCode(201);
          ctx.json(new JsonObject().put("ok", true).put("username", username).put("admin", account.admin()));
        })
        .onFailure(ctx::fail);
  }

  private void setAdmin(RoutingContext ctx) {
    Principal caller = AccessCheck.principal(ctx);
    String username = ctx.pathParam("username").trim().toLowerCase(Locale.ROOT);
    Object value = RequestBodies.fields(ctx).getValue("admin");
    if (value == null) {
      throw new ApiException(400, "invalid_request", "admin must be true or false");
    }
    boolean admin = flag(value, false);
    accounts.setAdmin(username, admin, makerOf(caller))
        .onSuccess(account -> {
          if (account == null) {
            ctx.fail(new ApiException(404, "not_found", "No account " + username));
            return;
          }
          logMade(account, caller);
          ctx.json(new JsonObject().put("ok", true).put("username", username).put("admin", admin));
        })
        .onFailure(ctx::fail);
  }

  private void me(RoutingContext ctx) {
    Principal principal = AccessCheck.principal(ctx);
    ctx.json(new JsonObject().put("username", principal.username()).put("admin", principal.admin()));
  }

  private static AccountRepository.Maker makerOf(Principal caller) {
    return caller.userId() == null ? AccountRepository.Maker.BOOTSTRAP : AccountRepository.Maker.ADMINISTRATOR;
  }

  private static void logMade(AccountRepository.Account account, Principal caller) {
    LOG.info("account made by an administrator [username: {}, administrator: {}, first-administrator: {}, by: {}]", account.username(),
        account.admin(), account.first(), caller.userId() == null ? "the bootstrap admin token" : caller.username());
  }

  /** @throws ApiException 400 unless the value is an email address; the username is kept in lower case */
  static String username(Object value) {
    String username = value instanceof String s ? s.trim().toLowerCase(Locale.ROOT) : null;
    if (username == null || username.length() > 254 || !EMAIL.matcher(username).matches()) {
      throw new ApiException(400, "invalid_request", "username must be an email address");
    }
    return username;
  }

  /** @throws ApiException 400 naming what is wrong with the password */
  static String password(Object value) {
    String password = value instanceof String s ? s : null;
    String problem = Passwords.problemWith(password);
    if (problem != null) {
      throw new ApiException(400, "invalid_request", problem);
    }
    return password;
  }

  /** JSON's true and false, or a form's "true" and "false". */
  private static boolean flag(Object value, boolean absent) {
    if (value == null) {
      return absent;
    }
    if (value instanceof Boolean b) {
      return b;
    }
    if ("true".equals(value) || "false".equals(value)) {
      return "true".equals(value);
    }
    throw new ApiException(400, "invalid_request", "admin must be true or false");
  }
}
