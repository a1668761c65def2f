package io.drover.hub.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.firmware.FirmwareFleet;
import io.drover.hub.support.ConsoleSignIn;
import io.drover.hub.support.HeadlessChromium;
import io.drover.hub.support.TestDevice;
import io.drover.hub.support.TestNode;
import io.drover.hub.support.TestNode.DeviceIdentity;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.Keys;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A product's device rows open the device's own page, which shows its firmware
 * running, targeted and locked, and acts on it through the API: rename, lock to a version of the
 * product's firmware list and unlock, its groups, the development flag, removal; its functions,
 * variables and live events through the product's routes, by role.
 */
@ExtendWith(VertxExtension.class)
class ProductDevicePageBrowserTest {

  private static final Duration WAIT = Duration.ofSeconds(15);

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

  @Test
  void aRowOpensTheDevicePageWhoseActionsGoThroughTheApi() throws Exception {
    String owner = node.signUpAndLogIn("device-page@example.com", "correct horse battery");
    FirmwareFleet fleet = new FirmwareFleet(node);
    int product = fleet.product("device-page", "device-page@example.com");
    String device = fleet.device(product, 1, false, "beta").id();
    fleet.uploaded(product, 2, new byte[] {2}, owner);
    fleet.announce(product);

    browser.get(url("/login"));
    ConsoleSignIn.as(browser, owner);
    browser.get(url("/products/device-page/devices"));
    visible(By.cssSelector("tr[data-device-id='" + device + "'] a.device-name")).click();
    waitFor("the device page", d -> d.getCurrentUrl().endsWith("/products/device-page/devices/" + device));
    assertEquals(device, visible(By.cssSelector("[data-role=device-id]")).getText());
    assertEquals("v1", visible(By.cssSelector("[data-role=running]")).getText());
    assertEquals("beta", visible(By.cssSelector("[data-role=groups]")).getText());

    WebElement name = visible(By.cssSelector("[data-field=name]"));
    name.clear();
    name.sendKeys("boiler-7");
    visible(By.cssSelector("[data-action=rename]")).click();
    waitFor("renamed", d -> "boiler-7".equals(d.findElement(By.cssSelector("[data-role=device-title]")).getText()));
    assertEquals("boiler-7", deviceJson(owner, product, device).getString("name"));

    new Select(visible(By.cssSelector("[data-field=lock-version]"))).selectByValue("2");
    visible(By.cssSelector("[data-action=lock]")).click();
    waitFor("locked", d -> d.findElement(By.cssSelector("[data-role=locked]")).getText().equals("v2"));
    assertTrue(visible(By.cssSelector("[data-role=target]")).getText().startsWith("v2"), "the lock is the target");
    visible(By.cssSelector("[data-action=unlock]")).click();
    waitFor("unlocked", d -> d.findElement(By.cssSelector("[data-role=locked]")).getText().equals("not locked"));

    visible(By.cssSelector("label[for='group-beta']")).click();
    waitFor("out of beta", d -> d.findElement(By.cssSelector("[data-role=groups]")).getText().equals("—"));
    assertEquals(0, deviceJson(owner, product, device).getJsonArray("groups").size());

    visible(By.cssSelector("label[for=development]")).click();
    waitFor("marked development", d -> d.findElement(By.cssSelector("[data-role=device-details]")).getText().contains("never updated automatically"));
    assertEquals(true, deviceJson(owner, product, device).getBoolean("development"));

    visible(By.cssSelector("[data-action=remove]")).click();
    visible(By.cssSelector("dialog[open] [data-action=confirm]")).click();
    waitFor("back on the list", d -> d.getCurrentUrl().endsWith("/products/device-page/devices"));
    HttpResponse<String> gone = node.get("/v1/products/" + product + "/devices/" + device, owner);
    assertEquals(404, gone.statusCode(), gone.body());
    assertEquals(List.of(), chromium.consoleErrors(), "errors in the browser console");
  }

  @Test
  void functionsVariablesAndEventsGoThroughTheProductByRole(Vertx vertx) throws Exception {
    String owner = node.signUpAndLogIn("device-calls@example.com", "correct horse battery");
    String viewer = node.signUpAndLogIn("device-calls-viewer@example.com", "correct horse battery");
    int product = new FirmwareFleet(node).product("device-calls", "device-calls@example.com");
    node.execute("INSERT INTO product_members (product_id, user_id, role) SELECT " + product
        + ", id, 'view_only' FROM users WHERE username = 'device-calls-viewer@example.com'");
    DeviceIdentity identity = node.provisionDevice();
    HttpResponse<String> imported = node.post("/v1/products/" + product + "/devices", new JsonObject().put("id", identity.id()).encode(),
        node.adminToken());
    assertEquals(200, imported.statusCode(), imported.body());
    List<String> arguments = new CopyOnWriteArrayList<>();
    try (TestDevice device = TestDevice.connect(vertx, node.mqttPort(), identity.id(), identity.secret()).await(10, TimeUnit.SECONDS)) {
      device.behave(Map.<String, Function<String, String>>of("blink", arg -> {
        arguments.add(arg);
        return String.valueOf(arg.length());
      }), Map.<String, Map.Entry<String, Supplier<String>>>of("batt", Map.entry("int", () -> "87")));
      TestNode.eventually(WAIT, () -> deviceText(owner, product, identity.id()).contains("\"blink\""), "the functions reached the hub");

      browser.get(url("/login"));
      ConsoleSignIn.as(browser, owner);
      browser.get(url("/products/device-calls/devices/" + identity.id()));
      WebElement form = visible(By.cssSelector("[data-role=functions] form[data-function=blink]"));
      form.findElement(By.tagName("input")).sendKeys("three", Keys.ENTER);
      WebElement result = form.findElement(By.cssSelector("[data-role=function-result]"));
      waitFor("the function's answer", d -> "ok".equals(result.getDomAttribute("data-state")));
      assertEquals("5", result.findElement(By.cssSelector(".result-value")).getText());
      assertEquals(List.of("three"), arguments);
      readBattery();

      waitFor("the events live", d -> "live".equals(
          d.findElement(By.cssSelector("[data-role=device-events] [data-role=events-live]")).getDomAttribute("data-live")));
      device.publish("reading", "42");
      waitFor("the device's event", d -> d.findElements(By.cssSelector("[data-role=device-events] [data-role=event-list] li .event-name"))
          .stream().anyMatch(name -> name.getText().equals("reading")));

      // view-only reads variables and sees events, and calls nothing
      ConsoleSignIn.signOut(browser);
      browser.get(url("/login"));
      ConsoleSignIn.as(browser, viewer);
      browser.get(url("/products/device-calls/devices/" + identity.id()));
      readBattery();
      assertFalse(browser.findElement(By.cssSelector("[data-role=functions]")).isDisplayed(), "no Call for the view_only role");
      assertEquals(List.of("three"), arguments);
    }
    assertEquals(List.of(), chromium.consoleErrors(), "errors in the browser console");
  }

  private static void readBattery() {
    WebElement row = visible(By.cssSelector("[data-role=variables] [data-variable=batt]"));
    row.findElement(By.tagName("button")).click();
    WebElement value = row.findElement(By.cssSelector("[data-role=variable-value]"));
    waitFor("the variable's value", d -> "ok".equals(value.getDomAttribute("data-state")));
    assertEquals("87", value.findElement(By.cssSelector(".result-value")).getText());
  }

  private static String deviceText(String token, int product, String device) {
    try {
      return node.get("/v1/products/" + product + "/devices/" + device, token).body();
    } catch (Exception e) {
      return "";
    }
  }

  private static JsonObject deviceJson(String token, int product, String device) throws Exception {
    HttpResponse<String> response = node.get("/v1/products/" + product + "/devices/" + device, token);
    assertEquals(200, response.statusCode(), response.body());
    return new JsonObject(response.body());
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
