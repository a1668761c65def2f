package io.drover.hub.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.support.ConsoleSignIn;
import io.drover.hub.support.HeadlessChromium;
import io.drover.hub.support.TestDevice;
import io.drover.hub.support.TestNode;
import io.drover.hub.support.TestNode.DeviceIdentity;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Stream tickets in the Console: no URL the Console requests carries a credential that outlives the request. The
 * browser logs every request it sends (Chromium's performance log), and the test walks the pages that
 * hold streams open: the device list and a device page (live status over EventSource) and the event
 * logs (a fetch stream). Their live status must still work, also after a stream drops.
 */
@ExtendWith(VertxExtension.class)
class ConsoleUrlsBrowserTest {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final String PASSWORD = "correct horse battery";
  /** Run before the Console's own scripts: keeps every EventSource the page makes, to end one as a dropped connection would. */
  private static final String KEEP_EVENT_SOURCES = """
      window.droverEventSources = [];
      const Original = window.EventSource;
      window.EventSource = class extends Original {
        constructor(...args) { super(...args); window.droverEventSources.push(this); }
      };""";

  private static TestNode node;
  private static HeadlessChromium chromium;
  private static ChromeDriver browser;
  private final List<TestDevice> devices = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.start();
    chromium = HeadlessChromium.startRecordingRequests();
    browser = chromium.driver();
    browser.executeCdpCommand("Page.addScriptToEvaluateOnNewDocument", Map.of("source", KEEP_EVENT_SOURCES));
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
    chromium.consoleErrors();
  }

  @AfterEach
  void noBrowserErrorsAndDevicesDisconnected() throws Exception {
    for (TestDevice device : devices) {
      device.close();
    }
    assertEquals(List.of(), chromium.consoleErrors(), "errors in the browser console");
  }

  @Test
  void noUrlTheConsoleRequestsCarriesAnAccessToken(Vertx vertx) throws Exception {
    chromium.requestedUrls();
    browser.get(url("/signup"));
    visible(By.id("email")).sendKeys("watcher@urls.example");
    visible(By.id("password")).sendKeys(PASSWORD + Keys.ENTER);
    waitFor("the Devices page", d -> d.getCurrentUrl().endsWith("/devices"));
    String token = ConsoleSignIn.cookie(browser).getValue();
    DeviceIdentity identity = claimedDevice(token);

    browser.get(url("/devices"));
    WebElement status = visible(By.cssSelector("tr[data-device-id='" + identity.id() + "'] .status"));
    awaitLive();
    TestDevice device = connect(vertx, identity);
    waitFor("the device shown online", d -> "true".equals(status.getDomAttribute("data-online")));
    browser.get(url("/devices/" + identity.id()));
    awaitLive();
    browser.get(url("/events"));
    waitFor("the event logs' stream open", d -> "live".equals(d.findElement(By.cssSelector("[data-role=events-live]")).getDomAttribute("data-live")));
    device.disconnect();

    List<String> urls = chromium.requestedUrls();
    List<String> carrying = urls.stream().filter(u -> u.contains("access_token") || u.contains(token)).toList();
    assertEquals(List.of(), carrying, "URLs with a token, of " + urls.size() + " requested");
    // the streams were asked for (so the absence above means something): the list's follows online state
    // and the account's device notices, the device page's is its events stream (spark/status among them)
    assertTrue(urls.stream().anyMatch(u -> URI.create(u).getPath().equals("/v1/devices/events") && URI.create(u).getQuery() != null
            && URI.create(u).getQuery().contains("event:spark/status")),
        "the device list's status stream was requested: " + urls);
    assertTrue(urls.stream().anyMatch(u -> URI.create(u).getPath().equals("/v1/devices/" + identity.id() + "/events")),
        "the device page's stream was requested: " + urls);
  }

  /**
   * A ticket opens one stream once, so EventSource's own reconnection (the same URL again) would be
   * refused: the Console must open a new stream with a new ticket after a drop, and stay live.
   */
  @Test
  void theLiveStatusReopensWithAFreshTicketAfterTheStreamDrops(Vertx vertx) throws Exception {
    String token = signUp("reconnecting@urls.example");
    DeviceIdentity identity = claimedDevice(token);
    browser.get(url("/login"));
    ConsoleSignIn.as(browser, token);
    browser.get(url("/devices"));
    WebElement status = visible(By.cssSelector("tr[data-device-id='" + identity.id() + "'] .status"));
    awaitLive();
    String firstUrl = (String) browser.executeScript("return window.droverEventSources.at(-1).url");

    // what EventSource reports when its connection drops: an error while it is still open
    browser.executeScript("window.droverEventSources.at(-1).dispatchEvent(new Event('error'))");

    waitFor("a second stream", d -> ((Number) browser.executeScript("return window.droverEventSources.length")).intValue() >= 2);
    awaitLive();
    String secondUrl = (String) browser.executeScript("return window.droverEventSources.at(-1).url");
    assertNotEquals(firstUrl, secondUrl, "a new ticket for the new stream");
    assertEquals(2L, browser.executeScript("return window.droverEventSources[0].readyState"), "the dropped one is closed, not retried");
    connect(vertx, identity);
    waitFor("the device shown online over the new stream", d -> "true".equals(status.getDomAttribute("data-online")));
  }

  private static String signUp(String email) throws Exception {
    HttpResponse<String> created = node.post("/v1/users", new JsonObject().put("username", email).put("password", PASSWORD).encode(), null);
    assertEquals(200, created.statusCode(), created.body());
    return node.logIn(email, PASSWORD);
  }

  private static DeviceIdentity claimedDevice(String token) throws Exception {
    DeviceIdentity identity = node.provisionDevice();
    node.claim(identity.id(), token);
    return identity;
  }

  private TestDevice connect(Vertx vertx, DeviceIdentity identity) throws Exception {
    TestDevice device = TestDevice.connect(vertx, node.mqttPort(), identity.id(), identity.secret()).await(10, TimeUnit.SECONDS);
    devices.add(device);
    return device;
  }

  private static void awaitLive() {
    waitFor("the live stream open", d -> "live".equals(d.findElement(By.cssSelector("[data-live]")).getDomAttribute("data-live")));
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
