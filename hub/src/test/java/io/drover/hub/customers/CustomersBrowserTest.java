package io.drover.hub.customers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.drover.hub.support.ConsoleSignIn;
import io.drover.hub.support.HeadlessChromium;
import io.drover.hub.support.OutboxLog;
import io.drover.hub.support.TestNode;
import io.drover.hub.support.TestNode.DeviceIdentity;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The Customers page and Login with Drover's consent page in a real browser (Debian's Chromium)
 * against a real node: the team sees each customer with the devices it claimed, makes activation
 * codes and removes a customer; a person sent by a product's web app signs in, allows, and the
 * browser lands on the app's redirect URI with a code that buys a customer token.
 */
class CustomersBrowserTest {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final String OWNER = "owner@browser.example";
  private static final String PASSWORD = "owner's password";

  private static TestNode node;
  private static String owner;
  private static ChromeDriver browser;
  private static HeadlessChromium chromium;

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.start();
    owner = node.signUpAndLogIn(OWNER, PASSWORD);
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

  @BeforeEach
  void signedOut() {
    browser.get(url("/login"));
    ConsoleSignIn.signOut(browser);
    browser.manage().logs().get(LogType.BROWSER);
  }

  @AfterEach
  void noBrowserErrors() {
    List<String> errors = chromium.consoleErrors();
    assertEquals(List.of(), errors, "errors in the browser console");
  }

  @Test
  void theCustomersPageShowsEachCustomerWithItsDevicesAndTheBetasCodes() throws Exception {
    ProductFixture product = ProductFixture.create(node, "browser-lamp", OWNER, owner, "{\"private_beta\":true}");
    JsonObject client = product.client("installed", null);
    String quinn = product.customer(client, "quinn@example.com", "quinn's password");
    String rosa = product.customer(client, "rosa@example.com", "rosa's password");
    product.customer(client, "sam@example.com", "sam's password");
    String code = new JsonObject(node.post("/v1/products/browser-lamp/activation_codes", "{\"quantity\":2}", owner).body())
        .getJsonArray("codes").getString(0);
    DeviceIdentity first = product.device();
    DeviceIdentity second = product.device();
    DeviceIdentity rosas = product.device();
    String second_code = new JsonObject(node.get("/v1/products/browser-lamp/activation_codes?status=unused", owner).body())
        .getJsonArray("codes").stream().map(c -> ((JsonObject) c).getString("code")).filter(c -> !c.equals(code)).findFirst().orElseThrow();
    assertEquals(200, claim(quinn, first, code).statusCode());
    assertEquals(200, claim(quinn, second, second_code).statusCode());
    node.post("/v1/products/browser-lamp/activation_codes", "{\"quantity\":1}", owner);
    String third = new JsonObject(node.get("/v1/products/browser-lamp/activation_codes?status=unused", owner).body())
        .getJsonArray("codes").getJsonObject(0).getString("code");
    assertEquals(200, claim(rosa, rosas, third).statusCode());

    logIn("/products/browser-lamp/customers");
    WebElement quinnsDevices = visible(By.cssSelector("tr[data-customer='quinn@example.com'] [data-role=customer-devices]"));
    // device IDs shortened in the middle, the full ID kept in data-full-id (and the title)
    assertTrue(quinnsDevices.findElements(By.cssSelector("[data-full-id='" + first.id() + "']")).size() == 1
        && quinnsDevices.findElements(By.cssSelector("[data-full-id='" + second.id() + "']")).size() == 1, quinnsDevices.getText());
    assertTrue(quinnsDevices.getText().contains(first.id().substring(0, 4) + "…" + first.id().substring(20)), quinnsDevices.getText());
    assertEquals(1, visible(By.cssSelector("tr[data-customer='rosa@example.com']")).findElements(By.cssSelector("[data-full-id='" + rosas.id() + "']")).size());
    assertEquals("No device claimed", visible(By.cssSelector("tr[data-customer='sam@example.com'] [data-role=customer-devices]")).getText());
    assertEquals("3 customers", visible(By.cssSelector(".page-subtitle")).getText());

    // the private beta's codes: used ones name their customer and device; more can be made
    WebElement spent = visible(By.cssSelector("tr[data-code='" + code + "']"));
    assertTrue(spent.getText().contains("Used") && spent.getText().contains("quinn@example.com") && spent.findElements(By.cssSelector("[data-full-id='" + first.id() + "']")).size() == 1,
        spent.getText());
    WebElement quantity = visible(By.id("code-quantity"));
    quantity.clear();
    quantity.sendKeys("4");
    browser.findElement(By.cssSelector("[data-action=make-codes]")).click();
    waitFor("4 more codes listed", d -> d.findElements(By.cssSelector("[data-role=activation-codes] tbody tr")).size() == 7);
    assertEquals("7", node.query("SELECT count(*) FROM activation_codes WHERE product_id = " + product.id));

    // search on the server, then remove a customer: its devices are unclaimed
    WebElement search = visible(By.cssSelector("input[type=search]"));
    search.sendKeys("ros");
    waitFor("only rosa listed", d -> d.findElements(By.cssSelector("tr[data-customer]")).size() == 1);
    browser.findElement(By.cssSelector("tr[data-customer='rosa@example.com'] [data-action=remove-customer]")).click();
    visible(By.cssSelector("[data-action=confirm-remove]")).click();
    waitFor("rosa gone", d -> d.findElements(By.cssSelector("tr[data-customer='rosa@example.com']")).isEmpty());
    assertEquals(null, node.query("SELECT owner_id FROM devices WHERE id = '" + rosas.id() + "'"));
  }

  @Test
  void aPersonSignsInAllowsAndLandsOnTheAppWithACode() throws Exception {
    BlockingQueue<Map<String, String>> arrivals = new ArrayBlockingQueue<>(10);
    HttpServer app = CustomerFlowsTest.webApp(arrivals);
    try {
      String redirectUri = "http://127.0.0.1:" + app.getAddress().getPort() + "/callback";
      ProductFixture product = ProductFixture.create(node, "consent-lamp", OWNER, owner, "{\"authentication\":\"oauth\"}");
      JsonObject client = product.client("web", redirectUri);
      node.signUpAndLogIn("tess@example.com", "tess's password");

      String consentPage = url("/oauth/authorize?response_type=code&client_id=" + client.getString("id") + "&redirect_uri="
          + URLEncoder.encode(redirectUri, StandardCharsets.UTF_8) + "&state=st-42");
      browser.get(consentPage);
      waitFor("sent to log in first", d -> d.getCurrentUrl().contains("/login?next="));
      visible(By.id("email")).sendKeys("tess@example.com");
      visible(By.id("password")).sendKeys("tess's password" + Keys.ENTER);

      assertEquals("Product consent-lamp", visible(By.cssSelector("[data-role=product-name]")).getText());
      assertEquals("App web", visible(By.cssSelector("[data-role=client-name]")).getText());
      assertEquals("tess@example.com", visible(By.cssSelector("[data-role=account]")).getText());

      // her address is not verified yet: Allow waits; the page mails her the link (the log, on a node without SMTP)
      assertFalse(visible(By.cssSelector("[data-action=allow]")).isEnabled(), "Allow waits for a verified address");
      String link;
      try (OutboxLog outbox = OutboxLog.open()) {
        visible(By.cssSelector("[data-action=send-verification]")).click();
        waitFor("the page says the link is on its way", d -> visible(By.cssSelector("[data-role=verification-status]")).getText()
            .contains("on its way"));
        link = outbox.awaitLink("tess@example.com", Duration.ofSeconds(10));
      }
      assertTrue(link.startsWith("/verify-email#token="), link);
      browser.get(url(link));
      assertTrue(visible(By.cssSelector("[data-role=verified-email]")).getText().startsWith("tess@example.com is verified"));
      assertFalse(browser.getCurrentUrl().contains("token"), "the token leaves the address bar");

      browser.get(consentPage);
      waitFor("Allow enabled for a verified address", d -> visible(By.cssSelector("[data-action=allow]")).isEnabled());
      visible(By.cssSelector("[data-action=allow]")).click();

      waitFor("the app's redirect URI", d -> d.getCurrentUrl().startsWith(redirectUri + "?code="));
      Map<String, String> callback = arrivals.poll(10, TimeUnit.SECONDS);
      assertEquals("st-42", callback.get("state"));
      HttpResponse<String> exchanged = node.postForm("/oauth/token", Map.of("grant_type", "authorization_code", "code", callback.get("code"),
          "redirect_uri", redirectUri), client.getString("id") + ":" + client.getString("secret"));
      assertEquals(200, exchanged.statusCode(), exchanged.body());
      String token = new JsonObject(exchanged.body()).getString("access_token");
      assertEquals("tess@example.com", new JsonObject(node.get("/v1/user", token).body()).getString("username"));

      // a request the app got wrong is explained here, not redirected
      browser.get(url("/oauth/authorize?response_type=code&client_id=" + client.getString("id")
          + "&redirect_uri=https%3A%2F%2Fevil.example%2Fcb"));
      assertTrue(visible(By.cssSelector("[data-role=consent-error]")).getText().contains("redirect_uri"));
      assertTrue(browser.getCurrentUrl().startsWith(url("/oauth/authorize")));
    } finally {
      app.stop(0);
    }
  }

  /** A customer's claim as the customer's app makes it: the device online, having reported the customer's claim code. */
  private static HttpResponse<String> claim(String token, DeviceIdentity device, String code) throws Exception {
    return node.claimAsCustomer(device, token, code);
  }

  /** Logs in through the Console's own form, which then goes on to {@code next}. */
  private static void logIn(String next) {
    browser.get(url("/login?next=" + URLEncoder.encode(next, StandardCharsets.UTF_8)));
    visible(By.id("email")).sendKeys(OWNER);
    visible(By.id("password")).sendKeys(PASSWORD + Keys.ENTER);
    waitFor("the page after log-in", d -> d.getCurrentUrl().endsWith(next));
  }

  private static String url(String path) {
    return "http://127.0.0.1:" + node.httpPort() + path;
  }

  private static WebElement visible(By locator) {
    return new WebDriverWait(browser, WAIT).until(ExpectedConditions.visibilityOfElementLocated(locator));
  }

  private static void waitFor(String what, Function<WebDriver, Boolean> condition) {
    new WebDriverWait(browser, WAIT).ignoring(StaleElementReferenceException.class).withMessage(what).until(condition::apply);
  }
}
