package io.drover.hub.console;

import io.drover.hub.http.ApiFeature;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The web Console: plain ES modules and CSS from the classpath folder {@code console/}. Its pages
 * route on the client, so {@code /}, {@code /login}, {@code /signup}, {@code /events}, {@code /devices},
 * {@code /devices/:id}, {@code /integrations} (and {@code /integrations/new}, {@code /integrations/:id},
 * {@code .../edit}), {@code /products} and a product's pages ({@code /products/:idOrSlug/<section>}, and
 * below it up to {@code /products/:idOrSlug/integrations/:id/edit}), {@code /billing} and {@code /settings}
 * all answer {@code index.html}; its files live under {@code /assets/}. Any other path a browser opens
 * as a page (a GET whose Accept names {@code text/html}) answers {@code index.html} with 404, and the
 * Console draws its "not found" page; {@code /v1}, {@code /oauth}, {@code /health}, {@code /metrics}
 * and {@code /assets} stay the API's (and the files'), and a request of an API client (Accept JSON or
 * anything) to an unknown path gets the API's JSON 404. The node mounts this feature last: its
 * catch-all route comes after every API route.
 *
 * <p>Caching: without a build step the files keep their names from one release to the next, so a long
 * max-age would leave a browser on a stale mix of modules after an upgrade. Every answer is
 * {@code no-cache} instead: the browser keeps its copy and revalidates it (Last-Modified for assets,
 * an ETag for the page), which costs a 304 per file and never serves an old module.
 */
public final class ConsoleRoutes implements ApiFeature {

  static final String WEB_ROOT = "console";
  /** Client-side routes, which the page's own router resolves. */
  private static final String PAGE_PATHS = "^/(?:login|signup|events|sims|devices(?:/[^/]+)?|integrations(?:/[^/]+){0,2}|products(?:/[^/]+){0,4}|billing|settings|oauth/authorize|verify-email)?$";
  /** The API's own paths: a browser that opens one gets the API's answer, never the Console. */
  private static final java.util.List<String> API_PREFIXES = java.util.List.of("/v1/", "/oauth/", "/health", "/metrics", "/assets/");
  /** uPlot (the charts), from its webjar on the classpath: nothing is fetched from a CDN. */
  static final String UPLOT_ROOT = "META-INF/resources/webjars/uplot/1.6.30/dist";
  /**
   * Only this origin's own files and API: the Console fetches nothing from anywhere else, and this
   * makes the browser hold it to that.
   */
  private static final String CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; "
      + "img-src 'self' data:%s; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
      + "form-action 'self'; frame-ancestors 'none'";
  /** The Map page reads its tile server from this tag, which the page carries filled in. */
  static final String MAP_TILES_TAG = "<meta name=\"drover-map-tiles\" content=\"\">";
  /** ... and the tiles' attribution from this one. */
  static final String MAP_ATTRIBUTION_TAG = "<meta name=\"drover-map-attribution\" content=\"\">";

  private final Vertx vertx;
  private final MapTiles mapTiles;
  /** ... except the Map page's tile server, whose images it may show. */
  private final String contentSecurityPolicy;
  private Buffer page;
  private String pageTag;

  public ConsoleRoutes(Vertx vertx, MapTiles mapTiles) {
    this.vertx = vertx;
    this.mapTiles = mapTiles;
    this.contentSecurityPolicy = CONTENT_SECURITY_POLICY.formatted(mapTiles.origin().isEmpty() ? "" : " " + mapTiles.origin());
  }

  /** Reads {@code index.html} once, asynchronously (the file system resolves classpath resources). */
  @Override
  public Future<Void> mount(Router router) {
    // a route ending in /* hands the static handler the rest of the path, so its root is the folder itself
    StaticHandler assets = StaticHandler.create(WEB_ROOT + "/assets")
        .setCachingEnabled(true)
        .setDirectoryListing(false)
        .setIncludeHidden(false);
    // before /assets/*: the vendored chart library lives in its jar, not in console/assets
    StaticHandler uplot = StaticHandler.create(UPLOT_ROOT).setCachingEnabled(true).setDirectoryListing(false).setIncludeHidden(false);
    router.get("/assets/vendor/uplot/*").handler(this::headers).handler(uplot);
    router.get("/assets/*").handler(this::headers).handler(assets);
    router.getWithRegex(PAGE_PATHS).handler(this::headers).handler(this::page);
    // after every route (the node mounts this feature last): a browser's navigation to a path nobody
    // claimed gets the Console, with 404, which draws its own "not found" page inside its sidebar
    router.route().handler(this::unknownPage);
    return vertx.fileSystem().readFile(WEB_ROOT + "/index.html").map(content -> {
      // MapTiles refuses quotes and angle brackets, so only & needs escaping inside the attribute
      page = Buffer.buffer(content.toString()
          .replace(MAP_TILES_TAG, MAP_TILES_TAG.replace("content=\"\"", "content=\"" + mapTiles.template().replace("&", "&amp;") + "\""))
          .replace(MAP_ATTRIBUTION_TAG, MAP_ATTRIBUTION_TAG.replace("content=\"\"", "content=\"" + mapTiles.attributionInAttribute() + "\"")));
      pageTag = "\"" + sha256(page.getBytes()) + "\"";
      return null;
    });
  }

  /** Set before the static handler runs: it only adds a Cache-Control header when there is none. */
  private void headers(RoutingContext ctx) {
    setHeaders(ctx.response());
    ctx.next();
  }

  private void setHeaders(HttpServerResponse response) {
    response.headers()
        .set(HttpHeaders.CACHE_CONTROL, "no-cache")
        .set("X-Content-Type-Options", "nosniff")
        .set("Referrer-Policy", "same-origin")
        .set("Content-Security-Policy", contentSecurityPolicy);
  }

  private void page(RoutingContext ctx) {
    HttpServerResponse response = ctx.response().putHeader(HttpHeaders.ETAG, pageTag);
    if (pageTag.equals(ctx.request().getHeader(HttpHeaders.IF_NONE_MATCH))) {
      response.setStatusCode(304).end();
      return;
    }
    response.putHeader(HttpHeaders.CONTENT_TYPE, "text/html; charset=utf-8").end(page);
  }

  /**
   * A GET or HEAD that a browser sends to open a page (its Accept names text/html, which no API client
   * of Particle's sends) and that is outside the API's paths; any other request goes on to the API's
   * JSON 404.
   */
  private void unknownPage(RoutingContext ctx) {
    io.vertx.core.http.HttpServerRequest request = ctx.request();
    String accept = request.getHeader(HttpHeaders.ACCEPT);
    boolean read = request.method() == io.vertx.core.http.HttpMethod.GET || request.method() == io.vertx.core.http.HttpMethod.HEAD;
    String path = ctx.normalizedPath();
    if (!read || accept == null || !accept.contains("text/html") || path.equals("/oauth")
        || API_PREFIXES.stream().anyMatch(path::startsWith)) {
      ctx.next();
      return;
    }
    setHeaders(ctx.response());
    ctx.response().setStatusCode(404).putHeader(HttpHeaders.CONTENT_TYPE, "text/html; charset=utf-8").end(page);
  }

  private static String sha256(byte[] content) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content), 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
