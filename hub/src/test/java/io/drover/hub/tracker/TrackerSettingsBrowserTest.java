package io.drover.hub.tracker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.support.ConsoleSignIn;
import io.drover.hub.support.HeadlessChromium;
import io.drover.hub.support.TestNode;
import io.drover.hub.support.TestNode.DeviceIdentity;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The tracker settings page in headless Chromium against a real node: the fleet's form generated from
 * the schema, a bad value refused next to its field, the sync table, a development device's own
 * settings reached from the Devices page and reset, and the data-usage calculator's numbers.
 */
class TrackerSettingsBrowserTest {

  private static final Duration WAIT = Duration.ofSeconds(10);
  /** The page's periodic refresh of the sync state (SYNC_REFRESH_MILLIS in product-tracker-settings.js). */
  private static final Duration SYNC_TICK = Duration.ofSeconds(10);
  private static final String OWNER = "settings-owner@example.com";
  private static TestNode node;
  private static ChromeDriver browser;
  private static HeadlessChromium chromium;

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
  void fleetAndDeviceSettingsAreEditedCheckedAndTheirUsageAndSyncShown() throws Exception {
    String token = node.signUpAndLogIn(OWNER, "correct horse battery");
    TrackerFleet fleet = new TrackerFleet(node);
    int product = fleet.product("settings-fleet", OWNER, "tracker");
    DeviceIdentity production = fleet.device(product, false);
    DeviceIdentity development = fleet.device(product, true);

    browser.get(url("/login"));
    ConsoleSignIn.as(browser, token);
    browser.get(url("/products/" + product + "/tracker-settings"));
    WebElement form = visible(By.cssSelector("[data-role=tracker-settings]"));
    assertEquals("900", field("location.interval_min").getDomProperty("value"), "the fleet's current values (defaults)");
    assertEquals("map", browser.findElement(By.cssSelector("[aria-current=page]")).getDomAttribute("data-section"),
        "the Map entry stays highlighted");

    // the calculator, with the guide's 500 bytes a publish (229 + 271) over 30 days
    assertEquals("360000", usage("stationary"), "every 3600 s: 720 publishes of 500 bytes");
    assertEquals("1440000", usage("moving"), "every 900 s: 2880 publishes of 500 bytes");
    type(field("location.interval_max"), "86400");
    waitFor("the calculator follows the maximum interval", () -> "15000".equals(usage("stationary")));
    type(browser.findElement(By.cssSelector("[data-role=usage-payload]")), "209");
    waitFor("the calculator follows the payload", () -> "14400".equals(usage("stationary")));
    type(field("location.interval_max"), "0");
    waitFor("no maximum interval, no periodic publishes", () -> "".equals(usage("stationary")));

    // the RGB levels only for the LED type that uses them (direct); the fleet's default is tracker
    assertEquals("tracker", field("rgb.type").getDomProperty("value"));
    for (String level : List.of("rgb.red", "rgb.green", "rgb.blue", "rgb.brightness")) {
      assertFalse(field(level).isDisplayed(), level + " hidden for the tracker LED type");
    }
    new Select(field("rgb.type")).selectByValue("direct");
    waitFor("the RGB levels shown for the direct type", () -> field("rgb.red").isDisplayed() && field("rgb.brightness").isDisplayed());

    // a bad value is refused next to its field, and nothing is saved
    type(field("location.interval_max"), "900");
    type(field("rgb.red"), "300");
    save(form);
    waitFor("the refusal next to rgb.red", () -> errorFor("rgb.red").contains("from 0 to 255"));
    assertEquals("error", status(form).getDomAttribute("data-state"));
    assertEquals(0, fleetConfig(token).getJsonObject("rgb").getInteger("red"), "nothing was sent");
    type(field("rgb.red"), "12");
    type(field("location.interval_min"), "1200");
    save(form);
    waitFor("the cross-field rule next to interval_max", () -> errorFor("location.interval_max").contains("at least location.interval_min"));
    assertEquals("", errorFor("rgb.red"), "a corrected field loses its error");

    // a good edit is saved: the guide's "Vehicle (detailed information)" preset fills in radius and intervals
    new Select(field("rgb.type")).selectByValue("tracker"); // the fleet keeps the tracker LED; the levels stay as typed
    assertFalse(field("rgb.red").isDisplayed());
    WebElement preset = browser.findElement(By.cssSelector("[data-preset=vehicle-detailed]"));
    browser.executeScript("arguments[0].scrollIntoView({block: 'center'})", preset);
    preset.click();
    assertEquals("151", field("location.radius").getDomProperty("value"));
    assertEquals("30", field("location.interval_min").getDomProperty("value"));
    assertEquals("900", field("location.interval_max").getDomProperty("value"));
    assertTrue(field("location.radius").getSize().getWidth() < 200, "a number field as wide as its values, not the card");
    new Select(field("imu_trig.motion")).selectByValue("medium");
    save(form);
    waitFor("saved", () -> "ok".equals(status(form).getDomAttribute("data-state")));
    JsonObject saved = fleetConfig(token);
    assertEquals(151.0, saved.getJsonObject("location").getDouble("radius"));
    assertEquals(30, saved.getJsonObject("location").getInteger("interval_min"));
    assertEquals(900, saved.getJsonObject("location").getInteger("interval_max"));
    assertEquals("medium", saved.getJsonObject("imu_trig").getString("motion"));
    assertEquals(12, saved.getJsonObject("rgb").getInteger("red"));

    // the server's refusal is shown next to the field it names: another administrator raised the
    // minimum meanwhile, so the maximum this page allows is refused
    HttpResponse<String> meanwhile = node.send("PUT", "/v1/products/" + product + "/config",
        new JsonObject().put("location", new JsonObject().put("interval_min", 1200).put("interval_max", 1500)).encode(), token);
    assertEquals(200, meanwhile.statusCode(), meanwhile.body());
    type(field("location.interval_max"), "1000");
    save(form);
    waitFor("the server's refusal next to interval_max", () -> errorFor("location.interval_max").contains("(1000) must be 0 or at least"));
    assertEquals("error", status(form).getDomAttribute("data-state"));
    assertEquals(1200, fleetConfig(token).getJsonObject("location").getInteger("interval_min"));
    assertEquals(1500, fleetConfig(token).getJsonObject("location").getInteger("interval_max"));
    HttpResponse<String> back = node.send("PUT", "/v1/products/" + product + "/config",
        new JsonObject().put("location", new JsonObject().put("interval_min", 30).put("interval_max", 900)).encode(), token);
    assertEquals(200, back.statusCode(), back.body());
    type(field("location.interval_max"), "900");

    // the sync state: both devices are offline and never reported, so stale since the change
    WebElement sync = visible(By.cssSelector("[data-role=sync-state]"));
    waitFor("both devices listed as stale since the change",
        () -> sync.findElements(By.cssSelector("tr[data-state=stale] time[datetime]")).size() == 2);
    assertEquals("Stale: 2", sync.findElement(By.cssSelector("[data-count=stale]")).getText());
    assertEquals("In sync: 0", sync.findElement(By.cssSelector("[data-count=in_sync]")).getText());

    // per-device settings, from the Devices page row of the development device
    browser.get(url("/products/" + product + "/devices"));
    WebElement devRow = visible(By.cssSelector("tr[data-device-id='" + development.id() + "']"));
    assertFalse(browser.findElement(By.cssSelector("tr[data-device-id='" + production.id() + "'] [data-action=device-settings]")).isDisplayed(),
        "a production device runs the fleet's settings: no link");
    devRow.findElement(By.cssSelector("[data-action=device-settings]")).click();
    waitFor("the device's settings page", () -> browser.getCurrentUrl().endsWith("/tracker-settings?device=" + development.id()));
    WebElement deviceForm = visible(By.cssSelector("[data-role=tracker-settings]"));
    waitFor("the fleet's values", () -> "30".equals(field("location.interval_min").getDomProperty("value")));
    assertTrue(browser.findElements(By.cssSelector("[data-role=sync-state]")).isEmpty(), "no fleet sync table for one device");
    new Select(field("rgb.type")).selectByValue("direct");
    type(field("rgb.green"), "77");
    save(deviceForm);
    waitFor("the device's settings saved", () -> "ok".equals(status(deviceForm).getDomAttribute("data-state")));
    JsonObject own = deviceConfig(token, development.id());
    assertEquals("device", own.getString("source"));
    assertEquals(new JsonObject().put("rgb", new JsonObject().put("type", "direct").put("green", 77)), own.getJsonObject("own"),
        "only the changed fields become the device's own");
    assertEquals(30, own.getJsonObject("configuration").getJsonObject("location").getInteger("interval_min"), "the rest is the fleet's");

    deviceForm.findElement(By.cssSelector("[data-action=reset-device-settings]")).click();
    waitFor("back to the fleet's", () -> "tracker".equals(field("rgb.type").getDomProperty("value")));
    JsonObject reset = deviceConfig(token, development.id());
    assertEquals("fleet", reset.getString("source"));
    assertTrue(reset.getJsonObject("own") == null || reset.getJsonObject("own").isEmpty(), reset.encode());

    // a production device's page shows the settings but may not change them
    browser.get(url("/products/" + product + "/tracker-settings?device=" + production.id()));
    WebElement productionForm = visible(By.cssSelector("[data-role=tracker-settings]"));
    waitFor("the explanation", () -> productionForm.findElement(By.cssSelector("[data-role=settings-source]")).getText().contains("Not a development device"));
    assertTrue(productionForm.findElement(By.cssSelector("[data-action=save-tracker-settings]")).getDomAttribute("disabled") != null,
        "save is disabled");

    assertEquals(List.of(), chromium.consoleErrors(), "errors in the browser console");
  }

  @Test
  void aSaveShowsTheOnlineTrackerItWasPushedToAsPendingNotStale() throws Exception {
    String owner = "settings-pending@example.com";
    String token = node.signUpAndLogIn(owner, "correct horse battery");
    TrackerFleet fleet = new TrackerFleet(node);
    int product = fleet.product("pending-fleet", owner, "tracker");
    DeviceIdentity device = fleet.device(product, false);
    Vertx vertx = Vertx.vertx();
    try (TrackerTestDevice tracker = TrackerTestDevice.connect(vertx, node.mqttPort(), device.id(), device.secret(), "")) {
      tracker.handshake(product);
      waitFor("the tracker in sync with the defaults it was sent", () -> inSync(product, token) == 1);
      tracker.acknowledges = false; // from now on it takes the settings and never says so: pending, not stale

      browser.get(url("/login"));
      ConsoleSignIn.as(browser, token);
      browser.get(url("/products/" + product + "/tracker-settings"));
      WebElement form = visible(By.cssSelector("[data-role=tracker-settings]"));
      WebElement sync = visible(By.cssSelector("[data-role=sync-state]"));
      waitFor("in sync before the save", () -> sync.findElements(By.cssSelector("[data-role=all-in-sync]")).size() == 1);
      type(field("location.interval_min"), "600");
      save(form);
      waitFor("saved", () -> "ok".equals(status(form).getDomAttribute("data-state")));
      // the page asks again 0.8, 2.5 and 5 s after the save and then every 10 s: a push recorded later
      // than the last of the first three shows at the next tick, within SYNC_TICK of it
      new WebDriverWait(browser, SYNC_TICK.plus(WAIT)).ignoring(StaleElementReferenceException.class)
          .withMessage(() -> "the online tracker it was pushed to shown pending, without a reload; the API says "
              + syncStatus(product, token) + "; the tracker last got " + tracker.lastSettings())
          .until(d -> sync.findElements(By.cssSelector("tr[data-device-id='" + device.id() + "'][data-state=pending]")).size() == 1);
      assertEquals("Pending: 1", sync.findElement(By.cssSelector("[data-count=pending]")).getText());
      assertEquals("Stale: 0", sync.findElement(By.cssSelector("[data-count=stale]")).getText());
      assertEquals(600, tracker.lastSettings().getJsonObject("configuration").getJsonObject("location").getInteger("interval_min"),
          "the tracker has the new settings: " + tracker.lastSettings().encode());
    } finally {
      vertx.close().await();
    }
    assertEquals(List.of(), chromium.consoleErrors(), "errors in the browser console");
  }

  private static String syncStatus(int product, String token) {
    try {
      return node.get("/v1/products/" + product + "/config/status", token).body();
    } catch (Exception e) {
      return "nothing (" + e + ")";
    }
  }

  private static int inSync(int product, String token) {
    try {
      return new JsonObject(node.get("/v1/products/" + product + "/config/status", token).body()).getJsonObject("summary").getInteger("in_sync");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static JsonObject fleetConfig(String token) throws Exception {
    int product = Integer.parseInt(node.query("SELECT id FROM products WHERE slug = 'settings-fleet'"));
    return new JsonObject(node.get("/v1/products/" + product + "/config", token).body()).getJsonObject("configuration");
  }

  private static JsonObject deviceConfig(String token, String deviceId) throws Exception {
    int product = Integer.parseInt(node.query("SELECT id FROM products WHERE slug = 'settings-fleet'"));
    return new JsonObject(node.get("/v1/products/" + product + "/config/" + deviceId, token).body());
  }

  private static WebElement field(String key) {
    return browser.findElement(By.cssSelector("[data-field='" + key + "']"));
  }

  private static String errorFor(String key) {
    return browser.findElement(By.cssSelector("[data-error-for='" + key + "']")).getText();
  }

  private static String usage(String which) {
    return browser.findElement(By.cssSelector("[data-role=usage-" + which + "]")).getDomAttribute("data-bytes");
  }

  private static WebElement status(WebElement form) {
    return form.findElement(By.cssSelector("[data-role=settings-status]"));
  }

  private static void save(WebElement form) {
    form.findElement(By.cssSelector("[data-action=save-tracker-settings]")).click();
  }

  private static void type(WebElement input, String text) {
    input.clear();
    input.sendKeys(text);
  }

  private static String url(String path) {
    return "http://127.0.0.1:" + node.httpPort() + path;
  }

  private static WebElement visible(By locator) {
    return new WebDriverWait(browser, WAIT).until(ExpectedConditions.visibilityOfElementLocated(locator));
  }

  private static void waitFor(String what, BooleanSupplier condition) {
    new WebDriverWait(browser, WAIT).ignoring(StaleElementReferenceException.class).withMessage(what).until(d -> condition.getAsBoolean());
  }
}
