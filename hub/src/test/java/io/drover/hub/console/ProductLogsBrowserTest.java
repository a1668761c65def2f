package io.drover.hub.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.support.ConsoleSignIn;
import io.drover.hub.support.TestDevice;
import io.drover.hub.support.HeadlessChromium;
import io.drover.hub.support.TestNode;
import io.drover.hub.support.TestNode.DeviceIdentity;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A product's Logs page in a real browser: reached from the product's sidebar, it shows a product device's
 * live events, under the product's recent stored ones.
 */
@ExtendWith(VertxExtension.class)
class ProductLogsBrowserTest {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private static TestNode node;
  private static ChromeDriver browser;
  private static HeadlessChromium chromium;
  private static String developer;
  private static String deviceOwner;

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.start();
    String owner = node.signUpAndLogIn("owner@example.com", "owner's password");
    developer = node.signUpAndLogIn("developer@example.com", "developer's password");
    deviceOwner = owner;
    long ownerId = Long.parseLong(node.query("SELECT id FROM users WHERE username = 'owner@example.com'"));
    int product = Integer.parseInt(node.query(
        "INSERT INTO products (slug, name, platform_id, owner_id) VALUES ('greenhouses', 'Greenhouses', 12, " + ownerId + ") RETURNING id"));
    node.execute("INSERT INTO product_members (product_id, user_id, role, is_owner) VALUES (" + product + ", " + ownerId + ", 'administrator', true)");
    node.execute("INSERT INTO product_members (product_id, user_id, role) VALUES (" + product + ", "
        + node.query("SELECT id FROM users WHERE username = 'developer@example.com'") + ", 'developer')");
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

  @AfterEach
  void noBrowserErrors() {
    List<String> errors = chromium.consoleErrors();
    assertEquals(List.of(), errors, "errors in the browser console");
  }

  @Test
  void theLogsPageShowsAProductDevicesLiveEventToATeamMember(Vertx vertx) throws Exception {
    // a device someone else owns, in the product: the developer sees its events here, not on their own Events page
    DeviceIdentity identity = node.provisionDevice();
    node.claim(identity.id(), deviceOwner);
    assertEquals(200, node.send("PUT", "/v1/devices/" + identity.id(), new JsonObject().put("name", "bed-4-probe").encode(), deviceOwner).statusCode());
    HttpResponse<String> imported = node.post("/v1/products/greenhouses/devices", new JsonObject().put("id", identity.id()).encode(), deviceOwner);
    assertEquals(1, new JsonObject(imported.body()).getInteger("updated"), imported.body());

    browser.get(url("/login"));
    ConsoleSignIn.as(browser, developer);
    browser.get(url("/products/greenhouses/team"));
    // the sidebar may be drawn again as the product loads: clicked once it holds still
    waitFor("the sidebar's Logs link clicked", d -> {
      d.findElement(By.cssSelector("[data-role=product-nav] a[href='/products/greenhouses/logs']")).click();
      return true;
    });
    waitFor("the product's stream open",
        d -> "live".equals(d.findElement(By.cssSelector("[data-role=events-live]")).getDomAttribute("data-live")));
    assertTrue(browser.findElements(By.cssSelector("[data-action=publish]")).isEmpty(), "no Publish: the product publishes nothing here");
    assertEquals("page", browser.findElement(By.cssSelector("a[href='/products/greenhouses/logs']")).getDomAttribute("aria-current"));

    try (TestDevice device = TestDevice.connect(vertx, node.mqttPort(), identity.id(), identity.secret()).await(10, TimeUnit.SECONDS)) {
      device.publish("soil-moisture", "{\"bed\":4,\"percent\":37}");
      visible(By.cssSelector("li[data-name=soil-moisture]"));
      // the name is looked up in the product once the device's first event arrives
      waitFor("the device's name on its rows", d -> d.findElement(By.cssSelector("li[data-name=soil-moisture] .event-device")).getText().equals("bed-4-probe"));
      browser.findElement(By.cssSelector("li[data-name=soil-moisture]")).click();
      WebElement data = visible(By.cssSelector("[data-role=event-data]"));
      assertTrue(data.getText().contains("\"percent\": 37"), data.getText());
      String ownerId = node.query("SELECT id FROM users WHERE username = 'owner@example.com'");
      assertEquals(ownerId, browser.findElement(By.cssSelector("[data-role=event-owner]")).getText());
      waitFor("the device's spark/status online", d -> !d.findElements(By.cssSelector("li[data-name='spark/status']")).isEmpty());
      Files.copy(browser.getScreenshotAs(OutputType.FILE).toPath(), Path.of("/tmp/product-logs.png"), StandardCopyOption.REPLACE_EXISTING);
    }
  }

  @Test
  void theLogsPageOpensWithTheProductsRecentStoredEvents(Vertx vertx) throws Exception {
    // stored before the page opens: a product device's event, one published as the product, and one of
    // a device outside the product, which must not show
    DeviceIdentity identity = node.provisionDevice();
    node.claim(identity.id(), deviceOwner);
    assertEquals(200, node.send("PUT", "/v1/devices/" + identity.id(), new JsonObject().put("name", "vent-probe").encode(), deviceOwner).statusCode());
    HttpResponse<String> imported = node.post("/v1/products/greenhouses/devices", new JsonObject().put("id", identity.id()).encode(), deviceOwner);
    assertEquals(1, new JsonObject(imported.body()).getInteger("updated"), imported.body());
    DeviceIdentity outsider = node.provisionDevice();
    node.claim(outsider.id(), developer);
    try (TestDevice device = TestDevice.connect(vertx, node.mqttPort(), identity.id(), identity.secret()).await(10, TimeUnit.SECONDS);
         TestDevice other = TestDevice.connect(vertx, node.mqttPort(), outsider.id(), outsider.secret()).await(10, TimeUnit.SECONDS)) {
      device.publishAcknowledged("e/vent-open", io.vertx.core.buffer.Buffer.buffer("{\"percent\":40}"));
      other.publishAcknowledged("e/not-the-products", io.vertx.core.buffer.Buffer.buffer("mine"));
    }
    assertEquals(200, node.post("/v1/products/greenhouses/events", new JsonObject().put("name", "greenhouse-notice").put("data", "doors shut at 6")
        .encode(), deviceOwner).statusCode());
    TestNode.eventually(WAIT, () -> count("vent-open") == 1 && count("not-the-products") == 1 && count("greenhouse-notice") == 1, "the events stored");

    chromium.consoleErrors();
    browser.get(url("/login"));
    ConsoleSignIn.as(browser, developer);
    browser.get(url("/products/greenhouses/logs"));
    visible(By.cssSelector("li[data-name=vent-open]"));
    visible(By.cssSelector("li[data-name=greenhouse-notice]"));
    waitFor("the stored event's device name", d -> d.findElement(By.cssSelector("li[data-name=vent-open] .event-device")).getText().equals("vent-probe"));
    assertEquals("api", browser.findElement(By.cssSelector("li[data-name=greenhouse-notice] .event-device")).getText());
    browser.findElement(By.cssSelector("li[data-name=vent-open]")).click();
    assertTrue(visible(By.cssSelector("[data-role=event-data]")).getText().contains("\"percent\": 40"));
    assertEquals(node.query("SELECT id FROM users WHERE username = 'owner@example.com'"),
        browser.findElement(By.cssSelector("[data-role=event-owner]")).getText(), "the stored event has the product fields too");
    assertTrue(browser.findElements(By.cssSelector("li[data-name=not-the-products]")).isEmpty(), "another device's event is not the product's");
  }

  private static long count(String name) {
    try {
      return Long.parseLong(node.query("SELECT count(*) FROM events WHERE name = '" + name + "'"));
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String url(String path) {
    return "http://127.0.0.1:" + node.httpPort() + path;
  }

  private static WebElement visible(By locator) {
    return new WebDriverWait(browser, WAIT).until(ExpectedConditions.visibilityOfElementLocated(locator));
  }

  private static void waitFor(String what, Function<WebDriver, Boolean> condition) {
    new WebDriverWait(browser, WAIT).ignoring(StaleElementReferenceException.class)
        .ignoring(org.openqa.selenium.NoSuchElementException.class).withMessage(what).until(condition::apply);
  }
}
