package io.drover.hub.products;

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
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Products in the Console, in a real browser against a real node: create a product, its own sidebar
 * and ID, invite a second account that accepts at its next login, the Team page with both, the
 * Configuration page's answers, and a view-only member who is offered no changes.
 */
class ProductsBrowserTest {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final String PASSWORD = "correct horse battery";
  private static final AtomicInteger ACCOUNTS = new AtomicInteger();

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
  void aProductCreatedInTheConsoleGetsATeamMemberWhoAcceptsAtLogin() throws Exception {
    String ownerEmail = newEmail();
    String memberEmail = newEmail();
    String owner = node.signUpAndLogIn(ownerEmail, PASSWORD);
    node.signUpAndLogIn(memberEmail, PASSWORD);
    openSignedIn(owner, "/products");
    visible(By.cssSelector("[data-role=empty-products]"));

    // create the product through the New Product modal
    visible(By.cssSelector("[data-action=new-product]")).click();
    visible(By.id("product-name")).sendKeys("Garden Sensor");
    new Select(browser.findElement(By.id("product-type"))).selectByVisibleText("Boron");
    browser.findElement(By.id("product-description")).sendKeys("Soil moisture");
    browser.findElement(By.cssSelector("[data-action=create-product]")).click();

    waitFor("the new product's console", d -> d.getCurrentUrl().contains("/products/garden-sensor/"));
    JsonObject product = new JsonObject(node.get("/v1/products/garden-sensor", owner).body()).getJsonObject("product");
    assertEquals(13, product.getInteger("platform_id"));
    assertEquals("Soil moisture", product.getString("description"));
    WebElement productId = visible(By.cssSelector("[data-role=product-id]"));
    waitFor("the product ID with its key icon", d -> productId.getText().endsWith(String.valueOf(product.getInteger("id"))));
    assertEquals(1, productId.findElements(By.cssSelector("svg.icon")).size());
    List<String> sections = browser.findElements(By.cssSelector("[data-role=product-nav] [data-section]")).stream()
        .map(e -> e.getDomAttribute("data-section")).toList();
    assertEquals(List.of("devices", "groups", "firmware", "logs", "team", "customers", "sims", "integrations", "billing", "configuration"), sections,
        "the product's own sidebar; no Map for a Boron product");

    // invite the second account
    browser.get(url("/products/garden-sensor/team"));
    visible(By.cssSelector("table[data-role=members] tr[data-username='" + ownerEmail + "']"));
    visible(By.cssSelector("[data-action=invite]")).click();
    visible(By.id("invite-email")).sendKeys("nobody-here@example.com");
    new Select(browser.findElement(By.id("invite-role"))).selectByValue("developer");
    browser.findElement(By.cssSelector("dialog[open] [data-action=submit]")).click();
    WebElement error = visible(By.cssSelector("dialog[open] [data-role=dialog-error]"));
    waitFor("the API's refusal of an unknown account", d -> error.getText().contains("must sign up"));
    WebElement email = browser.findElement(By.id("invite-email"));
    email.sendKeys(Keys.chord(Keys.CONTROL, "a"), memberEmail);
    browser.findElement(By.cssSelector("dialog[open] [data-action=submit]")).click();
    waitFor("the dialog closed", d -> d.findElements(By.cssSelector("dialog[open]")).isEmpty());
    visible(By.cssSelector("table[data-role=invitations] tr[data-username='" + memberEmail + "']"));
    screenshot("/tmp/products-team-pending.png");
    visible(By.cssSelector("[data-action=sign-out]")).click();
    waitFor("signed out", d -> d.getCurrentUrl().contains("/login"));

    // the invitee logs in and accepts
    visible(By.id("email")).sendKeys(memberEmail);
    visible(By.id("password")).sendKeys(PASSWORD + Keys.ENTER);
    WebElement invitation = visible(By.cssSelector("[data-role=invitations] .invitation[data-product-id='" + product.getInteger("id") + "']"));
    assertTrue(invitation.getText().contains("Garden Sensor") && invitation.getText().contains("Developer")
        && invitation.getText().contains(ownerEmail), invitation.getText());
    invitation.findElement(By.cssSelector("[data-action=accept-invitation]")).click();
    waitFor("the product opened", d -> d.getCurrentUrl().contains("/products/garden-sensor/"));
    assertTrue(browser.findElements(By.cssSelector("[data-role=invitations] .invitation")).isEmpty(), "the banner is gone");

    browser.get(url("/products/garden-sensor/team"));
    WebElement members = visible(By.cssSelector("table[data-role=members]"));
    waitFor("both members", d -> members.findElements(By.cssSelector("tbody tr")).size() == 2);
    assertEquals("administrator", roleOf(ownerEmail));
    assertEquals("developer", roleOf(memberEmail));
    assertTrue(browser.findElements(By.cssSelector("[data-action=invite]")).isEmpty(), "a developer is not offered invitations");
    screenshot("/tmp/products-team.png");
    // the owner's token was revoked when the browser signed out
    JsonArray team = new JsonObject(node.get("/v1/products/garden-sensor/team", node.logIn(ownerEmail, PASSWORD)).body()).getJsonArray("team");
    assertEquals(2, team.size());
  }

  @Test
  void configurationAnswersAreSavedAndAViewOnlyMemberCannotChangeThem() throws Exception {
    String ownerEmail = newEmail();
    String owner = node.signUpAndLogIn(ownerEmail, PASSWORD);
    String viewerEmail = newEmail();
    String viewer = node.signUpAndLogIn(viewerEmail, PASSWORD);
    int id = ProductsApiTest.created(node.post("/v1/products", "{\"name\":\"Meter\",\"platform_id\":26}", owner)).getInteger("id");
    node.post("/v1/products/" + id + "/team", new JsonObject().put("username", viewerEmail).put("role", "view_only").encode(), owner);
    node.post("/v1/user/invitations/" + id + "/accept", "", viewer);
    openSignedIn(owner, "/products/" + id + "/configuration");

    visible(By.cssSelector("[data-question=authentication] [data-role=unanswered]"));
    visible(By.cssSelector("[data-section=map]")); // a tracker product has the Map section
    browser.findElement(By.cssSelector("label[for='authentication-two_legged']")).click();
    browser.findElement(By.cssSelector("label[for='private_beta-true']")).click();
    browser.findElement(By.cssSelector("[data-action=save-settings]")).click();

    WebElement status = visible(By.cssSelector("[data-role=settings-status]"));
    waitFor("saved", d -> "ok".equals(status.getDomAttribute("data-state")));
    JsonObject settings = new JsonObject(node.get("/v1/products/" + id + "/settings", owner).body()).getJsonObject("settings");
    assertEquals("two_legged", settings.getString("authentication"));
    assertEquals(true, settings.getBoolean("private_beta"));
    assertTrue(browser.findElements(By.cssSelector("[data-question=authentication] [data-role=unanswered]")).isEmpty());
    screenshot("/tmp/products-configuration.png");

    ConsoleSignIn.signOut(browser);
    openSignedIn(viewer, "/products/" + id + "/configuration");
    WebElement save = visible(By.cssSelector("[data-action=save-settings]"));
    assertEquals("true", save.getDomAttribute("disabled") == null ? "false" : "true", "a view-only member cannot save");
    assertTrue(browser.findElement(By.id("authentication-two_legged")).isSelected(), "the saved answer shows");
    assertTrue(!browser.findElement(By.id("authentication-simple")).isEnabled());
    assertTrue(browser.findElements(By.cssSelector("[data-action=delete-product]")).isEmpty(), "only the owner is offered deletion");
  }

  @Test
  void anAdministratorChangesARoleAndMakesAnApiUserWhoseTokenIsShownOnce() throws Exception {
    String owner = node.signUpAndLogIn(newEmail(), PASSWORD);
    String memberEmail = newEmail();
    String member = node.signUpAndLogIn(memberEmail, PASSWORD);
    int id = ProductsApiTest.created(node.post("/v1/products", "{\"name\":\"Roles\",\"platform_id\":12}", owner)).getInteger("id");
    node.post("/v1/products/" + id + "/team", new JsonObject().put("username", memberEmail).put("role", "developer").encode(), owner);
    node.post("/v1/user/invitations/" + id + "/accept", "", member);
    openSignedIn(owner, "/products/" + id + "/team");

    WebElement select = visible(By.cssSelector("tr[data-username='" + memberEmail + "'] select"));
    new Select(select).selectByValue("support");
    waitFor("the role saved", d -> "ok".equals(d.findElement(By.cssSelector("tr[data-username='" + memberEmail + "'] .save-status"))
        .getDomAttribute("data-state")));
    assertEquals("support", new JsonObject(node.get("/v1/products/" + id, member).body()).getJsonObject("product").getString("role"));

    visible(By.cssSelector("[data-action=new-api-user]")).click();
    visible(By.id("api-user-name")).sendKeys("Fleet reader");
    browser.findElement(By.cssSelector("label[for='scope-devices:list']")).click();
    browser.findElement(By.cssSelector("dialog[open] [data-action=submit]")).click();
    WebElement token = visible(By.cssSelector("[data-role=api-user-token] [data-role=secret-value]"));
    String shown = token.getDomProperty("value");

    assertEquals(200, node.get("/v1/products/" + id, shown).statusCode(), "the token shown works in its product");
    assertEquals(403, node.send("PUT", "/v1/products/" + id, "{\"name\":\"x\"}", shown).statusCode(), "within its scopes only");
    browser.findElement(By.cssSelector("dialog[open] [data-action=cancel]")).click();
    visible(By.cssSelector("table[data-role=api-users] tr"));
    assertTrue(browser.findElement(By.cssSelector("table[data-role=api-users]")).getText().contains("Fleet reader"));

    browser.get(url("/products/" + id + "/configuration"));
    visible(By.cssSelector("[data-action=delete-product]")).click();
    WebElement confirmDelete = visible(By.cssSelector("dialog[open] [data-action=confirm]"));
    assertTrue(!confirmDelete.isEnabled(), "deleting a product waits for its name to be typed");
    browser.findElement(By.cssSelector("dialog[open] [data-role=dialog-typed]")).sendKeys("Roles");
    confirmDelete.click();
    waitFor("back on the products list", d -> d.getCurrentUrl().endsWith("/products"));
    assertEquals(404, node.get("/v1/products/" + id, owner).statusCode(), "the product is gone");
    assertEquals(401, node.get("/v1/products/" + id, shown).statusCode(), "and its API user with it");
  }

  private static String roleOf(String username) {
    WebElement cell = browser.findElement(By.cssSelector("table[data-role=members] tr[data-username='" + username + "'] [data-role=role]"));
    List<WebElement> select = cell.findElements(By.cssSelector("select"));
    return select.isEmpty() ? cell.findElement(By.cssSelector("[data-value]")).getDomAttribute("data-value")
        : new Select(select.get(0)).getFirstSelectedOption().getDomAttribute("value");
  }

  private static String newEmail() {
    return "products-" + ACCOUNTS.incrementAndGet() + "@example.com";
  }

  private static void openSignedIn(String token, String path) {
    browser.get(url("/login"));
    ConsoleSignIn.as(browser, token);
    browser.get(url(path));
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

  private static void screenshot(String file) throws IOException {
    Path shot = browser.getScreenshotAs(OutputType.FILE).toPath();
    Files.copy(shot, Path.of(file), StandardCopyOption.REPLACE_EXISTING);
  }
}
