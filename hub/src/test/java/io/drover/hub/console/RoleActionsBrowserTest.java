package io.drover.hub.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.firmware.FirmwareFleet;
import io.drover.hub.support.ConsoleSignIn;
import io.drover.hub.support.HeadlessChromium;
import io.drover.hub.support.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A product's pages hide what the caller's role may not do, from the permissions
 * GET /v1/products/:id answers (the API refuses them all the same). The same pages, the same rows, for
 * the product's administrator (every write action shown: the check can fail) and for a Support member
 * (none shown).
 */
class RoleActionsBrowserTest {

  private static final Duration WAIT = Duration.ofSeconds(15);
  private static final String PASSWORD = "correct horse battery";

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
  void aSupportMemberSeesNoWriteActionWhereAnAdministratorSeesThemAll() throws Exception {
    String owner = node.signUpAndLogIn("roles-owner@example.com", PASSWORD);
    String support = node.signUpAndLogIn("roles-support@example.com", PASSWORD);
    FirmwareFleet fleet = new FirmwareFleet(node);
    int product = fleet.product("roles", "roles-owner@example.com");
    fleet.member(product, "roles-support@example.com", "support");
    String device = fleet.device(product, 1, false, "beta").id();
    fleet.uploaded(product, 2, new byte[] {2}, owner);
    String iccid = ConsolePagesFixture.iccid();
    HttpResponse<String> sims = node.post("/v1/products/" + product + "/sims",
        new JsonObject().put("sims", new JsonArray().add(new JsonObject().put("iccid", iccid))).encode(), owner);
    assertTrue(sims.statusCode() / 100 == 2, sims.body());

    String base = "/products/" + product;
    // page -> [what shows the page has drawn its rows, the write actions on it]
    Map<String, List<String>> pages = new LinkedHashMap<>();
    pages.put(base + "/devices", List.of("tr[data-device-id='" + device + "']",
        "[data-action=open-import]", "[data-action=remove]", "[data-role=development]"));
    pages.put(base + "/groups", List.of("tr[data-group=beta]", "[data-action=new-group]", "[data-action=edit-group]", "[data-action=delete-group]"));
    pages.put(base + "/firmware", List.of("tr[data-version='2']", "[data-action=upload]", "[data-action=release]", "[data-action=delete]"));
    pages.put(base + "/sims", List.of("tr[data-iccid='" + iccid + "']", "[data-action=open-import]", "tr[data-iccid] [data-action]"));
    pages.put(base + "/customers", List.of("[data-role=clients]", "[data-action=create-client]"));
    pages.put(base + "/devices/" + device, List.of("[data-role=device-details]",
        "[data-action=lock]", "[data-action=flash-now]", "[data-role=device-groups]", "[data-role=development]", "[data-action=remove]"));

    List<String> shownToSupport = new ArrayList<>();
    for (Map.Entry<String, List<String>> page : pages.entrySet()) {
      List<String> writes = page.getValue().subList(1, page.getValue().size());
      open(owner, page.getKey(), page.getValue().get(0));
      for (String write : writes) {
        assertTrue(displayed(write) > 0, "the administrator sees " + write + " on " + page.getKey());
      }
      open(support, page.getKey(), page.getValue().get(0));
      for (String write : writes) {
        if (displayed(write) > 0) {
          shownToSupport.add(page.getKey() + " " + write);
        }
      }
    }
    assertEquals(List.of(), shownToSupport, "write actions a Support member sees");

    // the product sidebar: Billing (whose page needs manage_billing) only for those who may
    open(owner, base + "/devices", "[data-role=product-nav] a[href$='/billing']");
    open(support, base + "/devices", "tr[data-device-id='" + device + "']");
    new WebDriverWait(browser, WAIT).until(d -> !d.findElements(By.cssSelector("[data-role=product-nav] a[href$='/devices']")).isEmpty());
    assertTrue(browser.findElements(By.cssSelector("[data-role=product-nav] a[href$='/billing']")).isEmpty(), "no Billing for Support");

    // what stays the API's to refuse: Support's import is refused whatever the page shows
    assertEquals(403, node.post("/v1/products/" + product + "/groups", "{\"name\":\"sneaky\"}", support).statusCode());
    assertEquals(List.of(), chromium.consoleErrors(), "errors in the browser console");
  }

  private static void open(String token, String path, String ready) {
    browser.get(url("/login"));
    ConsoleSignIn.as(browser, token);
    browser.get(url(path));
    new WebDriverWait(browser, WAIT).until(ExpectedConditions.presenceOfElementLocated(By.cssSelector(ready)));
    // the product (and its permissions) arrives beside the page's rows: wait for the sidebar it completes
    new WebDriverWait(browser, WAIT).until(d -> !"pending".equals(d.findElement(By.cssSelector(".layout")).getDomAttribute("data-permissions")));
  }

  private static long displayed(String selector) {
    return browser.findElements(By.cssSelector(selector)).stream().filter(WebElement::isDisplayed).count();
  }

  /** A valid ICCID (89 + 17 digits + the Luhn check digit). */
  private static String url(String path) {
    return "http://127.0.0.1:" + node.httpPort() + path;
  }
}
