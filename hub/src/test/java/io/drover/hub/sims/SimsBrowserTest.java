package io.drover.hub.sims;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.support.ConsoleSignIn;
import io.drover.hub.support.HeadlessChromium;
import io.drover.hub.support.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The SIM cards page in Chromium against a real node: the list with status and device, the usage chart
 * drawn by the node's own uPlot (no CDN: the page's CSP allows no other origin), an import the API
 * refuses with its lines listed, an import that works, and a deactivation.
 */
class SimsBrowserTest {

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
  static void stop() throws Exception {
    try {
      if (chromium != null) {
        chromium.close();
      }
    } finally {
      node.close();
    }
  }

  @Test
  void theSimsPageListsChartsImportsAndDeactivates() throws Exception {
    String token = node.signUpAndLogIn("sims-browser@example.com", "correct horse battery staple");
    String device = node.provisionDevice().id();
    node.claim(device, token);
    String iccid = SimFixture.iccid();
    node.post("/v1/sims", new JsonObject().put("sims", new JsonArray().add(new JsonObject().put("iccid", iccid).put("device_id", device))).encode(), token);
    LocalDate today = LocalDate.now(ZoneOffset.UTC);
    node.execute("INSERT INTO sim_data_usage (iccid, day, bytes_in, bytes_out) VALUES ('" + iccid + "', '" + today + "', 2500000, 500000)");

    browser.get(url("/login"));
    ConsoleSignIn.as(browser, token);
    browser.get(url("/sims"));
    WebElement row = visible(By.cssSelector("table[data-role=sims] tr[data-iccid='" + iccid + "']"));
    assertEquals("Active", row.findElement(By.cssSelector("[data-role=status]")).getText());
    assertTrue(row.getText().contains(device) || row.findElements(By.cssSelector("a[href='/devices/" + device + "']")).size() == 1, row.getText());

    row.findElement(By.cssSelector("[data-action=usage]")).click();
    waitFor("the month's total", d -> d.findElement(By.cssSelector("[data-role=usage-total]")).getText().startsWith("3 MB used"));
    visible(By.cssSelector("[data-role=usage-chart] .uplot canvas"));
    assertEquals(1L, browser.executeScript("return document.querySelectorAll('link[href=\"/assets/vendor/uplot/uPlot.min.css\"]').length"));
    screenshot("/tmp/sims-usage.png");

    visible(By.cssSelector("[data-action=open-import]")).click();
    String good = SimFixture.iccid();
    String bad = SimFixture.badCheckDigit(SimFixture.iccid());
    visible(By.id("sim-iccids")).sendKeys(good + "\n" + bad);
    browser.findElement(By.cssSelector("[data-action=import-sims]")).click();
    WebElement error = visible(By.cssSelector("[data-role=import-error] .callout-error"));
    assertTrue(error.getText().contains(bad) && error.getText().contains("Luhn check digit"), error.getText());
    assertEquals(404, node.get("/v1/sims/" + good, token).statusCode(), "nothing of the refused import was stored");

    WebElement field = browser.findElement(By.id("sim-iccids"));
    field.clear();
    field.sendKeys(good);
    browser.findElement(By.cssSelector("[data-action=import-sims]")).click();
    visible(By.cssSelector("table[data-role=sims] tr[data-iccid='" + good + "']"));

    browser.findElement(By.cssSelector("tr[data-iccid='" + iccid + "'] [data-action=deactivate]")).click();
    waitFor("the SIM deactivated", d -> d.findElements(By.cssSelector("tr[data-iccid='" + iccid + "'][data-status=deactivated]")).size() == 1);
    assertEquals("deactivated", new JsonObject(node.get("/v1/sims/" + iccid, token).body()).getString("status"));

    // paused at its data limit (3 MB used of 1): reactivated in a dialog asking for a higher limit, never window.prompt
    node.execute("UPDATE sims SET status = 'inactive', mb_limit = 1, last_status_change_action = 'data_limit_reached' WHERE iccid = '" + iccid + "'");
    browser.navigate().refresh();
    browser.executeScript("window.prompt = () => { throw new Error('window.prompt used'); }");
    visible(By.cssSelector("tr[data-iccid='" + iccid + "'][data-status=inactive] [data-action=reactivate]")).click();
    WebElement limit = visible(By.cssSelector("dialog [data-role=sim-new-limit]"));
    limit.clear();
    limit.sendKeys("2");
    browser.findElement(By.cssSelector("dialog [data-action=confirm-reactivate]")).click();
    waitFor("the refusal in the dialog", d -> d.findElement(By.cssSelector("dialog .form-error")).getText().contains("used 3 MB"));
    assertEquals("inactive", new JsonObject(node.get("/v1/sims/" + iccid, token).body()).getString("status"));
    limit.clear();
    limit.sendKeys("10");
    browser.findElement(By.cssSelector("dialog [data-action=confirm-reactivate]")).click();
    waitFor("the SIM active again", d -> d.findElements(By.cssSelector("tr[data-iccid='" + iccid + "'][data-status=active]")).size() == 1);
    JsonObject reactivated = new JsonObject(node.get("/v1/sims/" + iccid, token).body());
    assertEquals(10, reactivated.getInteger("mb_limit"));
    assertEquals(List.of(), chromium.consoleErrors(), "errors in the browser console");
  }

  @Test
  void aProductsSimsPageChartsItsFleet() throws Exception {
    String token = node.signUpAndLogIn("sims-product-browser@example.com", "correct horse battery staple");
    int product = new JsonObject(node.post("/v1/products", new JsonObject().put("product", new JsonObject().put("name", "Cellular Fleet")
        .put("platform_id", 13)).encode(), token).body()).getJsonObject("product").getInteger("id");
    String iccid = SimFixture.iccid();
    assertEquals(200, node.post("/v1/products/" + product + "/sims", new JsonObject().put("sims", new JsonArray().add(iccid)).encode(), token)
        .statusCode());
    node.execute("INSERT INTO sim_data_usage (iccid, day, bytes_in, bytes_out) VALUES ('" + iccid + "', '" + LocalDate.now(ZoneOffset.UTC)
        + "', 4000000, 0)");

    browser.get(url("/login"));
    ConsoleSignIn.as(browser, token);
    browser.get(url("/products/" + product + "/sims"));
    visible(By.cssSelector("table[data-role=sims] tr[data-iccid='" + iccid + "']"));
    waitFor("the fleet's total", d -> d.findElement(By.cssSelector("[data-role=usage-total]")).getText().startsWith("4 MB used this month by 1 active SIM"));
    visible(By.cssSelector("[data-role=usage-chart] .uplot canvas"));
    assertEquals(List.of(), chromium.consoleErrors(), "errors in the browser console");
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

  private static void screenshot(String file) throws Exception {
    Path shot = browser.getScreenshotAs(OutputType.FILE).toPath();
    Files.copy(shot, Path.of(file), StandardCopyOption.REPLACE_EXISTING);
  }
}
