package io.drover.hub.tracker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.drover.hub.support.ConsoleSignIn;
import io.drover.hub.support.TestDevice;
import io.drover.hub.support.HeadlessChromium;
import io.drover.hub.support.TestNode;
import io.drover.hub.support.TestNode.DeviceIdentity;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/** The device page's cmd box, in headless Chromium against a real node and a simulated tracker. */
@ExtendWith(VertxExtension.class)
class TrackerCmdBrowserTest {

  private static final Duration WAIT = Duration.ofSeconds(10);
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
  void theCmdBoxRefusesInvalidJsonWithoutSendingAndShowsTheDevicesAnswer(Vertx vertx) throws Exception {
    String token = node.signUpAndLogIn("tracker-owner@example.com", "correct horse battery");
    DeviceIdentity identity = node.provisionDevice();
    node.claim(identity.id(), token);
    List<String> commands = new CopyOnWriteArrayList<>();
    TestDevice tracker = TestDevice.connect(vertx, node.mqttPort(), identity.id(), identity.secret()).await(10, TimeUnit.SECONDS);
    try {
      // as tracker firmware: 0 for a command it knows, -22 for one it cannot parse
      tracker.behave(Map.of("cmd", argument -> {
        commands.add(argument);
        return argument.contains("\"get_loc\"") ? "0" : "-22";
      }), Map.of());
      TestNode.eventually(WAIT, () -> declaresCmd(token, identity.id()), "the cmd function declared");

      browser.get(url("/login"));
      ConsoleSignIn.as(browser, token);
      browser.get(url("/devices/" + identity.id()));
      WebElement box = visible(By.cssSelector("[data-role=cmd-box]"));
      WebElement input = box.findElement(By.tagName("textarea"));
      WebElement result = box.findElement(By.cssSelector("[data-role=cmd-result]"));

      input.sendKeys("{\"cmd\": get_loc}");
      box.findElement(By.cssSelector("[data-action=send-cmd]")).click();
      waitFor("the refusal", () -> "error".equals(result.getDomAttribute("data-state")));
      assertEquals("-22", result.findElement(By.cssSelector(".result-value")).getText());
      Thread.sleep(300);
      assertEquals(List.of(), commands, "invalid JSON is never sent");

      box.findElement(By.cssSelector("[data-preset=get_loc]")).click();
      box.findElement(By.cssSelector("[data-action=send-cmd]")).click();
      waitFor("the device's answer", () -> "ok".equals(result.getDomAttribute("data-state")));
      assertEquals("0", result.findElement(By.cssSelector(".result-value")).getText());
      assertEquals(List.of("{\"cmd\":\"get_loc\"}"), commands, "the command reaches the device as typed");

      List<String> errors = chromium.consoleErrors();
      assertEquals(List.of(), errors, "errors in the browser console");
    } finally {
      tracker.close();
    }
  }

  private static boolean declaresCmd(String token, String deviceId) {
    try {
      return new JsonObject(node.get("/v1/devices/" + deviceId, token).body()).getJsonArray("functions").contains("cmd");
    } catch (Exception e) {
      return false;
    }
  }

  private static String url(String path) {
    return "http://127.0.0.1:" + node.httpPort() + path;
  }

  private static WebElement visible(By locator) {
    return new WebDriverWait(browser, WAIT).until(ExpectedConditions.visibilityOfElementLocated(locator));
  }

  private static void waitFor(String what, java.util.function.BooleanSupplier condition) {
    new WebDriverWait(browser, WAIT).ignoring(StaleElementReferenceException.class).withMessage(what).until(d -> condition.getAsBoolean());
  }
}
