package io.drover.hub.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.support.ConsoleSignIn;
import io.drover.hub.support.HeadlessChromium;
import io.drover.hub.support.TestNode;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Every Console path typed in the address bar opens the Console (a browser's
 * navigation, told apart from an API client by its Accept header), an unknown one with a 404 page in
 * the sidebar it belongs to, while the API keeps its paths and its JSON; and the Settings page.
 */
class ConsolePagesBrowserTest {

  private static final Duration WAIT = Duration.ofSeconds(15);
  private static final String PASSWORD = "correct horse battery";
  /** What Chromium sends when a page is opened from the address bar. */
  private static final String NAVIGATION_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8";
  private static final AtomicInteger ACCOUNTS = new AtomicInteger();
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private static TestNode node;
  private static HeadlessChromium chromium;
  private static ChromeDriver browser;

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.start();
    chromium = HeadlessChromium.start();
    browser = chromium.driver();
  }

  @AfterAll
  static void stop() throws IOException {
    try {
      if (chromium != null) {
        chromium.close();
      }
    } finally {
      node.close();
    }
  }

  @BeforeEach
  void signedOut() {
    browser.get(url("/login"));
    ConsoleSignIn.signOut(browser);
    chromium.consoleErrors();
  }

  @AfterEach
  void noBrowserErrors() {
    List<String> errors = chromium.consoleErrors().stream()
        .filter(error -> !error.contains("the server responded with a status of 404")) // the unknown pages' own status
        .toList();
    assertEquals(List.of(), errors, "errors in the browser console");
  }

  @Test
  void aBrowserOpeningAnyConsolePathGetsTheConsoleAndAnApiClientTheApi() throws Exception {
    for (String page : List.of("/integrations", "/billing", "/settings", "/events", "/products/some-product/devices")) {
      HttpResponse<String> opened = get(page, NAVIGATION_ACCEPT);
      assertEquals(200, opened.statusCode(), page);
      assertTrue(opened.body().contains("<div id=\"app\""), page + " is the Console: " + opened.body());
    }
    for (String unknown : List.of("/no-such-page", "/settings/deeper/still", "/products/lamp/devices/x/y/z/w")) {
      HttpResponse<String> opened = get(unknown, NAVIGATION_ACCEPT);
      assertEquals(404, opened.statusCode(), unknown);
      assertTrue(opened.headers().firstValue("Content-Type").orElseThrow().startsWith("text/html"), unknown);
      assertTrue(opened.body().contains("<div id=\"app\""), unknown + " is the Console, which says not found");
      assertTrue(opened.headers().firstValue("Content-Security-Policy").isPresent(), "the Console's headers");

      HttpResponse<String> asApi = get(unknown, "application/json");
      assertEquals(404, asApi.statusCode());
      JsonObject error = new JsonObject(asApi.body());
      assertEquals(false, error.getBoolean("ok"));
      assertEquals("not_found", error.getString("error"));
      assertEquals("not_found", new JsonObject(get(unknown, "*/*").body()).getString("error"), "curl's Accept: the API");
    }
    // the API keeps its paths, whoever opens them
    HttpResponse<String> api = get("/v1/devices", NAVIGATION_ACCEPT);
    assertEquals(401, api.statusCode());
    assertEquals("invalid_request", new JsonObject(api.body()).getString("error"));
    HttpResponse<String> unknownApi = get("/v1/no-such-route", NAVIGATION_ACCEPT);
    assertEquals(404, unknownApi.statusCode());
    assertEquals("not_found", new JsonObject(unknownApi.body()).getString("error"));
    assertEquals("UP", new JsonObject(get("/health/live", NAVIGATION_ACCEPT).body()).getString("status"));
    HttpResponse<String> post = HTTP.send(HttpRequest.newBuilder(URI.create(url("/no-such-page"))).header("Accept", NAVIGATION_ACCEPT)
        .POST(HttpRequest.BodyPublishers.ofString("")).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(404, post.statusCode());
    assertEquals("not_found", new JsonObject(post.body()).getString("error"), "only a GET opens a page");
  }

  @Test
  void anUnknownPageShowsNotFoundInsideTheSidebarItBelongsTo() throws Exception {
    String token = signUp();
    String slug = new JsonObject(node.post("/v1/products", "{\"name\":\"Street Lamp\",\"platform_id\":12}", token).body())
        .getJsonObject("product").getString("slug");
    ConsoleSignIn.as(browser, token);

    browser.get(url("/products/" + slug + "/no-such-section"));
    visible(By.cssSelector("[data-role=not-found]"));
    visible(By.cssSelector("[data-role=product-nav]"));
    waitFor("the product's name in its sidebar", d -> d.findElement(By.cssSelector(".nav-product-name")).getText().equals("Street Lamp"));

    browser.get(url("/nothing/here"));
    visible(By.cssSelector("[data-role=not-found]"));
    assertTrue(browser.findElements(By.cssSelector("[data-role=product-nav]")).isEmpty(), "the Console's sidebar, not a product's");
    assertEquals("/devices", visible(By.cssSelector("[data-role=not-found] a.btn")).getDomAttribute("href"));
  }

  @Test
  void settingsShowsTheProfileChangesThePasswordAndManagesTokensAndClients() throws Exception {
    String email = "settings" + ACCOUNTS.incrementAndGet() + "@example.com";
    HttpResponse<String> created = node.post("/v1/users", new JsonObject().put("username", email).put("password", PASSWORD).encode(), null);
    assertEquals(200, created.statusCode(), created.body());
    String cli = node.logIn(email, PASSWORD);
    String script = node.logIn(email, PASSWORD);
    ConsoleSignIn.as(browser, node.logIn(email, PASSWORD));
    browser.get(url("/settings"));

    assertEquals("Settings", visible(By.cssSelector("h1.page-title")).getText());
    assertEquals(email, visible(By.cssSelector("[data-role=username]")).getText());
    assertTrue(visible(By.cssSelector("a[href='/settings'][aria-current=page]")).isDisplayed(), "Settings marked in the sidebar");

    // tokens: every live one listed; revoking one ends it
    String scriptId = jtiOf(script);
    visible(By.cssSelector("tr[data-token-id='" + scriptId + "'] [data-action=revoke-token]")).click();
    visible(By.cssSelector("dialog[open] [data-action=confirm]")).click();
    waitFor("the revoked token gone", d -> d.findElements(By.cssSelector("tr[data-token-id='" + scriptId + "']")).isEmpty());
    assertEquals(401, node.get("/v1/user", script).statusCode(), "the revoked token no longer works");
    assertEquals(200, node.get("/v1/user", cli).statusCode(), "the others do");

    // OAuth clients: made with its secret shown once, then deleted
    visible(By.id("client-name")).sendKeys("Nightly export");
    visible(By.cssSelector("[data-action=create-client]")).click();
    WebElement secret = visible(By.cssSelector("[data-role=client-secret] [data-role=secret-value]"));
    assertEquals(40, secret.getDomProperty("value").length(), "a 20-byte hex secret, shown whole");
    WebElement row = visible(By.cssSelector("[data-role=clients] tr[data-client-id]"));
    String clientId = row.getDomAttribute("data-client-id");
    assertTrue(clientId.startsWith("nightly-export-"), clientId);
    assertEquals(1, new JsonObject(node.get("/v1/clients", cli).body()).getJsonArray("clients").size());
    row.findElement(By.cssSelector("[data-action=delete-client]")).click();
    visible(By.cssSelector("dialog[open] [data-action=confirm]")).click();
    visible(By.cssSelector("[data-role=no-clients]"));
    assertEquals(0, new JsonObject(node.get("/v1/clients", cli).body()).getJsonArray("clients").size());

    // the password: a wrong current one is refused in the API's words; the right one signs the others out
    visible(By.id("current-password")).sendKeys("not my password");
    visible(By.id("new-password")).sendKeys("a new long password");
    visible(By.id("repeat-password")).sendKeys("a new long password");
    visible(By.cssSelector("[data-action=change-password]")).click();
    waitFor("the refusal", d -> d.findElement(By.cssSelector("[data-role=password-status]")).getText().equals("current_password is wrong"));
    browser.findElement(By.id("current-password")).clear();
    browser.findElement(By.id("current-password")).sendKeys(PASSWORD);
    visible(By.cssSelector("[data-action=change-password]")).click();
    waitFor("the change confirmed", d -> d.findElement(By.cssSelector("[data-role=password-status]")).getText().startsWith("Password changed"));
    assertEquals(401, node.get("/v1/user", cli).statusCode(), "another token is signed out");
    browser.navigate().refresh();
    assertEquals(email, visible(By.cssSelector("[data-role=username]")).getText());
    assertTrue(browser.getCurrentUrl().endsWith("/settings"), "this session stays signed in");
    assertEquals(200, node.postForm("/oauth/token", java.util.Map.of("grant_type", "password", "username", email,
        "password", "a new long password", "client_id", "particle-cli", "client_secret", "particle-cli"), null).statusCode());
  }

  private static String jtiOf(String token) {
    String payload = token.split("\\.")[1];
    return new JsonObject(new String(java.util.Base64.getUrlDecoder().decode(payload), java.nio.charset.StandardCharsets.UTF_8)).getString("jti");
  }

  private static String signUp() throws Exception {
    String email = "pages" + ACCOUNTS.incrementAndGet() + "@example.com";
    HttpResponse<String> created = node.post("/v1/users", new JsonObject().put("username", email).put("password", PASSWORD).encode(), null);
    assertEquals(200, created.statusCode(), created.body());
    return node.logIn(email, PASSWORD);
  }

  private static HttpResponse<String> get(String path, String accept) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(url(path))).header("Accept", accept).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String url(String path) {
    return "http://127.0.0.1:" + node.httpPort() + path;
  }

  private static WebElement visible(By locator) {
    return new WebDriverWait(browser, WAIT).until(ExpectedConditions.visibilityOfElementLocated(locator));
  }

  private static void waitFor(String what, Function<WebDriver, Boolean> condition) {
    new WebDriverWait(browser, WAIT).ignoring(StaleElementReferenceException.class).ignoring(org.openqa.selenium.NoSuchElementException.class)
        .withMessage(what).until(condition::apply);
  }
}
