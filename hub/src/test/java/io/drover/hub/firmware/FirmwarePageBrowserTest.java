package io.drover.hub.firmware;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.support.ConsoleSignIn;
import io.drover.hub.support.HeadlessChromium;
import io.drover.hub.support.TestNode;
import io.drover.hub.support.TestNode.DeviceIdentity;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The product firmware page in a real browser: upload a binary, release it with the impact shown
 * first, and see why a device is targeted. Products and devices are made with SQL (their pages are
 * built elsewhere); the page works inside the plain shell.
 */
class FirmwarePageBrowserTest {

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
  void uploadReleaseWithItsImpactAndTheWhyOfADevice() throws Exception {
    String token = node.signUpAndLogIn("maker@example.com", "maker's password");
    FirmwareFleet fleet = new FirmwareFleet(node);
    int product = fleet.product("console-fw", "maker@example.com");
    DeviceIdentity inBeta = fleet.device(product, 1, false, "beta");
    fleet.device(product, 1, false, "beta");
    fleet.device(product, 1, false);
    fleet.device(product, 2, true);
    fleet.device(product, 3, true);
    fleet.announce(product);
    Path binary = Files.createTempFile("app", ".bin");
    Files.write(binary, FirmwareBinary.wrap(product, 2, FirmwareFleet.PLATFORM, new byte[] {1, 2, 3}));

    browser.get(url("/login"));
    ConsoleSignIn.as(browser, token);
    browser.get(url("/products/console-fw/firmware"));
    visible(By.cssSelector("[data-role=firmware-empty]"));

    click(By.cssSelector("[data-action=upload]"));
    visible(By.cssSelector("[data-field=binary]")).sendKeys(binary.toString());
    visible(By.cssSelector("[data-field=version]")).sendKeys("3");
    visible(By.cssSelector("[data-field=title]")).sendKeys("Second");
    click(By.cssSelector("[data-action=confirm-upload]"));
    waitFor("the API's refusal shown", d -> d.findElement(By.cssSelector("[data-role=upload-error]")).getText().contains("header says version 2"));
    WebElement version = visible(By.cssSelector("[data-field=version]"));
    version.clear();
    version.sendKeys("2");
    click(By.cssSelector("[data-action=confirm-upload]"));
    WebElement row = visible(By.cssSelector("tr[data-version='2']"));
    assertEquals("1", row.findElement(By.cssSelector("[data-role=device-count]")).getText(), "the development device runs it");

    click(By.cssSelector("tr[data-version='2'] [data-action=release]"));
    visible(By.cssSelector("[data-field=groups]")).sendKeys("beta");
    assertTrue(!visible(By.cssSelector("[data-action=confirm-release]")).isEnabled(), "release waits for the impact preview");
    click(By.cssSelector("[data-action=preview]"));
    waitFor("the impacted devices", d -> d.findElement(By.cssSelector("[data-role=impact]")).getText().startsWith("2 devices will be updated to v2"));
    click(By.cssSelector("[data-action=confirm-release]"));
    waitFor("the release shown", d -> d.findElement(By.cssSelector("tr[data-version='2'] [data-role=released-to]")).getText().contains("beta"));
    assertTrue(browser.findElements(By.cssSelector("tr[data-version='2'] [data-action=delete]")).isEmpty(), "released: no delete");

    visible(By.cssSelector("[data-field=device-id]")).sendKeys(inBeta.id());
    click(By.cssSelector("[data-action=why]"));
    waitFor("the device's target and why", d -> "group".equals(d.findElement(By.cssSelector("[data-role=rule]")).getDomAttribute("data-rule")));
    assertEquals("v2", browser.findElement(By.cssSelector("[data-role=target]")).getText());
    assertTrue(browser.findElement(By.cssSelector("[data-role=rule]")).getText().contains("group beta"));

    // the product's device list links each device's version to its "why" here
    browser.get(url("/products/" + product + "/devices"));
    click(By.cssSelector("tr[data-device-id='" + inBeta.id() + "'] [data-action=firmware-why]"));
    waitFor("the linked device's why", d -> "group".equals(d.findElement(By.cssSelector("[data-role=rule]")).getDomAttribute("data-rule")));

    // a staged rollout of the next version, paused from the page
    fleet.uploaded(product, 3, new byte[] {3}, token);
    browser.navigate().refresh();
    click(By.cssSelector("tr[data-version='3'] [data-action=release]"));
    visible(By.cssSelector("[data-field=groups]")).sendKeys("beta");
    visible(By.cssSelector("[data-field=batch-percent]")).sendKeys("50");
    click(By.cssSelector("[data-action=preview]"));
    waitFor("the impacted devices", d -> d.findElement(By.cssSelector("[data-role=impact]")).getText().startsWith("2 devices will be updated to v3"));
    click(By.cssSelector("[data-action=confirm-release]"));
    waitFor("the rollout listed", d -> "running".equals(d.findElement(By.cssSelector("[data-role=rollout-state]")).getText()));
    click(By.cssSelector("[data-action=rollout-pause]"));
    waitFor("the rollout paused", d -> "paused".equals(d.findElement(By.cssSelector("[data-role=rollout-state]")).getText()));

    List<String> errors = chromium.consoleErrors();
    assertEquals(List.of(), errors, "errors in the browser console");
  }

  private static String url(String path) {
    return "http://127.0.0.1:" + node.httpPort() + path;
  }

  private static WebElement visible(By locator) {
    return new WebDriverWait(browser, WAIT).until(ExpectedConditions.visibilityOfElementLocated(locator));
  }

  private static void click(By locator) {
    new WebDriverWait(browser, WAIT).until(ExpectedConditions.elementToBeClickable(locator)).click();
  }

  private static void waitFor(String what, Function<WebDriver, Boolean> condition) {
    new WebDriverWait(browser, WAIT).ignoring(StaleElementReferenceException.class).ignoring(org.openqa.selenium.NoSuchElementException.class)
        .withMessage(what).until(condition::apply);
  }
}
