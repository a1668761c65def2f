package io.drover.hub.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.drover.hub.http.ConsoleCookie;
import io.drover.hub.support.ConsoleSignIn;
import io.drover.hub.support.HeadlessChromium;
import io.drover.hub.support.TestNode;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
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
import org.openqa.selenium.Cookie;
import org.openqa.selenium.Keys;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.WindowType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The Console stays signed in across tabs and reloads with an HttpOnly,
 * SameSite=Strict session cookie, and holds up against a page that tries to use it: another site's
 * form is sent without the cookie, a page of the same site on another port (which the browser does
 * send it from) lacks the Console's header, a signed-out cookie is dead on the server, and the bearer
 * tokens of particle-api-js and particle-cli work as before.
 */
class ConsoleSessionBrowserTest {

  private static final Duration WAIT = Duration.ofSeconds(15);
  private static final String PASSWORD = "correct horse battery";
  private static final AtomicInteger ACCOUNTS = new AtomicInteger();
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private static TestNode node;
  private static HeadlessChromium chromium;
  private static ChromeDriver browser;
  /** Another origin on this host: a page of the same site (127.0.0.1) on another port, or of another site (localhost). */
  private static HttpServer attacker;
  private static volatile String attackerPage = "";

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.start();
    chromium = HeadlessChromium.start();
    browser = chromium.driver();
    attacker = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    attacker.createContext("/", exchange -> {
      byte[] page = attackerPage.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
      exchange.sendResponseHeaders(200, page.length);
      exchange.getResponseBody().write(page);
      exchange.close();
    });
    attacker.start();
  }

  @AfterAll
  static void stop() throws IOException {
    try {
      attacker.stop(0);
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
    while (browser.getWindowHandles().size() > 1) {
      browser.close();
      browser.switchTo().window(browser.getWindowHandles().iterator().next());
    }
    assertEquals(List.of(), chromium.consoleErrors(), "errors in the browser console");
  }

  @Test
  void loggingInSetsAnHttpOnlyCookieThatKeepsReloadsAndNewTabsSignedIn() throws Exception {
    String email = signUp();
    logInThroughThePage(email);

    Cookie cookie = ConsoleSignIn.cookie(browser);
    assertNotNull(cookie, "a session cookie");
    assertTrue(cookie.isHttpOnly(), "HttpOnly");
    assertEquals("Strict", cookie.getSameSite());
    assertFalse(cookie.isSecure(), "not Secure over plain HTTP (the HTTPS test checks that it is there)");
    assertEquals("", browser.executeScript("return document.cookie"), "no script sees it");
    assertEquals(0L, browser.executeScript("return sessionStorage.length + localStorage.length"), "no token in web storage");

    browser.navigate().refresh();
    awaitAccountShown(email);
    assertTrue(browser.getCurrentUrl().endsWith("/devices"), "still signed in after a reload: " + browser.getCurrentUrl());

    browser.switchTo().newWindow(WindowType.TAB);
    browser.get(url("/events"));
    awaitAccountShown(email);
    assertTrue(browser.getCurrentUrl().endsWith("/events"), "a second tab is signed in: " + browser.getCurrentUrl());
  }

  @Test
  void signingOutInOneTabEndsTheSessionInEveryTabAndOnTheServer() throws Exception {
    String email = signUp();
    logInThroughThePage(email);
    String first = browser.getWindowHandle();
    String token = ConsoleSignIn.cookie(browser).getValue();
    browser.switchTo().newWindow(WindowType.TAB);
    browser.get(url("/devices"));
    awaitAccountShown(email);

    visible(By.cssSelector("[data-action=sign-out]")).click();
    waitFor("this tab on the log-in page", d -> d.getCurrentUrl().contains("/login"));
    assertNull(ConsoleSignIn.cookie(browser), "the cookie is cleared");

    browser.switchTo().window(first);
    waitFor("the other tab on the log-in page, without a reload", d -> d.getCurrentUrl().contains("/login"));
    assertEquals(401, withCookie("GET", "/v1/user", token, false).statusCode(), "the server forgot the session");

    // the old cookie, put back as someone who copied it would: still refused
    ConsoleSignIn.as(browser, token);
    browser.get(url("/devices"));
    waitFor("sent to log in", d -> d.getCurrentUrl().contains("/login"));
  }

  /** Another site's form: SameSite=Strict keeps the cookie off it, so it acts for nobody. */
  @Test
  void aCrossSiteFormPostIsSentWithoutTheCookie() throws Exception {
    String email = signUp();
    logInThroughThePage(email);
    String token = ConsoleSignIn.cookie(browser).getValue();

    JsonObject answer = submitForgedForm("http://localhost:" + attacker.getAddress().getPort() + "/");

    assertEquals("invalid_request", answer.getString("error"), "refused as signed out: " + answer);
    assertEquals(0, clientsOf(token), "no OAuth client was made");
  }

  /** A page of the same site on another port gets the cookie sent, but cannot send the Console's header. */
  @Test
  void aSameSiteFormPostCarryingTheCookieIsRefused() throws Exception {
    String email = signUp();
    logInThroughThePage(email);
    String token = ConsoleSignIn.cookie(browser).getValue();

    JsonObject answer = submitForgedForm("http://127.0.0.1:" + attacker.getAddress().getPort() + "/");

    assertEquals("forbidden", answer.getString("error"), "refused as forged: " + answer);
    assertTrue(answer.getString("error_description").contains(ConsoleCookie.HEADER), answer.encode());
    assertEquals(0, clientsOf(token), "no OAuth client was made");
  }

  @Test
  void theSessionRoutesAndTheCookieAnswerInTheApisShape() throws Exception {
    String email = signUp();
    JsonObject credentials = new JsonObject().put("username", email).put("password", PASSWORD);

    HttpResponse<String> unmarked = send("POST", "/v1/console/session", credentials.encode(), null, false);
    assertEquals(403, unmarked.statusCode(), "a log-in without the Console's header (a forged log-in): " + unmarked.body());
    assertEquals("forbidden", new JsonObject(unmarked.body()).getString("error"));
    assertTrue(unmarked.headers().firstValue("Set-Cookie").isEmpty());

    HttpResponse<String> wrong = send("POST", "/v1/console/session", credentials.copy().put("password", "not it").encode(), null, true);
    assertEquals(400, wrong.statusCode(), wrong.body());
    assertEquals("invalid_grant", new JsonObject(wrong.body()).getString("error"));

    HttpResponse<String> notText = send("POST", "/v1/console/session", credentials.copy().put("password", 12345678).encode(), null, true);
    assertEquals(400, notText.statusCode(), notText.body());
    assertEquals("invalid_request", new JsonObject(notText.body()).getString("error"));

    HttpResponse<String> signedIn = send("POST", "/v1/console/session", credentials.encode(), null, true);
    assertEquals(200, signedIn.statusCode(), signedIn.body());
    String setCookie = signedIn.headers().firstValue("Set-Cookie").orElseThrow();
    String attributes = setCookie.toLowerCase(java.util.Locale.ROOT); // attribute names are case-insensitive (RFC 6265 section 5.2)
    assertTrue(attributes.contains("; httponly") && attributes.contains("; samesite=strict") && attributes.contains("; path=/")
        && attributes.contains("; max-age=1209600") && !attributes.contains("; secure"), setCookie);
    String token = setCookie.substring((ConsoleCookie.NAME + "=").length(), setCookie.indexOf(';'));
    assertFalse(signedIn.body().contains(token), "the answer's body holds no token: " + signedIn.body());

    assertEquals(200, withCookie("GET", "/v1/user", token, false).statusCode(), "reading needs no header");
    HttpResponse<String> forged = withCookie("POST", "/v1/clients", token, false);
    assertEquals(403, forged.statusCode(), "a change without the header: " + forged.body());
    HttpResponse<String> crossSite = send("POST", "/v1/clients", new JsonObject().put("name", "x").put("type", "installed").encode(),
        token, true, "Sec-Fetch-Site", "same-site");
    assertEquals(403, crossSite.statusCode(), "the browser says another origin sent it: " + crossSite.body());
    HttpResponse<String> own = send("POST", "/v1/clients", new JsonObject().put("name", "own").put("type", "installed").encode(),
        token, true, "Sec-Fetch-Site", "same-origin");
    assertEquals(201, own.statusCode(), own.body());

    // the API's bearer tokens, as particle-api-js sends them, unchanged: no header needed
    String bearer = node.logIn(email, PASSWORD);
    assertEquals(201, node.post("/v1/clients", new JsonObject().put("name", "cli").put("type", "installed").encode(), bearer).statusCode());

    HttpResponse<String> unmarkedOut = withCookie("DELETE", "/v1/console/session", token, false);
    assertEquals(403, unmarkedOut.statusCode(), "a forged sign-out: " + unmarkedOut.body());
    assertEquals(200, withCookie("GET", "/v1/user", token, false).statusCode(), "still signed in");
    HttpResponse<String> out = withCookie("DELETE", "/v1/console/session", token, true);
    assertEquals(200, out.statusCode(), out.body());
    assertTrue(out.headers().firstValue("Set-Cookie").orElseThrow().contains("Max-Age=0"), "the cookie is cleared");
    HttpResponse<String> dead = withCookie("GET", "/v1/user", token, false);
    assertEquals(401, dead.statusCode(), dead.body());
    assertEquals("invalid_token", new JsonObject(dead.body()).getString("error"));
    assertEquals(200, node.get("/v1/user", bearer).statusCode(), "signing out of the Console leaves the API's tokens alone");
  }

  // ---- helpers ----

  /** The attacker's page posts a form to create an OAuth client on the node; answers what the browser then shows. */
  private static JsonObject submitForgedForm(String attackerUrl) {
    attackerPage = """
        <!doctype html><title>Win a prize</title>
        <form method="post" action="%s"><input name="name" value="forged"><input name="type" value="installed"></form>
        <script>document.forms[0].submit()</script>""".formatted(url("/v1/clients"));
    browser.get(attackerUrl);
    waitFor("the form's answer", d -> d.getCurrentUrl().startsWith(url("/v1/clients")));
    String shown = browser.findElement(By.tagName("body")).getText();
    chromium.consoleErrors(); // the browser logs the refusal's status
    return new JsonObject(shown);
  }

  private static int clientsOf(String token) throws Exception {
    HttpResponse<String> clients = node.get("/v1/clients", token);
    assertEquals(200, clients.statusCode(), clients.body());
    return new JsonObject(clients.body()).getJsonArray("clients").size();
  }

  private static String signUp() throws Exception {
    String email = "session" + ACCOUNTS.incrementAndGet() + "@example.com";
    HttpResponse<String> created = node.post("/v1/users", new JsonObject().put("username", email).put("password", PASSWORD).encode(), null);
    assertEquals(200, created.statusCode(), created.body());
    return email;
  }

  private static void logInThroughThePage(String email) {
    browser.get(url("/login"));
    visible(By.id("email")).sendKeys(email);
    visible(By.id("password")).sendKeys(PASSWORD + Keys.ENTER);
    waitFor("the Devices page", d -> d.getCurrentUrl().endsWith("/devices"));
    awaitAccountShown(email);
  }

  private static void awaitAccountShown(String email) {
    waitFor("the account in the top bar", d -> email.equals(d.findElement(By.cssSelector(".account-name")).getText()));
  }

  private static HttpResponse<String> withCookie(String method, String path, String token, boolean consoleHeader) throws Exception {
    return send(method, path, method.equals("GET") ? null : "{}", token, consoleHeader);
  }

  private static HttpResponse<String> send(String method, String path, String json, String cookie, boolean consoleHeader, String... headers)
      throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(20))
        .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
    if (json != null) {
      request.header("Content-Type", "application/json");
    }
    if (cookie != null) {
      request.header("Cookie", ConsoleCookie.NAME + "=" + cookie);
    }
    if (consoleHeader) {
      request.header(ConsoleCookie.HEADER, "1");
    }
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
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
