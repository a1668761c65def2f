package io.drover.hub.products.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.support.ConsoleSignIn;
import io.drover.hub.support.HeadlessChromium;
import io.drover.hub.support.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
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

/** The product Devices and Groups pages in a real browser: import a file and see the outcomes; groups; the development flag. */
class ProductDevicesBrowserTest {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private static TestNode node;
  private static FleetFixture fleet;
  private static ChromeDriver browser;
  private static HeadlessChromium chromium;
  private static String alice;
  private static int product;

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.start();
    fleet = new FleetFixture(node);
    alice = node.signUpAndLogIn("alice@example.com", "alice's password");
    node.signUpAndLogIn("carol@example.com", "carol's password");
    product = fleet.product("trackers", "alice@example.com");
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
  void importingAFileShowsTheFourOutcomesAndTheNewDevices() throws Exception {
    // a team member's own device joins by its ID (an unowned one would need the product's claim code: DeviceClaimCodesTest)
    String alices = fleet.device("alice@example.com", null);
    String already = fleet.device(null, product);
    String outsiders = fleet.device("carol@example.com", null);
    String unknown = FleetFixture.newId();
    Path file = Files.createTempFile("devices", ".txt");
    Files.writeString(file, alices + "\n\n  " + already + "  \n" + outsiders + "\n" + unknown + "\nnonsense\n");
    openSignedIn("/products/trackers/devices");
    waitFor("one device listed", d -> "1".equals(d.findElement(By.cssSelector("[data-role=device-total]")).getDomAttribute("data-total")));

    visible(By.cssSelector("[data-action=open-import]")).click();
    visible(By.cssSelector("[data-role=import-file]")).sendKeys(file.toString());
    browser.findElement(By.cssSelector("[data-action=upload]")).click();

    WebElement results = visible(By.cssSelector("[data-role=import-results] [data-outcome=updated]"));
    assertTrue(results.getText().contains(alices), results.getText());
    assertEquals(List.of(alices), idsOf("updated"));
    assertEquals(List.of(already), idsOf("existing"));
    assertEquals(List.of(outsiders), idsOf("nonmember"));
    assertEquals(List.of("nonsense", unknown), idsOf("invalid"));
    screenshot("/tmp/product-devices-import.png");
    Files.delete(file);
    browser.findElement(By.cssSelector("[data-action=close-import]")).click();
    waitFor("the list with the imported device", d -> !d.findElements(By.cssSelector("tr[data-device-id='" + alices + "']")).isEmpty());
    assertEquals("2", browser.findElement(By.cssSelector("[data-role=device-total]")).getDomAttribute("data-total"));
  }

  @Test
  void aGroupMadeOnTheGroupsPageTakesDevicesSelectedOnTheDevicesPage() throws Exception {
    List<String> devices = fleet.devices(3, product);
    openSignedIn("/products/trackers/groups");
    visible(By.cssSelector("[data-action=new-group]")).click();
    visible(By.id("group-name")).sendKeys("field-team");
    browser.findElement(By.id("group-description")).sendKeys("Out in the field");
    browser.findElement(By.cssSelector("[data-action=save-group]")).click();
    waitFor("the new group listed", d -> !d.findElements(By.cssSelector("tr[data-group=field-team]")).isEmpty());
    assertEquals("0", browser.findElement(By.cssSelector("tr[data-group=field-team] [data-role=device-count]")).getText());

    browser.get(url("/products/trackers/devices"));
    for (String id : devices.subList(0, 2)) {
      visible(By.cssSelector("tr[data-device-id='" + id + "'] input[type=checkbox]:not([data-role])")).click();
    }
    waitFor("two selected", d -> d.findElement(By.cssSelector("[data-role=selected-count]")).getText().startsWith("2 devices"));
    new Select(browser.findElement(By.cssSelector("[data-role=batch-group]"))).selectByValue("field-team");
    browser.findElement(By.cssSelector("[data-action=add-to-group]")).click();
    waitFor("the group shown on both rows", d -> devices.subList(0, 2).stream().allMatch(id ->
        d.findElement(By.cssSelector("tr[data-device-id='" + id + "'] [data-role=groups]")).getText().contains("field-team")));
    JsonObject grouped = new JsonObject(node.get("/v1/products/trackers/devices?groups=field-team", alice).body());
    assertEquals(2, grouped.getJsonObject("meta").getInteger("total"));

    new Select(visible(By.cssSelector("[data-role=group-filter]"))).selectByValue("field-team");
    waitFor("the list filtered to the group", d -> "2".equals(d.findElement(By.cssSelector("[data-role=device-total]")).getDomAttribute("data-total")));

    WebElement development = browser.findElement(By.cssSelector("tr[data-device-id='" + devices.get(0) + "'] [data-role=development]"));
    development.click();
    TestNode.eventually(WAIT, () -> {
      try {
        return "true".equals(node.query("SELECT development::text FROM devices WHERE id = '" + devices.get(0) + "'"));
      } catch (java.sql.SQLException e) {
        throw new IllegalStateException(e);
      }
    }, "the development flag stored");

    screenshot("/tmp/product-devices.png");
    browser.get(url("/products/trackers/groups"));
    waitFor("the group's count", d -> "2".equals(d.findElement(By.cssSelector("tr[data-group=field-team] [data-role=device-count]")).getText()));
    screenshot("/tmp/product-groups.png");
    assertEquals(new JsonArray(List.of("field-team")),
        new JsonObject(node.get("/v1/products/trackers/devices/" + devices.get(1), alice).body()).getJsonArray("groups"));
  }

  private static void screenshot(String file) throws IOException {
    Files.copy(browser.getScreenshotAs(org.openqa.selenium.OutputType.FILE).toPath(), Path.of(file), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }

  private static List<String> idsOf(String outcome) {
    return browser.findElements(By.cssSelector("[data-outcome=" + outcome + "] li")).stream().map(WebElement::getText).toList();
  }

  private static void openSignedIn(String path) {
    browser.get(url("/login"));
    ConsoleSignIn.as(browser, alice);
    browser.get(url(path));
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
