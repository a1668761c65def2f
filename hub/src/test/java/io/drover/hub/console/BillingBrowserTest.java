package io.drover.hub.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.support.ConsoleSignIn;
import io.drover.hub.support.HeadlessChromium;
import io.drover.hub.support.MovableClock;
import io.drover.hub.support.TestNode;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The Billing page in Chromium: after a failed charge it shows the banner, the product's status row and
 * the invoice with its lines; the UPDATE button's form refuses a number failing Luhn and an expired card
 * before anything is sent, and a good card is charged at once, which clears the banner; a plan changes.
 */
class BillingBrowserTest {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private static MovableClock clock;
  private static TestNode node;
  private static ChromeDriver browser;
  private static HeadlessChromium chromium;

  @BeforeAll
  static void start() throws Exception {
    clock = new MovableClock(Instant.now());
    node = TestNode.startWithClock(clock, "--billing.tick-seconds=86400");
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
    // the refused card update answers 4xx, which Chromium logs as a failed resource: none is expected here
    assertEquals(List.of(), errors, "errors in the browser console");
  }

  @Test
  void theBillingPageShowsAFailedPaymentAndAnUpdatedCardSettlesIt() throws Exception {
    String owner = node.signUpAndLogIn("owner@browser-billing.example", "the owner's password");
    HttpResponse<String> made = node.post("/v1/products", new JsonObject().put("product", new JsonObject().put("name", "Window Lamp")
        .put("platform_id", 12)).encode(), owner);
    int productId = new JsonObject(made.body()).getJsonObject("product").getInteger("id");
    HttpResponse<String> tokenised = node.post("/v1/billing/test_gateway/tokens", new JsonObject().put("number", "4000000000000341")
        .put("exp_month", 12).put("exp_year", 2099).put("cvc", "123").encode(), owner);
    assertEquals(200, node.send("PUT", "/v1/card", new JsonObject().put("token", new JsonObject(tokenised.body()).getString("id")).encode(), owner)
        .statusCode());
    assertEquals(200, node.send("PUT", "/v1/products/" + productId + "/billing", new JsonObject().put("plan", "growth").encode(), owner).statusCode());
    Instant end = Instant.parse(new JsonObject(node.get("/v1/products/" + productId + "/billing", owner).body()).getString("period_end"));
    clock.set(end.plusSeconds(1));
    node.node().billing().tick().await(20, TimeUnit.SECONDS);
    clock.set(end.plus(Duration.ofDays(7)).plusSeconds(1));
    assertEquals(1, node.node().billing().tick().await(20, TimeUnit.SECONDS).failed);

    browser.get(url("/login"));
    ConsoleSignIn.as(browser, owner);
    browser.get(url("/devices"));
    visible(By.cssSelector("a[href='/billing']")).click();
    WebElement banner = visible(By.cssSelector("[data-role=billing-banner] .callout"));
    assertTrue(banner.getText().contains("Payment failed") && banner.getText().contains("attempt 1 of 3"), banner.getText());
    assertEquals("page", browser.findElement(By.cssSelector("a[href='/billing']")).getDomAttribute("aria-current"));
    WebElement row = visible(By.cssSelector("[data-role=billing-products] tr[data-product-id='" + productId + "']"));
    assertTrue(row.findElement(By.cssSelector("[data-role=plan]")).getText().startsWith("Growth"), row.getText());
    assertEquals("0 of 250", row.findElement(By.cssSelector("[data-role=devices]")).getText());
    assertEquals("1", row.findElement(By.cssSelector("[data-role=members]")).getText());
    assertTrue(visible(By.cssSelector("[data-role=card-on-file]")).getText().contains("ending 0341"));
    WebElement invoice = visible(By.cssSelector("[data-role=invoices] details.invoice"));
    assertEquals("open", invoice.findElement(By.cssSelector("[data-role=status]")).getText());
    invoice.findElement(By.tagName("summary")).click();
    waitFor("the invoice's lines", d -> d.findElements(By.cssSelector("details.invoice[open] tbody tr")).size() == 5);
    assertEquals(List.of("plan", "devices", "events", "team", "proration"), browser.findElements(By.cssSelector("details.invoice tbody tr"))
        .stream().map(line -> line.getDomAttribute("data-kind")).toList());

    // the UPDATE button: checked before anything is sent
    String storedBefore = node.query("SELECT count(*) FROM test_gateway_cards");
    browser.findElement(By.cssSelector("[data-action=update-card]")).click();
    visible(By.id("card-number")).sendKeys("4242 4242 4242 4241");
    browser.findElement(By.id("card-exp-month")).sendKeys("12");
    browser.findElement(By.id("card-exp-year")).sendKeys("2099");
    browser.findElement(By.id("card-cvc")).sendKeys("123");
    browser.findElement(By.cssSelector("[data-action=save-card]")).click();
    waitFor("the Luhn refusal", d -> d.findElement(By.cssSelector("[data-role=card-error]")).getText().contains("check digit"));
    browser.findElement(By.id("card-number")).clear();
    browser.findElement(By.id("card-number")).sendKeys("4242 4242 4242 4242");
    browser.findElement(By.id("card-exp-year")).clear();
    browser.findElement(By.id("card-exp-year")).sendKeys("2020");
    browser.findElement(By.cssSelector("[data-action=save-card]")).click();
    waitFor("the expiry refusal", d -> d.findElement(By.cssSelector("[data-role=card-error]")).getText().contains("expired"));
    assertEquals(storedBefore, node.query("SELECT count(*) FROM test_gateway_cards"), "nothing was sent to the gateway");

    browser.findElement(By.id("card-exp-year")).clear();
    browser.findElement(By.id("card-exp-year")).sendKeys("2099");
    browser.findElement(By.cssSelector("[data-action=save-card]")).click();
    waitFor("the new card shown", d -> d.findElement(By.cssSelector("[data-role=card-on-file]")).getText().contains("Visa ending 4242"));
    waitFor("the banner gone once the invoice is paid", d -> d.findElements(By.cssSelector("[data-role=billing-banner] .callout")).isEmpty());
    assertEquals("paid", visible(By.cssSelector("[data-role=invoices] [data-role=status]")).getText());

    // change plan, at once
    browser.findElement(By.cssSelector("tr[data-product-id='" + productId + "'] [data-action=change-plan]")).click();
    new Select(visible(By.id("plan-choice"))).selectByValue("free");
    browser.findElement(By.cssSelector("[data-action=save-plan]")).click();
    waitFor("the plan changed", d -> d.findElement(By.cssSelector("tr[data-product-id='" + productId + "'] [data-role=plan]")).getText().startsWith("Free"));
    assertEquals("free", node.query("SELECT plan FROM products WHERE id = " + productId));
    Files.copy(browser.getScreenshotAs(OutputType.FILE).toPath(), Path.of("/tmp/billing.png"), StandardCopyOption.REPLACE_EXISTING);
  }

  @Test
  void theFailedPaymentBannerShowsOnEveryPageForTheOwnerAndTheProductsAdministrators() throws Exception {
    String owner = node.signUpAndLogIn("payer@browser-banner.example", "the payer's password");
    String admin = node.signUpAndLogIn("admin@browser-banner.example", "the admin's password");
    String viewer = node.signUpAndLogIn("viewer@browser-banner.example", "the viewer's password");
    HttpResponse<String> made = node.post("/v1/products", new JsonObject().put("product", new JsonObject().put("name", "Banner Lamp")
        .put("platform_id", 12)).encode(), owner);
    int productId = new JsonObject(made.body()).getJsonObject("product").getInteger("id");
    for (String[] member : new String[][] {{"admin@browser-banner.example", "administrator"}, {"viewer@browser-banner.example", "view_only"}}) {
      node.execute("INSERT INTO product_members (product_id, user_id, role) SELECT " + productId + ", id, '" + member[1]
          + "' FROM users WHERE username = '" + member[0] + "'");
    }
    HttpResponse<String> tokenised = node.post("/v1/billing/test_gateway/tokens", new JsonObject().put("number", "4000000000000341")
        .put("exp_month", 12).put("exp_year", 2099).put("cvc", "123").encode(), owner);
    assertEquals(200, node.send("PUT", "/v1/card", new JsonObject().put("token", new JsonObject(tokenised.body()).getString("id")).encode(), owner)
        .statusCode());
    assertEquals(200, node.send("PUT", "/v1/products/" + productId + "/billing", new JsonObject().put("plan", "growth").encode(), owner).statusCode());
    Instant end = Instant.parse(new JsonObject(node.get("/v1/products/" + productId + "/billing", owner).body()).getString("period_end"));
    if (clock.instant().isBefore(end)) {
      clock.set(end.plusSeconds(1));
    }
    node.node().billing().tick().await(20, TimeUnit.SECONDS);
    clock.set(clock.instant().plus(Duration.ofDays(7)).plusSeconds(1));
    node.node().billing().tick().await(20, TimeUnit.SECONDS);
    assertEquals(1, new JsonObject(node.get("/v1/billing", owner).body()).getJsonArray("failed_payments").size());

    // the owner sees it on pages that are not Billing's, with the way to the card
    signIn(owner);
    for (String page : List.of("/devices", "/products", "/integrations", "/products/" + productId + "/devices")) {
      browser.get(url(page));
      WebElement notice = visible(By.cssSelector("[data-role=billing-notice] [data-kind=own]"));
      assertTrue(notice.getText().contains("failed (attempt 1 of 3)") && notice.getText().contains("Banner Lamp"), page + ": " + notice.getText());
      assertEquals("/billing", notice.findElement(By.cssSelector("[data-action=notice-update-card]")).getDomAttribute("href"));
    }
    // the product's administrator, who can act on it, is told too; a view-only member is not
    signIn(admin);
    browser.get(url("/devices"));
    WebElement team = visible(By.cssSelector("[data-role=billing-notice] [data-kind=team][data-product-id='" + productId + "']"));
    assertTrue(team.getText().contains("payer@browser-banner.example") && team.getText().contains("Banner Lamp"), team.getText());
    signIn(viewer);
    browser.get(url("/products"));
    waitFor("the notices asked for", d -> !d.findElements(By.cssSelector("[data-role=billing-notice][data-loaded=true]")).isEmpty());
    assertTrue(browser.findElements(By.cssSelector("[data-role=billing-notice] .callout")).isEmpty(), "no banner for a view-only member");

    // once a card update settles it, the banner is gone from every page
    assertEquals(200, node.send("PUT", "/v1/card", new JsonObject().put("token", new JsonObject(node.post("/v1/billing/test_gateway/tokens",
        new JsonObject().put("number", "4242424242424242").put("exp_month", 12).put("exp_year", 2099).put("cvc", "123").encode(), owner).body())
        .getString("id")).encode(), owner).statusCode());
    signIn(owner);
    browser.get(url("/devices"));
    waitFor("the notices asked for", d -> !d.findElements(By.cssSelector("[data-role=billing-notice][data-loaded=true]")).isEmpty());
    assertTrue(browser.findElements(By.cssSelector("[data-role=billing-notice] .callout")).isEmpty(), "paid: no banner");
    // the other tests' products start now: their periods must not have ended already on the shared clock
    clock.set(Instant.now());
  }

  private static void signIn(String token) {
    browser.get(url("/login"));
    ConsoleSignIn.signOut(browser);
    ConsoleSignIn.as(browser, token);
  }

  @Test
  void aProductsSidebarOpensItsBillingWhereItsPlanChanges() throws Exception {
    String owner = node.signUpAndLogIn("maker@browser-billing.example", "the maker's password");
    HttpResponse<String> made = node.post("/v1/products", new JsonObject().put("product", new JsonObject().put("name", "Desk Fan")
        .put("platform_id", 12)).encode(), owner);
    String slug = new JsonObject(made.body()).getJsonObject("product").getString("slug");
    browser.get(url("/login"));
    ConsoleSignIn.as(browser, owner);
    browser.get(url("/products/" + slug + "/team"));
    visible(By.cssSelector("[data-role=product-nav] a[href='/products/" + slug + "/billing']")).click();
    assertEquals("$0.00 a month", visible(By.cssSelector("[data-role=product-billing] [data-role=price]")).getText());
    assertEquals("0 of 25", browser.findElement(By.cssSelector("[data-role=product-billing] [data-role=devices]")).getText());
    assertEquals("1 of 5", browser.findElement(By.cssSelector("[data-role=product-billing] [data-role=members]")).getText());
    browser.findElement(By.cssSelector("[data-role=product-billing] [data-action=change-plan]")).click();
    new Select(visible(By.id("plan-choice"))).selectByValue("growth");
    browser.findElement(By.cssSelector("[data-action=save-plan]")).click();
    waitFor("the new plan's price", d -> d.findElement(By.cssSelector("[data-role=product-billing] [data-role=price]")).getText()
        .equals("$249.00 a month"));
    assertEquals("0 of 250", browser.findElement(By.cssSelector("[data-role=product-billing] [data-role=devices]")).getText());
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
