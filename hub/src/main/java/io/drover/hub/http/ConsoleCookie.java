package io.drover.hub.http;

import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;

/**
 * The Console's session cookie: an access token of the Console's OAuth client, carried by the browser
 * and never seen by the page's scripts (HttpOnly), nor sent by another site's pages (SameSite=Strict),
 * nor over plain HTTP once it was set over TLS (Secure). The token's row in {@code access_tokens} is
 * the server-side session: signing out, or revoking the token from the Settings page, ends it on
 * every tab at the next request.
 *
 * <p>Cross-site request forgery: SameSite=Strict keeps the cookie off requests that another site's
 * page starts. A page of the same site on another port (same site, another origin) still gets the
 * cookie sent, so a request that changes anything and is signed in by the cookie must also carry the
 * {@link #HEADER} header, which a form cannot send and a script of another origin cannot send without
 * a CORS preflight that this server never grants; and where the browser says where the request comes
 * from ({@code Sec-Fetch-Site}), it must be this origin.
 */
public final class ConsoleCookie {

  public static final String NAME = "drover_session";
  /** The header the Console's own requests carry (with the value 1). */
  public static final String HEADER = "X-Drover-Console";

  private ConsoleCookie() {
  }

  /** The token the cookie carries, or null. */
  public static String token(RoutingContext ctx) {
    Cookie cookie = ctx.request().getCookie(NAME);
    return cookie == null || cookie.getValue().isEmpty() ? null : cookie.getValue();
  }

  /**
   * The refusal of a request that the cookie signs in but that may not be the Console's own, or null
   * when it may go on. Reading (GET, HEAD, OPTIONS) needs no proof: another origin cannot read the answer.
   */
  public static ApiException forgeryRefusal(RoutingContext ctx) {
    HttpMethod method = ctx.request().method();
    if (method == HttpMethod.GET || method == HttpMethod.HEAD || method == HttpMethod.OPTIONS) {
      return null;
    }
    return fromConsole(ctx) ? null : refusal();
  }

  /** Whether the request carries the Console's header and, where the browser tells, comes from this origin. */
  public static boolean fromConsole(RoutingContext ctx) {
    String site = ctx.request().getHeader("Sec-Fetch-Site");
    return "1".equals(ctx.request().getHeader(HEADER)) && (site == null || site.equals("same-origin"));
  }

  public static ApiException refusal() {
    return new ApiException(403, "forbidden",
        "A request signed in by the Console's session cookie must come from the Console (its " + HEADER + " header)");
  }

  /** Sets the cookie on the answer: Secure when the request came over TLS. */
  public static void set(RoutingContext ctx, String token, Duration lifetime) {
    ctx.response().addCookie(cookie(ctx, token).setMaxAge(lifetime.toSeconds()));
  }

  /** Tells the browser to forget the cookie. */
  public static void clear(RoutingContext ctx) {
    ctx.response().addCookie(cookie(ctx, "").setMaxAge(0));
  }

  private static Cookie cookie(RoutingContext ctx, String value) {
    return Cookie.cookie(NAME, value).setPath("/").setHttpOnly(true).setSecure(ctx.request().isSSL())
        .setSameSite(CookieSameSite.STRICT);
  }
}
