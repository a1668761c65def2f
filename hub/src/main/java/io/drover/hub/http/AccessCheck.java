package io.drover.hub.http;

import io.drover.hub.auth.AdminTokens;
import io.drover.hub.auth.Principal;
import io.drover.hub.auth.TokenService;
import io.drover.hub.billing.AccountLocks;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;

/**
 * Who is calling, and whether they may. Route handlers: {@link #requireUser} passes any valid token
 * (an account's access token, or the bootstrap admin token), sent as the API takes it or in the
 * Console's session cookie ({@link ConsoleCookie}, which also guards against forged requests), and leaves the {@link Principal} on the
 * context; {@link #requireAdmin} passes administrators only. An account locked after failed payments
 * ({@link AccountLocks}) may read but not change anything, but for its card and its billing (which is how it
 * unlocks) and signing out.
 */
public final class AccessCheck {

  private static final String PRINCIPAL = "drover.principal";

  private final AdminTokens adminTokens;
  private final TokenService tokens;
  private final AccountLocks locks;

  public AccessCheck(AdminTokens adminTokens, TokenService tokens, AccountLocks locks) {
    this.adminTokens = adminTokens;
    this.tokens = tokens;
    this.locks = locks;
  }

  /** The refusal of a change by a locked account, or null when the request may go on. */
  public static ApiException lockedRefusal(AccountLocks locks, RoutingContext ctx, Long userId, String whose) {
    if (!locks.isLocked(userId) || !changes(ctx.request().method())) {
      return null;
    }
    // the path the router routes (dot segments removed), not the one sent: /v1/billing/../devices/x is /v1/devices/x
    String path = ctx.normalizedPath();
    if (path.equals("/v1/card") || path.equals("/v1/billing") || path.startsWith("/v1/billing/") || path.startsWith("/v1/access_tokens/")
        || path.equals("/v1/access_tokens") || path.equals("/v1/events/stream_tickets")) {
      return null;
    }
    return new ApiException(403, AccountLocks.ERROR, whose + ": update your card on the Billing page (nothing has been deleted)");
  }

  private static boolean changes(HttpMethod method) {
    return !(method == HttpMethod.GET || method == HttpMethod.HEAD || method == HttpMethod.OPTIONS);
  }

  public void requireUser(RoutingContext ctx) {
    if (refusedAsForgery(ctx)) {
      return;
    }
    String token = credential(ctx);
    if (token == null) {
      ctx.fail(new ApiException(401, "invalid_request", "The access token was not found"));
    } else if (adminTokens.isValid(token)) {
      ctx.put(PRINCIPAL, Principal.BOOTSTRAP_ADMIN);
      ctx.next();
    } else {
      tokens.check(token).onComplete(checked -> {
        if (checked.succeeded()) {
          ctx.put(PRINCIPAL, checked.result());
          ApiException locked = lockedRefusal(locks, ctx, checked.result().userId(), "account locked");
          if (locked != null) {
            ctx.fail(locked);
            return;
          }
          ctx.next();
        } else {
          ctx.fail(checked.cause());
        }
      });
    }
  }

  public void requireAdmin(RoutingContext ctx) {
    Principal known = ctx.get(PRINCIPAL);
    if (known != null) {
      requireAdminPrincipal(ctx, known);
      return;
    }
    if (refusedAsForgery(ctx)) {
      return;
    }
    String token = credential(ctx);
    if (token != null && adminTokens.isValid(token)) {
      ctx.put(PRINCIPAL, Principal.BOOTSTRAP_ADMIN);
      ctx.next();
      return;
    }
    if (token == null) {
      ctx.fail(new ApiException(401, "invalid_request", "The access token was not found"));
      return;
    }
    tokens.check(token).onComplete(checked -> {
      if (checked.failed()) {
        ctx.fail(checked.cause());
      } else {
        ctx.put(PRINCIPAL, checked.result());
        requireAdminPrincipal(ctx, checked.result());
      }
    });
  }

  /** Records the caller that another credential (a stream ticket) proved, for the handlers after this one. */
  public static void establish(RoutingContext ctx, Principal principal) {
    ctx.put(PRINCIPAL, principal);
  }

  /** The caller, as a require handler before this one established it. */
  public static Principal principal(RoutingContext ctx) {
    return ctx.get(PRINCIPAL);
  }

  /**
   * The token the request carries: a Bearer header or access_token field first (what particle-api-js
   * and particle-cli send), else the Console's session cookie; null when there is none.
   */
  private static String credential(RoutingContext ctx) {
    String token = bearerToken(ctx);
    return token != null ? token : ConsoleCookie.token(ctx);
  }

  /** Fails a request that only the Console's cookie signs in and that may be forged; true when it did. */
  private static boolean refusedAsForgery(RoutingContext ctx) {
    if (bearerToken(ctx) != null || ConsoleCookie.token(ctx) == null) {
      return false;
    }
    ApiException forged = ConsoleCookie.forgeryRefusal(ctx);
    if (forged != null) {
      ctx.fail(forged);
      return true;
    }
    return false;
  }

  /** Particle accepts the token as a Bearer header, or as an access_token query or form field. */
  public static String bearerToken(RoutingContext ctx) {
    String header = bearerHeader(ctx);
    return header != null ? header : ctx.request().getParam("access_token");
  }

  /** The {@code Authorization: Bearer} header's token only, for credentials that must never travel in a URL. */
  public static String bearerHeader(RoutingContext ctx) {
    String header = ctx.request().getHeader("Authorization");
    if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return header.substring(7).trim();
    }
    return null;
  }

  private static void requireAdminPrincipal(RoutingContext ctx, Principal principal) {
    if (principal.admin()) {
      ctx.next();
    } else {
      ctx.fail(new ApiException(403, "forbidden", "This needs an administrator"));
    }
  }
}
