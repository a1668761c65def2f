package io.drover.hub.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.support.ConsoleSignIn;
import io.drover.hub.support.HeadlessChromium;
import io.drover.hub.support.TestDevice;
import io.drover.hub.support.TestNode;
import io.drover.hub.support.TestNode.DeviceIdentity;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.NoSuchElementException;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The Devices lists kept current by their event streams, in a real browser and without a reload: the
 * account's list takes online and offline, claims, renames and unclaims made elsewhere (never another
 * account's) and the demo fleet as it is claimed; a product's list takes its devices' status, devices
 * joining and leaving and renames; the Live indicator says Reconnecting… while the stream is down.
 */
@ExtendWith(VertxExtension.class)
class LiveListsBrowserTest {

  private static final Duration WAIT = Duration.ofSeconds(15);
  private static final String PASSWORD = "correct horse battery";
  private static final int DEMO_DEVICES = 3;

  private static TestNode node;
  private static HeadlessChromium chromium;
  private static ChromeDriver browser;

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.start("--demo.devices=" + DEMO_DEVICES);
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
  void theDemoFleetAppearsWithoutAReload() throws Exception {
    String token = node.signUpAndLogIn("live-demo@example.com", PASSWORD);
    open(token, "/devices");
    awaitLive();
    visible(By.cssSelector("[data-role=empty-devices]"));
    markPage();

    // made the node's first administrator, the account gets the demo fleet (DemoFleet claims within 2 s)
    HttpResponse<String> promoted = node.send("PUT", "/v1/admin/users/live-demo@example.com", "{\"admin\":true}", node.adminToken());
    assertEquals(200, promoted.statusCode(), promoted.body());

    waitFor("the demo devices listed", d -> d.findElements(By.cssSelector("tr[data-device-id^=d3e0]")).size() == DEMO_DEVICES);
    waitFor("the demo devices online", d -> d.findElements(By.cssSelector("tr[data-device-id^=d3e0] .status[data-online=true]")).size()
        == DEMO_DEVICES);
    assertTrue(browser.findElement(By.cssSelector("tr[data-device-id^=d3e0] .device-name")).getText().startsWith("demo-"));
    assertPageNotReloaded();
  }

  @Test
  void changesMadeElsewhereShowAtOnceAndOtherAccountsStayOut(Vertx vertx) throws Exception {
    String alice = node.signUpAndLogIn("live-alice@example.com", PASSWORD);
    String bob = node.signUpAndLogIn("live-bob@example.com", PASSWORD);
    DeviceIdentity mine = node.provisionDevice();
    DeviceIdentity bobs = node.provisionDevice();
    open(alice, "/devices");
    awaitLive();
    markPage();

    node.claim(bobs.id(), bob);
    node.claim(mine.id(), alice);
    waitFor("the claim made elsewhere", d -> !d.findElements(row(mine.id())).isEmpty());
    assertTrue(browser.findElements(row(bobs.id())).isEmpty(), "another account's claim never shows");

    HttpResponse<String> renamed = node.send("PUT", "/v1/devices/" + mine.id(), "{\"name\":\"cellar-pump\"}", alice);
    assertEquals(200, renamed.statusCode(), renamed.body());
    waitFor("the rename made elsewhere", d -> d.findElement(row(mine.id())).findElement(By.cssSelector(".device-name")).getText()
        .equals("cellar-pump"));

    try (TestDevice device = TestDevice.connect(vertx, node.mqttPort(), mine.id(), mine.secret()).await(10, TimeUnit.SECONDS)) {
      waitFor("online", d -> "true".equals(d.findElement(row(mine.id())).findElement(By.cssSelector(".status")).getDomAttribute("data-online")));
    }
    waitFor("offline", d -> "false".equals(d.findElement(row(mine.id())).findElement(By.cssSelector(".status")).getDomAttribute("data-online")));

    assertEquals(200, node.send("DELETE", "/v1/devices/" + mine.id(), null, alice).statusCode());
    waitFor("the unclaim made elsewhere", d -> d.findElements(row(mine.id())).isEmpty());
    assertPageNotReloaded();
    assertEquals(List.of(), chromium.consoleErrors(), "errors in the browser console");
  }

  @Test
  void theIndicatorSaysReconnectingWhileTheStreamIsDown(Vertx vertx) throws Exception {
    String token = node.signUpAndLogIn("live-offline@example.com", PASSWORD);
    CuttableProxy proxy = CuttableProxy.start(vertx, node.httpPort());
    try {
      // the browser reaches the node through the proxy (the session cookie is the host's, whatever the port)
      browser.get("http://127.0.0.1:" + proxy.port() + "/login");
      ConsoleSignIn.as(browser, token);
      browser.get("http://127.0.0.1:" + proxy.port() + "/devices");
      awaitLive();
      assertEquals("Live", browser.findElement(By.cssSelector(".page-actions .live")).getText());
      markPage();

      proxy.cutEveryConnection();
      waitFor("reconnecting", d -> {
        WebElement live = d.findElement(By.cssSelector(".page-actions .live"));
        return "reconnecting".equals(live.getDomAttribute("data-live")) && live.getText().equals("Reconnecting…");
      });
      // the proxy still takes new connections: the page opens a new stream by itself
      awaitLive();
      assertEquals("Live", browser.findElement(By.cssSelector(".page-actions .live")).getText());
      assertPageNotReloaded();
    } finally {
      proxy.close();
    }
  }

  @Test
  void aProductsListFollowsItsStream(Vertx vertx) throws Exception {
    String token = node.signUpAndLogIn("live-product@example.com", PASSWORD);
    long ownerId = Long.parseLong(node.query("SELECT id FROM users WHERE username = 'live-product@example.com'"));
    int product = Integer.parseInt(node.query("INSERT INTO products (slug, name, platform_id, owner_id) VALUES ('live-fleet', 'Live fleet', 12, "
        + ownerId + ") RETURNING id"));
    node.execute("INSERT INTO product_members (product_id, user_id, role, is_owner) VALUES (" + product + ", " + ownerId
        + ", 'administrator', true)");
    DeviceIdentity joining = node.provisionDevice();
    open(token, "/products/live-fleet/devices");
    awaitLive();
    visible(By.cssSelector("[data-role=no-devices]"));
    markPage();

    // the manufacturing line's import (the node administrator's), made elsewhere
    HttpResponse<String> imported = node.post("/v1/products/" + product + "/devices", new JsonObject().put("id", joining.id()).encode(),
        node.adminToken());
    assertEquals(200, imported.statusCode(), imported.body());
    waitFor("the device joined", d -> !d.findElements(row(joining.id())).isEmpty());

    try (TestDevice device = TestDevice.connect(vertx, node.mqttPort(), joining.id(), joining.secret()).await(10, TimeUnit.SECONDS)) {
      waitFor("online", d -> "true".equals(d.findElement(row(joining.id())).findElement(By.cssSelector(".status")).getDomAttribute("data-online")));
    }
    waitFor("offline", d -> "false".equals(d.findElement(row(joining.id())).findElement(By.cssSelector(".status")).getDomAttribute("data-online")));

    HttpResponse<String> renamed = node.send("PUT", "/v1/products/" + product + "/devices/" + joining.id(), "{\"name\":\"line-7\"}", token);
    assertEquals(200, renamed.statusCode(), renamed.body());
    waitFor("renamed", d -> d.findElement(row(joining.id())).findElement(By.cssSelector(".device-name")).getText().equals("line-7"));

    assertEquals(200, node.send("DELETE", "/v1/products/" + product + "/devices/" + joining.id(), null, token).statusCode());
    waitFor("the device left", d -> d.findElements(row(joining.id())).isEmpty());
    assertPageNotReloaded();
    assertEquals(List.of(), chromium.consoleErrors(), "errors in the browser console");
  }

  /** A TCP proxy in front of the node whose open connections the test can cut, as a dropped network would. */
  private record CuttableProxy(NetServer server, NetClient client, List<NetSocket> sockets) {

    static CuttableProxy start(Vertx vertx, int target) throws Exception {
      NetClient client = vertx.createNetClient();
      List<NetSocket> sockets = new CopyOnWriteArrayList<>();
      NetServer server = vertx.createNetServer().connectHandler(in -> {
        in.pause();
        client.connect(target, "127.0.0.1").onSuccess(out -> {
          sockets.add(in);
          sockets.add(out);
          in.pipeTo(out);
          out.pipeTo(in);
        }).onFailure(cause -> in.close());
      });
      server.listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
      return new CuttableProxy(server, client, sockets);
    }

    int port() {
      return server.actualPort();
    }

    void cutEveryConnection() {
      for (NetSocket socket : sockets) {
        socket.close();
      }
      sockets.clear();
    }

    void close() throws Exception {
      cutEveryConnection();
      server.close().await(10, TimeUnit.SECONDS);
      client.close().await(10, TimeUnit.SECONDS);
    }
  }

  private static By row(String deviceId) {
    return By.cssSelector("tr[data-device-id='" + deviceId + "']");
  }

  /** A mark a reload would wipe. */
  private static void markPage() {
    browser.executeScript("window.liveListMark = 'not reloaded';");
  }

  private static void assertPageNotReloaded() {
    assertEquals("not reloaded", browser.executeScript("return window.liveListMark;"), "the page was reloaded");
  }

  private static void awaitLive() {
    waitFor("the list's stream live", d -> "live".equals(d.findElement(By.cssSelector(".page-actions .live")).getDomAttribute("data-live")));
  }

  private static void open(String token, String path) {
    browser.get("http://127.0.0.1:" + node.httpPort() + "/login");
    ConsoleSignIn.as(browser, token);
    browser.get("http://127.0.0.1:" + node.httpPort() + path);
  }

  private static WebElement visible(By locator) {
    return new WebDriverWait(browser, WAIT).until(org.openqa.selenium.support.ui.ExpectedConditions.visibilityOfElementLocated(locator));
  }

  private static void waitFor(String what, Function<WebDriver, Boolean> condition) {
    new WebDriverWait(browser, WAIT).ignoring(StaleElementReferenceException.class).ignoring(NoSuchElementException.class)
        .withMessage(what).until(condition::apply);
  }
}
