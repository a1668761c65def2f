package io.drover.hub.auth;

import io.drover.hub.http.AccessCheck;
import io.drover.hub.http.ApiException;
import io.drover.hub.http.ApiFeature;
import io.drover.hub.http.RequestBodies;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.util.Locale;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Accounts: {@code POST /v1/users} (sign-up; the first account becomes the node's administrator) and
 * {@code GET /v1/user} (who am I).
 */
public final class AccountsApi implements ApiFeature {

  private static final Logger LOG = LoggerFactory.getLogger(AccountsApi.class);
  /** An address with one @, something before it and a dotted domain after: what a sign-up form can check. */
  private static final Pattern EMAIL = Pattern.compile("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$");

  private final Vertx vertx;
  private final Pool pool;
  private final AccessCheck access;
  private final boolean openSignup;

  public AccountsApi(Vertx vertx, Pool pool, AccessCheck access, boolean openSignup) {
    this.vertx = vertx;
    this.pool = pool;
    this.access = access;
    this.openSignup = openSignup;
  }

  @Override
  public Future<Void> mount(Router router) {
    router.post("/v1/users").handler(RequestBodies.handler()).handler(this::signUp);
    router.get("/v1/user").handler(access::requireUser).handler(this::me);
    return Future.succeededFuture();
  }

  private void signUp(RoutingContext ctx) {
    JsonObject body = RequestBodies.fields(ctx);
    String username = body.getValue("username") instanceof String s ? s.trim().toLowerCase(Locale.ROOT) : null;
    String password = body.getValue("password") instanceof String s ? s : null;
    if (username == null || username.length() > 254 || !EMAIL.matcher(username).matches()) {
      throw new ApiException(400, "invalid_request", "username must be an email address");
    }
    String problem = Passwords.problemWith(password);
    if (problem != null) {
      throw new ApiException(400, "invalid_request", problem);
    }
    pool.query("SELECT count(*) FROM users WHERE kind = 'person'").execute()
        .compose(rows -> {
          boolean first = rows.iterator().next().getLong(0) == 0;
          if (!first && !openSignup) {
            return Future.failedFuture(new ApiException(403, "signup_closed", "Sign-up is closed on this node; ask its administrator"));
          }
          return vertx.executeBlocking(() -> Passwords.hash(password), false)
              .compose(hash -> pool.preparedQuery("INSERT INTO users (username, password_hash, is_admin) VALUES ($1, $2, $3)")
                  .execute(Tuple.of(username, hash, first)))
              .map(first);
        })
        .onSuccess(first -> {
          LOG.info("account created [username: {}, administrator: {}]", username, first);
          ctx.response().setStatusCode(200);
          ctx.json(new JsonObject().put("ok", true));
        })
        .onFailure(cause -> ctx.fail(cause instanceof PgException pg && "23505".equals(pg.getSqlState())
            ? new ApiException(400, "username_taken", "An account with this username exists already")
            : cause));
  }

  private void me(RoutingContext ctx) {
    Principal principal = AccessCheck.principal(ctx);
    ctx.json(new JsonObject().put("username", principal.username()).put("admin", principal.admin()));
  }
}
