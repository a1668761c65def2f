package io.drover.hub.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.support.TestNode;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Console's files over plain HTTP: its pages and assets are served, and the API keeps its paths. */
class ConsoleRoutesTest {

  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static TestNode node;

  @BeforeAll
  static void startNode() throws Exception {
    node = TestNode.start();
  }

  @AfterAll
  static void stopNode() {
    node.close();
  }

  @Test
  void everyPagePathAnswersTheConsolePageUncachedAndLockedToThisOrigin() throws Exception {
    for (String path : new String[] {"/", "/login", "/signup", "/devices", "/devices/0123456789abcdef01234567", "/devices/garage-door",
        "/integrations", "/integrations/new", "/integrations/0123456789abcdef01234567", "/integrations/0123456789abcdef01234567/edit",
        "/products/greenhouses/integrations/0123456789abcdef01234567/edit"}) {
      HttpResponse<String> page = get(path, null);

      assertEquals(200, page.statusCode(), path);
      assertTrue(page.headers().firstValue("Content-Type").orElse("").startsWith("text/html"), path);
      assertTrue(page.body().contains("<script type=\"module\" src=\"/assets/app.js\">"), path);
      assertEquals("no-cache", page.headers().firstValue("Cache-Control").orElse(null), path);
      assertTrue(page.headers().firstValue("Content-Security-Policy").orElse("").contains("default-src 'self'"), path);
    }
  }

  @Test
  void thePageRevalidatesWithItsETag() throws Exception {
    String tag = get("/devices", null).headers().firstValue("ETag").orElse(null);
    assertNotNull(tag);

    HttpResponse<String> again = get("/devices", tag);

    assertEquals(304, again.statusCode());
    assertEquals("", again.body());
  }

  @Test
  void assetsAreServedWithTheirTypesAndRevalidated() throws Exception {
    HttpResponse<String> script = get("/assets/app.js", null);
    assertEquals(200, script.statusCode());
    assertTrue(script.headers().firstValue("Content-Type").orElse("").contains("javascript"));
    assertEquals("no-cache", script.headers().firstValue("Cache-Control").orElse(null));
    String lastModified = script.headers().firstValue("Last-Modified").orElseThrow();
    HttpResponse<String> revalidated = HTTP.send(HttpRequest.newBuilder(uri("/assets/app.js"))
        .header("If-Modified-Since", lastModified).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(304, revalidated.statusCode());

    assertTrue(get("/assets/console.css", null).headers().firstValue("Content-Type").orElse("").startsWith("text/css"));
    assertEquals(404, get("/assets/missing.js", null).statusCode());
  }

  @Test
  void theApiKeepsItsPathsAndItsErrorShape() throws Exception {
    HttpResponse<String> devices = get("/v1/devices", null);
    assertEquals(401, devices.statusCode());
    assertEquals("invalid_request", new JsonObject(devices.body()).getString("error"));

    for (String path : new String[] {"/v1/nothing-here", "/oauth/token", "/devices/a/b", "/console/index.html", "/index.html",
        "/integrations/a/b/c", "/products/a/b/c/d/e"}) {
      HttpResponse<String> missing = get(path, null);
      assertEquals(404, missing.statusCode(), path);
      assertEquals("not_found", new JsonObject(missing.body()).getString("error"), path);
    }
    assertEquals("UP", new JsonObject(get("/health/live", null).body()).getString("status"));
    assertTrue(node.operations("/metrics").body().contains("jvm_memory_used_bytes"));
  }

  private static HttpResponse<String> get(String path, String ifNoneMatch) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10)).GET();
    if (ifNoneMatch != null) {
      request.header("If-None-Match", ifNoneMatch);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static URI uri(String path) {
    return URI.create("http://127.0.0.1:" + node.httpPort() + path);
  }
}
