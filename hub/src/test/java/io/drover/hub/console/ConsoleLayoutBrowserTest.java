package io.drover.hub.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.console.ConsolePagesFixture.Page;
import io.drover.hub.support.ConsoleSignIn;
import io.drover.hub.support.HeadlessChromium;
import io.drover.hub.support.TestNode;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The Console's frame and shared pieces in headless Chromium: every routed page fits an 800-pixel
 * window (no sideways scrolling, Sign out on screen, the sidebar behind a menu button); the product's
 * name in breadcrumbs; device IDs cut in the middle; dates on older events; styled confirmation
 * dialogs that keep the focus, never window.confirm; and one-time secrets shown whole with Copy.
 */
class ConsoleLayoutBrowserTest {

  private static final Duration WAIT = Duration.ofSeconds(15);
  /** Installed on every page: a destructive action that still asks window.confirm fails the test. */
  private static final String NO_WINDOW_CONFIRM = "window.confirm = () => { throw new Error('window.confirm called'); };";

  private static TestNode node;
  private static HeadlessChromium chromium;
  private static ChromeDriver browser;
  private static ConsolePagesFixture fixture;

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.start("--console.map-tiles="); // no tile server: the Map page draws its plain grid
    fixture = ConsolePagesFixture.build(node, "layout@example.com");
    chromium = HeadlessChromium.start();
    browser = chromium.driver();
    browser.executeCdpCommand("Page.addScriptToEvaluateOnNewDocument", Map.of("source", NO_WINDOW_CONFIRM));
    browser.get(url("/login"));
    ConsoleSignIn.as(browser, fixture.token);
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
  void wideWindow() {
    viewport(1280, 800);
    chromium.consoleErrors();
  }

  @AfterEach
  void noBrowserErrors() {
    assertEquals(List.of(), chromium.consoleErrors(), "errors in the browser console");
  }

  @Test
  void everyPageFitsAnEightHundredPixelWindowWithSignOutOnScreen() {
    viewport(800, 900);
    List<String> problems = new ArrayList<>();
    for (Page page : fixture.pages) {
      open(page);
      long overflow = (Long) browser.executeScript("return document.documentElement.scrollWidth - document.documentElement.clientWidth;");
      if (overflow > 0) {
        problems.add(page.path() + " scrolls sideways by " + overflow + " px: " + browser.executeScript("""
            const width = document.documentElement.clientWidth;
            return [...document.querySelectorAll('body *')].filter((el) => el.getBoundingClientRect().right > width + 0.5)
              .slice(0, 5).map((el) => el.tagName + '.' + el.className).join(', ');"""));
      }
      WebElement signOut = browser.findElement(By.cssSelector("[data-action=sign-out]"));
      Boolean onScreen = (Boolean) browser.executeScript("""
          const r = arguments[0].getBoundingClientRect();
          return r.width > 0 && r.left >= 0 && r.right <= document.documentElement.clientWidth && r.top >= 0 && r.bottom <= innerHeight;""", signOut);
      if (!onScreen) {
        problems.add(page.path() + ": Sign out is outside the window");
      }
      if (browser.findElement(By.cssSelector(".sidebar")).isDisplayed()) {
        problems.add(page.path() + ": the sidebar takes room from the page");
      }
    }
    assertEquals(List.of(), problems);
  }

  /** The pages before signing in, in a browser of their own (no session cookie): no sideways scroll at 800 px either. */
  @Test
  void theSignedOutPagesFitAnEightHundredPixelWindow() throws Exception {
    try (HeadlessChromium visitor = HeadlessChromium.start()) {
      ChromeDriver fresh = visitor.driver();
      fresh.executeCdpCommand("Emulation.setDeviceMetricsOverride", Map.of("width", 800, "height", 900, "deviceScaleFactor", 1, "mobile", false));
      for (String path : List.of("/login", "/signup")) {
        fresh.get(url(path));
        new WebDriverWait(fresh, WAIT).until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("form input[type=password]")));
        assertEquals(0L, fresh.executeScript("return document.documentElement.scrollWidth - document.documentElement.clientWidth;"),
            path + " scrolls sideways at 800 px");
        WebElement submit = fresh.findElement(By.cssSelector("form [type=submit]"));
        assertTrue((Boolean) fresh.executeScript("const r = arguments[0].getBoundingClientRect(); return r.left >= 0 && r.right <= innerWidth;", submit),
            path + ": its button inside the window");
      }
      assertEquals(List.of(), visitor.consoleErrors(), "errors in the visitor's browser console");
    }
  }

  @Test
  void theMenuButtonOpensTheSidebarOverThePageAndEscapeOrAClickOutsideClosesIt() {
    viewport(800, 900);
    open(fixture.pages.get(0));
    WebElement menu = visible(By.cssSelector("[data-action=open-menu]"));
    assertFalse(browser.findElement(By.cssSelector(".sidebar")).isDisplayed());
    menu.click();
    waitFor("the sidebar open", d -> d.findElement(By.cssSelector(".sidebar")).isDisplayed());
    assertEquals("true", menu.getDomAttribute("aria-expanded"));
    browser.switchTo().activeElement().sendKeys(Keys.ESCAPE);
    waitFor("closed by Escape", d -> !d.findElement(By.cssSelector(".sidebar")).isDisplayed());
    assertEquals("open-menu", browser.switchTo().activeElement().getDomAttribute("data-action"), "the focus back on the menu button");

    menu.click();
    waitFor("open again", d -> d.findElement(By.cssSelector(".sidebar")).isDisplayed());
    browser.executeScript("document.querySelector('[data-role=sidebar-scrim]').dispatchEvent(new MouseEvent('click', {bubbles: true}))");
    waitFor("closed by a click outside", d -> !d.findElement(By.cssSelector(".sidebar")).isDisplayed());

    menu.click();
    visible(By.cssSelector(".sidebar a[href='/products']")).click();
    waitFor("on Products, the sidebar closed", d -> d.getCurrentUrl().endsWith("/products") && !d.findElement(By.cssSelector(".sidebar")).isDisplayed());

    viewport(1280, 800);
    waitFor("a wide window shows the sidebar", d -> d.findElement(By.cssSelector(".sidebar")).isDisplayed());
    assertFalse(menu.isDisplayed(), "and no menu button");
  }

  @Test
  void breadcrumbsNameTheProductNotItsSlug() {
    for (Page page : fixture.pages) {
      if (!page.path().startsWith("/products/")) {
        continue;
      }
      open(page);
      String product = page.path().startsWith("/products/delivery-vans") ? ConsolePagesFixture.TRACKER_NAME : ConsolePagesFixture.PRODUCT_NAME;
      waitFor(page.path() + ": the product's name in the breadcrumbs", d -> {
        List<WebElement> steps = d.findElements(By.cssSelector(".breadcrumbs li"));
        return steps.size() >= 2 && steps.get(1).getText().equals(product);
      });
      assertTrue(browser.getTitle().endsWith("· Drover Console"));
    }
  }

  @Test
  void anUnnamedDeviceShowsItsIdCutInTheMiddleAndAnOlderEventItsDate() {
    open(page("product-logs"));
    String id = fixture.unnamedDevice;
    String shortened = id.substring(0, 4) + "…" + id.substring(id.length() - 4);
    WebElement door = visible(By.cssSelector("li[data-name=door] .event-device code"));
    assertEquals(shortened, door.getText(), "the start and the end of the ID, never only its start");
    assertEquals(id, door.getDomAttribute("title"));
    assertEquals(id, door.getDomAttribute("data-full-id"), "the full ID for a copy");
    waitFor("a named device shows its name", d -> d.findElement(By.cssSelector("li[data-name=soil-moisture] .event-device")).getText()
        .equals("bed-4-probe"));

    String today = browser.findElement(By.cssSelector("li[data-name=door] .event-time")).getText();
    assertTrue(today.matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3}"), "today's event: the time only, " + today);
    String older = visible(By.cssSelector("li[data-name=boot] .event-time")).getText();
    assertFalse(older.matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3}"), "an event of two days ago shows its date: " + older);
    assertTrue(older.matches(".*\\d{4}.*\\d{1,2}:\\d\\d.*"), "the date with the time: " + older);

    open(page("product-devices"));
    for (WebElement code : browser.findElements(By.cssSelector("tr[data-device-id] .col-id code"))) {
      assertTrue(code.getText().matches("[0-9a-f]{4}…[0-9a-f]{4}"), code.getText());
      assertEquals(code.findElement(By.xpath("ancestor::tr")).getDomAttribute("data-device-id"), code.getDomAttribute("title"));
    }
  }

  @Test
  void destructiveActionsAskInAStyledDialogThatKeepsTheFocus() throws Exception {
    String spare = node.logIn("layout@example.com", ConsolePagesFixture.PASSWORD);
    String spareId = jtiOf(spare);
    open(page("settings"));
    WebElement revoke = visible(By.cssSelector("tr[data-token-id='" + spareId + "'] [data-action=revoke-token]"));
    revoke.click();
    WebElement dialog = visible(By.cssSelector("dialog[open][data-role=confirm-dialog]"));
    assertTrue(dialog.getText().contains("Whatever uses it is signed out at once."));
    for (int i = 0; i < 5; i++) {
      browser.switchTo().activeElement().sendKeys(Keys.TAB);
      assertTrue((Boolean) browser.executeScript("return arguments[0].contains(document.activeElement)", dialog), "Tab " + (i + 1) + " stays in the dialog");
    }
    browser.switchTo().activeElement().sendKeys(Keys.SHIFT, Keys.TAB);
    assertTrue((Boolean) browser.executeScript("return arguments[0].contains(document.activeElement)", dialog), "Shift+Tab stays in the dialog");
    browser.switchTo().activeElement().sendKeys(Keys.ESCAPE);
    waitFor("closed", d -> d.findElements(By.cssSelector("dialog[open]")).isEmpty());
    assertEquals("revoke-token", browser.switchTo().activeElement().getDomAttribute("data-action"), "the focus back where it was");
    assertEquals(200, node.get("/v1/user", spare).statusCode(), "cancelled: the token still works");

    revoke.click();
    visible(By.cssSelector("dialog[open] [data-action=confirm]")).click();
    waitFor("the token gone", d -> d.findElements(By.cssSelector("tr[data-token-id='" + spareId + "']")).isEmpty());
    assertEquals(401, node.get("/v1/user", spare).statusCode());

    // deleting a product: its name must be typed first
    JsonObject doomed = new JsonObject(node.post("/v1/products", "{\"name\":\"Old Lamp\",\"platform_id\":12}", fixture.token).body()).getJsonObject("product");
    browser.get(url("/products/" + doomed.getString("slug") + "/configuration"));
    visible(By.cssSelector("[data-action=delete-product]")).click();
    WebElement confirm = visible(By.cssSelector("dialog[open] [data-action=confirm]"));
    WebElement typed = browser.findElement(By.cssSelector("dialog[open] [data-role=dialog-typed]"));
    assertFalse(confirm.isEnabled(), "nothing typed yet");
    typed.sendKeys("Old Lam");
    assertFalse(confirm.isEnabled(), "not the whole name");
    typed.sendKeys(Keys.ENTER);
    assertEquals(200, node.get("/v1/products/" + doomed.getInteger("id"), fixture.token).statusCode(), "Enter does not bypass the typed name");
    typed.sendKeys("p");
    confirm.click();
    waitFor("on the products list", d -> d.getCurrentUrl().endsWith("/products"));
    assertEquals(404, node.get("/v1/products/" + doomed.getInteger("id"), fixture.token).statusCode());
  }

  @Test
  void oneTimeSecretsAreShownWholeWithACopyButton() {
    open(page("settings"));
    browser.executeCdpCommand("Browser.grantPermissions", Map.of(
        "origin", url(""), "permissions", List.of("clipboardReadWrite", "clipboardSanitizedWrite")));
    visible(By.id("client-name")).sendKeys("Export script");
    visible(By.cssSelector("[data-action=create-client]")).click();
    WebElement field = visible(By.cssSelector("[data-role=client-secret] [data-role=secret-value]"));
    String secret = field.getDomProperty("value");
    assertEquals(40, secret.length());
    assertTrue((Boolean) browser.executeScript("return arguments[0].scrollWidth <= arguments[0].clientWidth", field), "the whole secret in view");
    browser.findElement(By.cssSelector("[data-role=client-secret] [data-action=copy-secret]")).click();
    waitFor("copied", d -> "Copied".equals(d.findElement(By.cssSelector("[data-role=client-secret] [data-role=copy-status]")).getText()));
    assertEquals(secret, browser.executeAsyncScript("navigator.clipboard.readText().then(arguments[0], (e) => arguments[0]('failed: ' + e))"));

    // the product API user's token (a long JWT) in a field that shows it whole
    open(page("product-team"));
    visible(By.cssSelector("[data-action=new-api-user]")).click();
    visible(By.id("api-user-name")).sendKeys("Fleet reader");
    browser.findElement(By.cssSelector("label[for='scope-devices:list']")).click();
    browser.findElement(By.cssSelector("dialog[open] [data-action=submit]")).click();
    WebElement token = visible(By.cssSelector("[data-role=api-user-token] [data-role=secret-value]"));
    browser.findElement(By.cssSelector("[data-role=api-user-token] [data-action=copy-secret]")).click();
    waitFor("copied", d -> "Copied".equals(d.findElement(By.cssSelector("[data-role=api-user-token] [data-role=copy-status]")).getText()));
    assertEquals(token.getDomProperty("value"), browser.executeAsyncScript("navigator.clipboard.readText().then(arguments[0], (e) => arguments[0]('failed: ' + e))"));
    assertTrue(token.getDomProperty("value").length() > 100, "a whole token");
    assertTrue((Boolean) browser.executeScript("return arguments[0].scrollHeight <= arguments[0].clientHeight + 1", token),
        "the whole token in view, wrapped over lines");
  }

  private static Page page(String name) {
    return fixture.pages.stream().filter(page -> page.name().equals(name)).findFirst().orElseThrow();
  }

  /** Opens a page and waits until its heading and its data are there. */
  static void open(Page page) {
    browser.get(url(page.path()));
    waitFor(page.path() + " heading", d -> d.findElement(By.cssSelector("main h1")).getText().equals(page.heading()));
    waitFor(page.path() + " data", d -> d.findElement(By.cssSelector("main " + page.loaded())).isDisplayed());
  }

  private static void viewport(int width, int height) {
    browser.executeCdpCommand("Emulation.setDeviceMetricsOverride",
        Map.of("width", width, "height", height, "deviceScaleFactor", 1, "mobile", false));
  }

  private static String jtiOf(String token) {
    String payload = token.split("\\.")[1];
    return new JsonObject(new String(java.util.Base64.getUrlDecoder().decode(payload), java.nio.charset.StandardCharsets.UTF_8)).getString("jti");
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
