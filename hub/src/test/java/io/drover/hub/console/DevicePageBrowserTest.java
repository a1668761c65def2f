package io.drover.hub.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.support.ConsoleSignIn;
import io.drover.hub.support.HeadlessChromium;
import io.drover.hub.support.TestDevice;
import io.drover.hub.support.TestNode;
import io.drover.hub.support.TestNode.DeviceIdentity;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.NoSuchElementException;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The account's device page in a real browser: its Device OS and firmware details, the ID kept whole,
 * Copy ID, Ping, Signal on and off, rename in place, a refused function call shown as a refusal, its
 * events open from the start, and the unclaim card for the device's owner only.
 */
@ExtendWith(VertxExtension.class)
class DevicePageBrowserTest {

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
  void theOwnersDevicePageActsOnTheDeviceAndShowsARefusalAsOne(Vertx vertx) throws Exception {
    String token = node.signUpAndLogIn("device-page-owner@example.com", "correct horse battery");
    DeviceIdentity identity = node.provisionDevice();
    node.claim(identity.id(), token);
    node.execute("UPDATE devices SET platform_id = 12, system_firmware_version = '5.8.0', firmware_version = 3 WHERE id = '"
        + identity.id() + "'");
    try (TestDevice device = TestDevice.connect(vertx, node.mqttPort(), identity.id(), identity.secret()).await(10, TimeUnit.SECONDS)) {
      device.behave(Map.<String, Function<String, String>>of("cmd", arg -> arg.startsWith("{") ? "0" : "-22"),
          Map.<String, Map.Entry<String, Supplier<String>>>of());
      TestNode.eventually(WAIT, () -> get("/v1/devices/" + identity.id(), token).contains("\"cmd\""), "the functions reached the hub");
      open(token, "/devices/" + identity.id());

      assertEquals("5.8.0", visible(By.cssSelector("[data-role=system-version]")).getText());
      assertEquals("v3", visible(By.cssSelector("[data-role=firmware-version]")).getText());
      assertTrue(visible(By.cssSelector("dl.details")).getText().contains("Argon (12)"), "the platform, named");

      // the ID is one unbroken line, whole in its title
      WebElement id = visible(By.cssSelector(".details [data-role=device-id]"));
      assertEquals("nowrap", id.getCssValue("white-space"));
      assertEquals(identity.id(), id.getDomAttribute("title"));
      browser.manage().window().setSize(new org.openqa.selenium.Dimension(420, 900));
      try {
        WebElement heading = visible(By.cssSelector(".device-subtitle [data-role=device-id]"));
        Number lineHeight = (Number) browser.executeScript(
            "const s = getComputedStyle(arguments[0]); return parseFloat(s.lineHeight) || parseFloat(s.fontSize) * 1.6;", heading);
        assertTrue(heading.getSize().getHeight() < 2 * lineHeight.doubleValue(), "one line in a narrow window: " + heading.getSize());
      } finally {
        browser.manage().window().setSize(new org.openqa.selenium.Dimension(1280, 900));
      }

      visible(By.cssSelector("[data-action=copy-id]")).click();
      waitFor("copied", d -> "copied".equals(d.findElement(By.cssSelector("[data-action=copy-id]")).getDomAttribute("data-state")));

      // its events are open already: what it publishes shows
      waitFor("the events live", d -> "live".equals(
          d.findElement(By.cssSelector("[data-role=device-events] [data-role=events-live]")).getDomAttribute("data-live")));
      device.publish("pressure", "1013");
      waitFor("the device's event", d -> d.findElements(By.cssSelector("[data-role=device-events] [data-role=event-list] li .event-name"))
          .stream().anyMatch(name -> name.getText().equals("pressure")));

      // a tracker's cmd refuses text that is not JSON with -22: a refusal, not a green success
      WebElement form = visible(By.cssSelector("form[data-function=cmd]"));
      form.findElement(By.tagName("input")).sendKeys("not json", Keys.ENTER);
      WebElement result = form.findElement(By.cssSelector("[data-role=function-result]"));
      waitFor("the refusal", d -> "refused".equals(result.getDomAttribute("data-state")));
      assertEquals("-22", result.findElement(By.cssSelector(".result-value")).getText());
      assertTrue(result.getText().startsWith("Refused"), result.getText());
      String refusedColour = result.findElement(By.cssSelector(".result-value")).getCssValue("background-color");
      WebElement input = form.findElement(By.tagName("input"));
      input.sendKeys(Keys.chord(Keys.CONTROL, "a"), Keys.BACK_SPACE);
      input.sendKeys("{\"cmd\":\"get_loc\"}", Keys.ENTER);
      waitFor("the success", d -> "ok".equals(result.getDomAttribute("data-state")));
      assertEquals("0", result.findElement(By.cssSelector(".result-value")).getText());
      assertNotEquals(refusedColour, result.findElement(By.cssSelector(".result-value")).getCssValue("background-color"),
          "a refusal does not look like a success");

      visible(By.cssSelector("[data-action=ping]")).click();
      waitFor("pinged", d -> d.findElement(By.cssSelector("[data-role=action-status]")).getText().startsWith("Online"));

      visible(By.cssSelector("[data-action=signal]")).click();
      waitFor("signaling", d -> "true".equals(d.findElement(By.cssSelector("[data-action=signal]")).getDomAttribute("aria-pressed")));
      assertEquals("Stop signaling", browser.findElement(By.cssSelector("[data-action=signal]")).getText());
      TestNode.eventually(WAIT, () -> received(device, "1"), "c/s 1 at the device");
      browser.findElement(By.cssSelector("[data-action=signal]")).click();
      waitFor("signal off", d -> "false".equals(d.findElement(By.cssSelector("[data-action=signal]")).getDomAttribute("aria-pressed")));
      TestNode.eventually(WAIT, () -> received(device, "0"), "c/s 0 at the device");

      visible(By.cssSelector("[data-action=rename]")).click();
      WebElement name = visible(By.id("device-name"));
      name.sendKeys(Keys.chord(Keys.CONTROL, "a"), "has space", Keys.ENTER);
      assertEquals("Use 1 to 63 letters, digits, _ or -.", visible(By.id("device-name-error")).getText());
      name.sendKeys(Keys.chord(Keys.CONTROL, "a"), "greenhouse", Keys.ENTER);
      waitFor("renamed", d -> d.findElement(By.cssSelector("h1.page-title")).getText().equals("greenhouse"));
      assertEquals("greenhouse", new JsonObject(get("/v1/devices/" + identity.id(), token)).getString("name"));

      assertTrue(visible(By.cssSelector("[data-role=ownership]")).getText().contains("removes this device from your account"));
    }
    assertEquals(List.of(), chromium.consoleErrors(), "errors in the browser console");
  }

  @Test
  void aDeviceSeenByAnAdministratorIsNotTheirsToUnclaim() throws Exception {
    String ownerToken = node.signUpAndLogIn("device-page-other@example.com", "correct horse battery");
    DeviceIdentity identity = node.provisionDevice();
    node.claim(identity.id(), ownerToken);
    String admin = node.createAdministrator("device-page-admin@example.com", "correct horse battery");

    open(admin, "/devices/" + identity.id());
    waitFor("the owner shown", d -> d.findElement(By.cssSelector("dl.details")).getText().contains("device-page-other@example.com"));
    WebElement ownership = browser.findElement(By.cssSelector("[data-role=ownership]"));
    assertFalse(ownership.isDisplayed(), "no 'removes this device from your account' for someone else's device");
    assertTrue(browser.findElements(By.cssSelector("[data-action=unclaim]")).stream().noneMatch(WebElement::isDisplayed));
  }

  private static boolean received(TestDevice device, String payload) {
    return device.received().stream().anyMatch(m -> m.topicName().equals("c/s") && m.payload().toString().equals(payload));
  }

  private static String get(String path, String token) {
    try {
      return node.get(path, token).body();
    } catch (Exception e) {
      return "";
    }
  }

  private static void open(String token, String path) {
    browser.get("http://127.0.0.1:" + node.httpPort() + "/login");
    ConsoleSignIn.as(browser, token);
    browser.get("http://127.0.0.1:" + node.httpPort() + path);
  }

  private static WebElement visible(By locator) {
    return new WebDriverWait(browser, WAIT).until(ExpectedConditions.visibilityOfElementLocated(locator));
  }

  private static void waitFor(String what, Function<WebDriver, Boolean> condition) {
    new WebDriverWait(browser, WAIT).ignoring(StaleElementReferenceException.class).ignoring(NoSuchElementException.class)
        .withMessage(what).until(condition::apply);
  }
}
