package io.drover.hub.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.support.ConsoleSignIn;
import io.drover.hub.support.TestDevice;
import io.drover.hub.support.HeadlessChromium;
import io.drover.hub.support.TestNode;
import io.drover.hub.support.TestNode.DeviceIdentity;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The Console in a real browser (Debian's Chromium, driven through its chromedriver) against a real
 * node with real devices over MQTT: sign-up, log-in errors, live status, rename, unclaim, functions,
 * variables, sign-out. Each test has an account of its own.
 */
@ExtendWith(VertxExtension.class)
class ConsoleBrowserTest {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final String PASSWORD = "correct horse battery";
  private static final AtomicInteger ACCOUNTS = new AtomicInteger();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private static TestNode node;
  private static ChromeDriver browser;
  private static HeadlessChromium chromium;

  private final List<TestDevice> devices = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.start();
    // both paths given (in HeadlessChromium), so Selenium Manager never looks for (or downloads) a browser or a driver
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

  /** No script error, no refused resource, no Content-Security-Policy violation during the test. */
  @AfterEach
  void noBrowserErrorsAndDevicesDisconnected() throws Exception {
    for (TestDevice device : devices) {
      device.close();
    }
    // the API's deliberate 4xx answers (a wrong password, a taken name) are logged by the browser: left out
    List<String> errors = chromium.consoleErrors();
    assertEquals(List.of(), errors, "errors in the browser console");
  }

  @Test
  void signingUpLogsInAndLandsOnTheEmptyDevicesPage() throws Exception {
    String email = newEmail();
    browser.get(url("/signup"));

    type(By.id("email"), email);
    type(By.id("password"), PASSWORD + Keys.ENTER);

    waitFor("the Devices page", d -> d.getCurrentUrl().endsWith("/devices"));
    assertEquals("Devices", visible(By.cssSelector("h1.page-title")).getText());
    visible(By.cssSelector("[data-role=empty-devices]"));
    waitFor("the account name in the top bar", d -> email.equals(d.findElement(By.cssSelector(".account-name")).getText()));
    org.openqa.selenium.Cookie session = ConsoleSignIn.cookie(browser);
    assertTrue(session != null && session.isHttpOnly() && "Strict".equals(session.getSameSite()), "an HttpOnly, SameSite=Strict session cookie: " + session);
    assertEquals("", browser.executeScript("return document.cookie"), "no cookie a script can read");
    assertEquals(0L, browser.executeScript("return sessionStorage.length + localStorage.length"), "nothing kept in web storage");
    assertEquals(200, node.post("/oauth/token", loginJson(email, PASSWORD), null).statusCode(), "the account exists");
  }

  @Test
  void loggingInWithAWrongPasswordShowsTheApisErrorAndStaysSignedOut() throws Exception {
    String email = newEmail();
    signUp(email);
    browser.get(url("/login"));

    type(By.id("email"), email);
    type(By.id("password"), "not the password" + Keys.ENTER);

    WebElement error = visible(By.id("form-error"));
    waitFor("an error message", d -> !error.getText().isEmpty());
    assertEquals("User credentials are invalid", error.getText());
    assertEquals("true", browser.findElement(By.id("password")).getDomAttribute("aria-invalid"));
    assertTrue(browser.getCurrentUrl().endsWith("/login"));
    assertNull(ConsoleSignIn.cookie(browser), "no session cookie");
  }

  @Test
  void aClaimedDeviceComesOnlineAndOfflineLiveWithoutAReload(Vertx vertx) throws Exception {
    String token = signUp(newEmail());
    DeviceIdentity identity = claimedDevice(token);
    DeviceIdentity boron = claimedDevice(token);
    node.setHardware(boron.id(), 13, true);
    node.setHardware(claimedDevice(token).id(), 32, false);
    openSignedIn(token, "/devices");
    WebElement status = visible(statusOf(identity));
    awaitLive();
    assertEquals("false", status.getDomAttribute("data-online"));
    assertEquals("Boron", browser.findElement(By.cssSelector("tr[data-device-id='" + boron.id() + "'] .col-type")).getText());
    browser.executeScript("window.sameDocument = true");

    TestDevice device = connect(vertx, identity);

    waitFor("the device shown online", d -> "true".equals(status.getDomAttribute("data-online")));
    assertEquals("Online", status.getText());
    assertEquals(Boolean.TRUE, browser.executeScript("return window.sameDocument === true"), "the page was not reloaded");
    waitFor("the count of online devices", d -> d.findElement(By.cssSelector(".page-subtitle")).getText().endsWith("1 online"));
    screenshot("/tmp/console-devices.png");

    device.disconnect();

    waitFor("the device shown offline", d -> "false".equals(status.getDomAttribute("data-online")));
    assertEquals("Offline", status.getText());
  }

  /** A browser keeps six connections per host: streams of pages left behind would starve the next load. */
  @Test
  void aPageLeftBehindClosesItsLiveStream() throws Exception {
    String token = signUp(newEmail());
    DeviceIdentity device = claimedDevice(token);
    openSignedIn(token, "/devices");
    awaitLive();
    for (String path : List.of("/devices/" + device.id(), "/devices", "/devices/" + device.id())) {
      browser.get(url(path));
      awaitLive();
    }

    TestNode.eventually(WAIT, () -> streamsOpen() == 1, "one stream open, the current page's");
  }

  @Test
  void renamingADeviceInlineShowsTheApisRefusalThenSavesTheNewName() throws Exception {
    String token = signUp(newEmail());
    DeviceIdentity device = claimedDevice(token);
    DeviceIdentity other = claimedDevice(token);
    rename(token, other, "boiler-room");
    openSignedIn(token, "/devices");

    row(device).findElement(By.cssSelector("[data-action=rename]")).click();
    WebElement input = visible(By.id("rename-" + device.id()));
    input.sendKeys(Keys.chord(Keys.CONTROL, "a"), "boiler-room", Keys.ENTER);
    WebElement error = visible(By.id("rename-" + device.id() + "-error"));
    waitFor("an error message", d -> !error.getText().isEmpty());
    assertEquals("You have another device with this name already", error.getText());

    input.sendKeys(Keys.chord(Keys.CONTROL, "a"), "garage-door", Keys.ENTER);

    waitFor("the new name in the row", d -> "garage-door".equals(row(device).findElement(By.cssSelector("a.device-name")).getText()));
    assertEquals("garage-door", deviceJson(token, device).getString("name"));
    assertEquals("boiler-room", deviceJson(token, other).getString("name"));
  }

  @Test
  void claimingADeviceThatReportedACodeFromTheEmptyStateAddsItToTheTable() throws Exception {
    String token = signUp(newEmail());
    DeviceIdentity device = node.provisionDevice();
    openSignedIn(token, "/devices");

    visible(By.cssSelector("[data-action=empty-claim]")).click();
    WebElement input = visible(By.id("claim-id"));
    input.sendKeys("ffffffffffffffffffffffff", Keys.ENTER);
    WebElement error = visible(By.id("claim-error"));
    waitFor("the API's refusal", d -> !error.getText().isEmpty());
    assertEquals("No device with this ID is registered", error.getText());

    // by its ID alone, a device is not claimed: it must report a claim code of yours first
    input.sendKeys(Keys.chord(Keys.CONTROL, "a"), device.id().toUpperCase(), Keys.ENTER);
    waitFor("the refusal for want of a claim code", d -> error.getText().startsWith("To be claimed, a device must be online"));
    browser.findElement(By.cssSelector("[data-action=make-claim-code]")).click();
    WebElement code = visible(By.cssSelector("[data-role=claim-code]"));
    waitFor("a claim code shown", d -> code.getText().length() >= 32);
    assertTrue(visible(By.cssSelector("[data-role=claim-code-note]")).getText().contains("Give this code to the device"));
    node.reportClaimCode(device.id(), code.getText());

    input.sendKeys(Keys.chord(Keys.CONTROL, "a"), device.id().toUpperCase(), Keys.ENTER);
    row(device);
    JsonArray claimed = new JsonArray(node.get("/v1/devices", token).body());
    assertEquals(1, claimed.size());
    assertEquals(device.id(), claimed.getJsonObject(0).getString("id"));
  }

  @Test
  void unclaimingACellularDeviceWarnsThatSimBillingContinues() throws Exception {
    String token = signUp(newEmail());
    DeviceIdentity wifi = claimedDevice(token);
    DeviceIdentity cellular = claimedDevice(token);
    node.setHardware(cellular.id(), 13, true);
    openSignedIn(token, "/devices");

    row(wifi).findElement(By.cssSelector("[data-action=unclaim]")).click();
    WebElement dialog = visible(By.cssSelector("dialog[open]"));
    assertTrue(dialog.findElements(By.cssSelector("[data-role=sim-billing-warning]")).isEmpty(), "no SIM warning for Wi-Fi");
    dialog.sendKeys(Keys.ESCAPE);
    waitFor("the dialog closed", d -> d.findElements(By.cssSelector("dialog")).isEmpty());

    row(cellular).findElement(By.cssSelector("[data-action=unclaim]")).click();
    WebElement warning = visible(By.cssSelector("dialog[open] [data-role=sim-billing-warning]"));
    assertTrue(warning.getText().contains("does not stop billing"), warning.getText());
    browser.findElement(By.cssSelector("dialog[open] [data-action=confirm-unclaim]")).click();

    waitFor("the unclaimed device's row gone", d -> d.findElements(By.cssSelector("tr[data-device-id='" + cellular.id() + "']")).isEmpty());
    JsonArray left = new JsonArray(node.get("/v1/devices", token).body());
    assertEquals(1, left.size());
    assertEquals(wifi.id(), left.getJsonObject(0).getString("id"));
  }

  @Test
  void callingAFunctionOnTheDevicePageShowsItsReturnValue(Vertx vertx) throws Exception {
    String token = signUp(newEmail());
    DeviceIdentity identity = claimedDevice(token);
    List<String> arguments = new CopyOnWriteArrayList<>();
    TestDevice device = connect(vertx, identity);
    device.behave(
        Map.of("brew", arg -> {
          arguments.add(arg);
          return String.valueOf(arg.length());
        }),
        Map.of("temperature", Map.entry("double", (Supplier<String>) () -> "21.5")));
    awaitDeclared(token, identity, "brew");
    openSignedIn(token, "/devices/" + identity.id());

    WebElement form = visible(By.cssSelector("form[data-function=brew]"));
    form.findElement(By.tagName("input")).sendKeys("espresso", Keys.ENTER);

    WebElement result = form.findElement(By.cssSelector("[data-role=function-result]"));
    waitFor("the function's answer", d -> "ok".equals(result.getDomAttribute("data-state")));
    assertEquals("8", result.findElement(By.cssSelector(".result-value")).getText());
    assertEquals(List.of("espresso"), arguments);
    assertEquals("Online", browser.findElement(By.cssSelector(".title-row .status")).getText());
    screenshot("/tmp/console-device.png");
  }

  @Test
  void readingAVariableOnTheDevicePageShowsItsValue(Vertx vertx) throws Exception {
    String token = signUp(newEmail());
    DeviceIdentity identity = claimedDevice(token);
    AtomicInteger reads = new AtomicInteger();
    TestDevice device = connect(vertx, identity);
    device.behave(Map.of(), Map.of("humidity", Map.entry("int", (Supplier<String>) () -> String.valueOf(40 + reads.incrementAndGet()))));
    awaitDeclared(token, identity, "humidity");
    openSignedIn(token, "/devices/" + identity.id());

    WebElement row = visible(By.cssSelector("[data-variable=humidity]"));
    row.findElement(By.tagName("button")).click();

    WebElement value = row.findElement(By.cssSelector("[data-role=variable-value]"));
    waitFor("the variable's value", d -> "ok".equals(value.getDomAttribute("data-state")));
    assertEquals("41", value.findElement(By.cssSelector(".result-value")).getText());
    row.findElement(By.tagName("button")).click();
    waitFor("the second read's value", d -> "42".equals(value.findElement(By.cssSelector(".result-value")).getText()));
  }

  @Test
  void notesEditedOnTheDevicePageAreSavedThroughTheApi() throws Exception {
    String token = signUp(newEmail());
    DeviceIdentity device = claimedDevice(token);
    openSignedIn(token, "/devices/" + device.id());

    WebElement notes = visible(By.id("notes"));
    notes.sendKeys("Boiler room, shelf 2", Keys.chord(Keys.CONTROL, Keys.ENTER));

    waitFor("the notes saved", d -> "ok".equals(d.findElement(By.cssSelector("[data-role=notes-form] .save-status")).getDomAttribute("data-state")));
    assertEquals("Boiler room, shelf 2", deviceJson(token, device).getString("notes"));
  }

  @Test
  void signingOutRevokesTheTokenAndReturnsToLogIn() throws Exception {
    String token = signUp(newEmail());
    openSignedIn(token, "/devices");

    visible(By.cssSelector("[data-action=sign-out]")).click();

    waitFor("the log-in page", d -> d.getCurrentUrl().endsWith("/login"));
    assertNull(ConsoleSignIn.cookie(browser), "the session cookie is cleared");
    assertEquals(401, node.get("/v1/user", token).statusCode(), "the token is revoked");
  }

  // ---- helpers ----

  private static String newEmail() {
    return "owner" + ACCOUNTS.incrementAndGet() + "@example.com";
  }

  private static String loginJson(String email, String password) {
    return new JsonObject().put("grant_type", "password").put("username", email).put("password", password)
        .put("client_id", "drover-console").put("client_secret", "drover-console").encode();
  }

  /** Creates the account through the API and answers an access token for it. */
  private static String signUp(String email) throws Exception {
    HttpResponse<String> created = node.post("/v1/users", new JsonObject().put("username", email).put("password", PASSWORD).encode(), null);
    assertEquals(200, created.statusCode(), created.body());
    HttpResponse<String> grant = node.post("/oauth/token", loginJson(email, PASSWORD), null);
    assertEquals(200, grant.statusCode(), grant.body());
    return new JsonObject(grant.body()).getString("access_token");
  }

  private static DeviceIdentity claimedDevice(String token) throws Exception {
    DeviceIdentity identity = node.provisionDevice();
    node.claim(identity.id(), token);
    return identity;
  }

  private static void rename(String token, DeviceIdentity device, String name) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create(url("/v1/devices/" + device.id())))
        .header("Authorization", "Bearer " + token)
        .header("Content-Type", "application/json")
        .PUT(HttpRequest.BodyPublishers.ofString(new JsonObject().put("name", name).encode()))
        .build();
    HttpResponse<String> renamed = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    assertEquals(200, renamed.statusCode(), renamed.body());
  }

  private static JsonObject deviceJson(String token, DeviceIdentity device) throws Exception {
    HttpResponse<String> response = node.get("/v1/devices/" + device.id(), token);
    assertEquals(200, response.statusCode(), response.body());
    return new JsonObject(response.body());
  }

  /** The device's declaration is written by the hub shortly after it is sent. */
  private static void awaitDeclared(String token, DeviceIdentity device, String name) throws InterruptedException {
    TestNode.eventually(WAIT, () -> {
      try {
        JsonObject json = deviceJson(token, device);
        return json.getJsonArray("functions").contains(name) || json.getJsonObject("variables").containsKey(name);
      } catch (Exception e) {
        return false;
      }
    }, name + " declared");
  }

  private TestDevice connect(Vertx vertx, DeviceIdentity identity) throws Exception {
    TestDevice device = TestDevice.connect(vertx, node.mqttPort(), identity.id(), identity.secret()).await(10, TimeUnit.SECONDS);
    devices.add(device);
    return device;
  }

  /** Opens a page with a session as the log-in page leaves it: the token in the session cookie. */
  private static void openSignedIn(String token, String path) {
    browser.get(url("/login"));
    ConsoleSignIn.as(browser, token);
    browser.get(url(path));
  }

  private static void awaitLive() {
    waitFor("the live stream open", d -> "live".equals(d.findElement(By.cssSelector("[data-live]")).getDomAttribute("data-live")));
  }

  private static double streamsOpen() {
    try {
      return node.metric("drover_streams_open");
    } catch (IOException | InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String url(String path) {
    return "http://127.0.0.1:" + node.httpPort() + path;
  }

  private static By statusOf(DeviceIdentity device) {
    return By.cssSelector("tr[data-device-id='" + device.id() + "'] .status");
  }

  private static WebElement row(DeviceIdentity device) {
    return visible(By.cssSelector("tr[data-device-id='" + device.id() + "']"));
  }

  private static WebElement visible(By locator) {
    return new WebDriverWait(browser, WAIT).until(ExpectedConditions.visibilityOfElementLocated(locator));
  }

  private static void type(By locator, CharSequence... keys) {
    visible(locator).sendKeys(keys);
  }

  private static void waitFor(String what, Function<WebDriver, Boolean> condition) {
    new WebDriverWait(browser, WAIT).ignoring(StaleElementReferenceException.class).withMessage(what).until(condition::apply);
  }

  private static void screenshot(String file) throws IOException {
    Path shot = browser.getScreenshotAs(OutputType.FILE).toPath();
    Files.copy(shot, Path.of(file), StandardCopyOption.REPLACE_EXISTING);
  }
}
