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
 * The product firmware page in a real browser: upload a binary, release it to groups ticked in the
 * product's list with the impact shown first (and the release's refusal, when it would be refused),
 * see why a device is targeted, and read the API's refusals in plain words. Products and devices are
 * made with SQL (their pages are built elsewhere); the page works inside the plain shell.
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

    node.execute("INSERT INTO device_groups (product_id, name, color) VALUES (" + product + ", 'gamma', '#aa3377')");
    click(By.cssSelector("tr[data-version='2'] [data-action=release]"));
    waitFor("the product's groups listed", d -> d.findElements(By.cssSelector("[data-role=release-groups] input[data-field=group]")).size() == 2);
    assertEquals(List.of("beta", "gamma"), browser.findElements(By.cssSelector("[data-role=release-groups] input[data-field=group]")).stream()
        .map(box -> box.getDomAttribute("value")).toList(), "every group of the product, by name");
    assertTrue(browser.findElement(By.cssSelector("[data-role=release-groups] [data-group=beta]")).getText().contains("2 devices"));
    click(By.cssSelector("[data-role=release-groups] input[value=beta]"));
    assertTrue(!visible(By.cssSelector("[data-action=confirm-release]")).isEnabled(), "release waits for the impact preview");
    click(By.cssSelector("[data-action=preview]"));
    waitFor("the impacted devices", d -> d.findElement(By.cssSelector("[data-role=impact]")).getText().startsWith("2 devices will be updated to v2"));
    click(By.cssSelector("[data-action=confirm-release]"));
    waitFor("the release shown", d -> d.findElement(By.cssSelector("tr[data-version='2'] [data-role=released-to]")).getText().contains("beta"));
    assertEquals("[\"beta\"]", node.query("SELECT json_agg(group_name ORDER BY group_name) FROM firmware_group_releases WHERE version = 2 AND product_id = " + product),
        "the ticked group reached the release request, and only it");
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
    waitFor("v3's release form", d -> d.findElement(By.cssSelector("[data-role=release-groups] input[value=beta]")).isDisplayed());
    assertTrue(!browser.findElement(By.cssSelector("[data-role=release-groups] input[value=beta]")).isSelected(), "v3 is released nowhere yet");
    click(By.cssSelector("[data-role=release-groups] input[value=beta]"));
    visible(By.cssSelector("[data-field=batch-percent]")).sendKeys("50");
    click(By.cssSelector("[data-action=preview]"));
    waitFor("the impacted devices", d -> d.findElement(By.cssSelector("[data-role=impact]")).getText().startsWith("2 devices will be updated to v3"));
    click(By.cssSelector("[data-action=confirm-release]"));
    waitFor("the rollout listed", d -> "running".equals(d.findElement(By.cssSelector("[data-role=rollout-state]")).getText()));
    click(By.cssSelector("[data-action=rollout-pause]"));
    waitFor("the rollout paused", d -> "paused".equals(d.findElement(By.cssSelector("[data-role=rollout-state]")).getText()));

    // a version no device has run: the preview says the release would be refused, and Release stays off
    fleet.uploaded(product, 4, new byte[] {4}, token);
    browser.navigate().refresh();
    click(By.cssSelector("tr[data-version='4'] [data-action=release]"));
    click(By.cssSelector("[data-field=product-default]"));
    click(By.cssSelector("[data-action=preview]"));
    WebElement guard = visible(By.cssSelector("[data-role=release-guard]"));
    assertTrue(guard.getText().startsWith("Release refused: version 4 must run on at least one device"), guard.getText());
    assertTrue(guard.getText().contains("flash it to a development device first"), guard.getText());
    assertTrue(browser.findElements(By.cssSelector("[data-role=impacted-count]")).isEmpty(), "no 'devices will be updated' for a refused release");
    assertTrue(!browser.findElement(By.cssSelector("[data-action=confirm-release]")).isEnabled(), "Release is disabled");
    click(By.cssSelector("dialog [data-action=cancel]"));

    // the API's refusals in plain words: a lock with no version chosen names no field
    WebElement deviceId = visible(By.cssSelector("[data-field=device-id]"));
    deviceId.clear();
    deviceId.sendKeys(inBeta.id());
    click(By.cssSelector("[data-action=why]"));
    click(By.cssSelector("[data-action=lock]"));
    waitFor("the lock's refusal", d -> !d.findElement(By.cssSelector("[data-role=target-error]")).getText().isEmpty());
    assertEquals("Choose a firmware version.", browser.findElement(By.cssSelector("[data-role=target-error]")).getText(),
        "the API said 'desired_firmware_version must be a positive integer'");

    List<String> errors = chromium.consoleErrors();
    assertEquals(List.of(), errors, "errors in the browser console");
  }

  /** The one module that words the API's refusals: field names never reach the user, the server's text is kept otherwise. */
  @Test
  void refusalsAreWordedForTheUser() {
    browser.get(url("/login"));
    @SuppressWarnings("unchecked")
    List<String> worded = (List<String>) browser.executeAsyncScript("""
        const done = arguments[arguments.length - 1];
        import('/assets/lib/plain-errors.js').then(({ plainError }) => done([
          plainError({ error: 'invalid_request', message: 'desired_firmware_version must be a positive integer' }),
          plainError({ error: 'invalid_request', message: 'title is required' }),
          plainError({ error: 'version_mismatch', message: "version: you entered 3 but the binary's header says version 2" }),
          plainError({ error: 'invalid_request', message: 'product_default must be true or false' }),
          plainError({ error: 'invalid_request', message: 'batch_percent must be an integer from 1 to 100' }),
          plainError({ error: 'invalid_request', message: 'an unknown_field_name is wrong' }),
          plainError({ error: 'not_found', message: 'Product 5 has no firmware version 9' }),
          plainError({ error: 'firmware_not_running', message: 'Version 4 must run on at least one device of the product before it is released' }),
          plainError({ error: 'http_502', message: '' }),
        ]), (e) => done(['import failed: ' + e]));""");
    assertEquals(List.of(
        "Choose a firmware version.",
        "Enter a title.",
        "Firmware version: you entered 3 but the binary's header says version 2.",
        "Choose whether this is the product default.",
        "Enter a batch size from 1 to 100 percent, or leave it empty to release to all at once.",
        "An unknown field name is wrong.",
        "Product 5 has no firmware version 9.",
        "Release refused: version 4 must run on at least one device of the product before it is released.",
        "Something went wrong. Try again."), worded);
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
