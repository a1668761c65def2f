package io.drover.hub.tracker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.drover.hub.products.FleetChanges;
import io.drover.hub.support.ConsoleSignIn;
import io.drover.hub.support.HeadlessChromium;
import io.drover.hub.support.TestDevice;
import io.drover.hub.support.TestNode;
import io.drover.hub.support.TestNode.DeviceIdentity;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.Rectangle;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The Map page in headless Chromium against a real node: tiles from a local tile server with its
 * configured attribution, markers of locations published over MQTT, search by ID, name and group, a
 * marker's details kept clear of the panel, its track fitted to the map at the fleet's zoom and at a
 * device's, a tracker answering the cmd box's get_loc whose location then appears on the map, and the
 * notice once the tile server is gone. MapNoticeBrowserTest covers OpenStreetMap's attribution and no
 * tile server configured.
 */
@ExtendWith(VertxExtension.class)
class ProductMapBrowserTest {

  private static final Duration WAIT = Duration.ofSeconds(15);
  private static final AtomicInteger TILE_REQUESTS = new AtomicInteger();
  private static final String ATTRIBUTION = "© Test Tiles contributors";
  private static HttpServer tileServer;
  private static TestNode node;
  private static HeadlessChromium chromium;
  private static ChromeDriver browser;

  @BeforeAll
  static void start() throws Exception {
    byte[] png = tilePng();
    tileServer = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    tileServer.createContext("/tiles/", exchange -> {
      TILE_REQUESTS.incrementAndGet();
      exchange.getResponseHeaders().set("Content-Type", "image/png");
      exchange.sendResponseHeaders(200, png.length);
      exchange.getResponseBody().write(png);
      exchange.close();
    });
    tileServer.start();
    node = TestNode.start("--console.map-tiles=http://127.0.0.1:" + tileServer.getAddress().getPort() + "/tiles/{z}/{x}/{y}.png",
        "--console.map-attribution=" + ATTRIBUTION);
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
      tileServer.stop(0);
      node.close();
    }
  }

  @Test
  void theMapShowsSearchesDetailsAndTracksTheFleetAndAGetLocAnswer(Vertx vertx) throws Exception {
    String token = node.signUpAndLogIn("map-owner@example.com", "map owner's password");
    TrackerFleet fleet = new TrackerFleet(node);
    int product = fleet.product("mapped-fleet", "map-owner@example.com", "tracker");
    DeviceIdentity north = fleet.device(product, false);
    DeviceIdentity south = fleet.device(product, false);
    DeviceIdentity old = fleet.device(product, false);
    node.execute("UPDATE devices SET name = 'north-truck' WHERE id = '" + north.id() + "'");
    node.execute("INSERT INTO device_groups (product_id, name) VALUES (" + product + ", 'reefers')");
    node.execute("INSERT INTO device_group_members (product_id, group_name, device_id) VALUES (" + product + ", 'reefers', '" + south.id() + "')");
    // the one answering get_loc is claimed by the owner, whose device page holds the cmd box
    DeviceIdentity asked = node.provisionDevice();
    node.claim(asked.id(), token);
    node.execute("UPDATE devices SET product_id = " + product + ", platform_id = " + TrackerFleet.TRACKER_PLATFORM
        + " WHERE id = '" + asked.id() + "'");
    FleetChanges.devicesChanged(node.eventBus(), product, List.of(north.id(), south.id(), asked.id()));

    long now = Instant.now().getEpochSecond();
    TestDevice northDevice = TestDevice.connect(vertx, node.mqttPort(), north.id(), north.secret()).await(10, TimeUnit.SECONDS);
    TestDevice southDevice = TestDevice.connect(vertx, node.mqttPort(), south.id(), south.secret()).await(10, TimeUnit.SECONDS);
    TestDevice oldDevice = TestDevice.connect(vertx, node.mqttPort(), old.id(), old.secret()).await(10, TimeUnit.SECONDS);
    TestDevice askedDevice = TestDevice.connect(vertx, node.mqttPort(), asked.id(), asked.secret()).await(10, TimeUnit.SECONDS);
    try {
      String locations = "/v1/products/" + product + "/locations";
      TestNode.eventually(WAIT, () -> {
        // published until kept: the product may reach the recorder's index a moment after the SQL
        try {
          if (total(locations, token) < 3) {
            northDevice.publishAcknowledged("e/loc", Buffer.buffer(loc(now - 1200, 47.6205, -122.3493, 1)));
            northDevice.publishAcknowledged("e/loc", Buffer.buffer(loc(now - 600, 47.6215, -122.3483, 2)));
            northDevice.publishAcknowledged("e/loc", Buffer.buffer(loc(now - 60, 47.6225, -122.3473, 3)));
            southDevice.publishAcknowledged("e/loc", Buffer.buffer(loc(now - 60, 45.5152, -122.6784, 4)));
            // three days old: on the map by its last known location and in the last week, not in the last day
            oldDevice.publishAcknowledged("e/loc", Buffer.buffer(loc(now - 3 * 86_400, 46.1879, -123.8313, 5)));
            Thread.sleep(300);
          }
          String lastDay = "?date_range=" + Instant.now().minus(Duration.ofDays(1)) + "," + Instant.now().plus(Duration.ofMinutes(1));
          return total(locations, token) == 3 && total(locations + "/" + north.id() + lastDay, token) == 3;
        } catch (Exception e) {
          return false;
        }
      }, "the fleet's locations kept");

      chromium.consoleErrors(); // whatever another test left
      browser.get(url("/login"));
      ConsoleSignIn.as(browser, token);
      browser.get(url("/products/mapped-fleet/map"));
      WebElement map = visible(By.cssSelector("[data-role=map]"));
      waitFor("three markers", () -> "3".equals(map.getDomAttribute("data-marker-count")));
      assertEquals(sorted(north.id(), south.id(), old.id()), ids(map));
      waitFor("tiles fetched from the configured server", () -> TILE_REQUESTS.get() > 0);
      HttpResponse<String> page = node.get("/products/mapped-fleet/map", null);
      assertTrue(page.headers().firstValue("Content-Security-Policy").orElse("")
          .contains("img-src 'self' data: http://127.0.0.1:" + tileServer.getAddress().getPort() + ";"), "the tile origin is allowed");
      assertEquals(ATTRIBUTION, browser.findElement(By.cssSelector("[data-role=map-attribution]")).getText(), "the configured attribution");
      assertFalse(browser.findElement(By.cssSelector("[data-role=map-notice]")).isDisplayed(), "tiles load: no notice");

      WebElement search = browser.findElement(By.cssSelector("[data-role=map-search]"));
      search.sendKeys("North-Tr");
      waitFor("the name search", () -> ids(map).equals(List.of(north.id())));
      search.sendKeys(Keys.chord(Keys.CONTROL, "a"), "reefers");
      waitFor("the group search", () -> ids(map).equals(List.of(south.id())));
      search.sendKeys(Keys.chord(Keys.CONTROL, "a"), north.id().substring(6, 18));
      waitFor("the ID search", () -> ids(map).equals(List.of(north.id())));
      search.sendKeys(Keys.chord(Keys.CONTROL, "a"), "nothing-like-it");
      waitFor("a search matching nothing", () -> "0".equals(map.getDomAttribute("data-marker-count")));
      search.sendKeys(Keys.chord(Keys.CONTROL, "a"), Keys.BACK_SPACE);
      waitFor("every marker again", () -> "3".equals(map.getDomAttribute("data-marker-count")));

      // a marker at the map's right edge, clicked: the details panel opens beside the map, which
      // narrows, and the marker stays in view rather than under the panel or cut off
      String[] northAt = point(map, north.id()).substring(north.id().length() + 1).split(",");
      Rectangle frame = map.getRect();
      new Actions(browser).moveToElement(map, 20 - frame.getWidth() / 2, frame.getHeight() / 2 - 20).clickAndHold()
          .moveByOffset(frame.getWidth() - 80 - Integer.parseInt(northAt[0]), 0).release().perform();
      // (clear of the zoom buttons in the top right corner)
      waitFor("the north marker at the right edge", () -> x(point(map, north.id())) > frame.getWidth() - 90);
      clickMarker(map, north.id());
      WebElement details = visible(By.cssSelector("[data-role=map-details]"));
      waitFor("the map narrowed beside the panel", () -> map.getRect().getWidth() < frame.getWidth());
      waitFor("the selected marker in the visible map", () -> {
        int[] area = numbers(map.getDomAttribute("data-visible-area"));
        String at = point(map, north.id());
        return !at.isEmpty() && x(at) >= area[0] && x(at) <= area[0] + area[2];
      });
      Rectangle mapBox = map.getRect();
      Rectangle panelBox = details.getRect();
      int northX = mapBox.getX() + x(point(map, north.id()));
      assertTrue(northX < panelBox.getX() || northX > panelBox.getX() + panelBox.getWidth(), "the marker is not under the panel");
      waitFor("the name in the details", () -> "north-truck".equals(details.findElement(By.cssSelector("[data-role=detail-name]")).getText()));
      assertEquals(north.id(), details.getDomAttribute("data-device-id"));
      assertEquals("47.622500, -122.347300", details.findElement(By.cssSelector("[data-role=detail-position]")).getText());
      assertEquals("10 m", details.findElement(By.cssSelector("[data-role=detail-accuracy]")).getText());
      assertEquals("99.6%", details.findElement(By.cssSelector("[data-role=detail-battery]")).getText());
      // Track at the fleet's zoom: the map fits the track
      browser.findElement(By.cssSelector("[data-action=fit]")).click();
      waitFor("the fleet's zoom", () -> Integer.parseInt(map.getDomAttribute("data-zoom")) < 10);
      details.findElement(By.cssSelector("[data-action=track]")).click();
      waitFor("the track's three points", () -> "3".equals(map.getDomAttribute("data-track-points")));
      waitFor("the track fitted to the map", () -> fitsWhole(map));
      // ... and at a device's zoom, with the track out of sight: fitted again
      new Actions(browser).moveToElement(map, 0, 0).clickAndHold().moveByOffset(-300, -200).release().perform();
      for (int i = 0; i < 3; i++) {
        browser.findElement(By.cssSelector("[data-action=zoom-in]")).click();
      }
      waitFor("zoomed in past the track", () -> !fitsWhole(map));
      details.findElement(By.cssSelector("[data-action=track]")).click();
      waitFor("the track fitted to the map again", () -> fitsWhole(map));

      WebElement range = browser.findElement(By.cssSelector("[data-role=map-range]"));
      new org.openqa.selenium.support.ui.Select(range).selectByValue("day");
      waitFor("the last day leaves out the old fix", () -> ids(map).equals(sorted(north.id(), south.id())));
      new org.openqa.selenium.support.ui.Select(range).selectByValue("week");
      waitFor("the last week holds it", () -> ids(map).equals(sorted(north.id(), south.id(), old.id())));
      new org.openqa.selenium.support.ui.Select(range).selectByValue("custom");
      browser.executeScript("""
          const [from, to] = [arguments[0], arguments[1]].map((ms) => new Date(ms - new Date(ms).getTimezoneOffset() * 60000).toISOString().slice(0, 16));
          document.querySelector('[data-role=map-from]').value = from;
          const end = document.querySelector('[data-role=map-to]');
          end.value = to;
          end.dispatchEvent(new Event('change'));""", (now - 4 * 86_400) * 1000, (now - 2 * 86_400) * 1000);
      waitFor("a custom range with the old fix only", () -> ids(map).equals(List.of(old.id())));

      browser.findElement(By.cssSelector("[data-action=zoom-out]")).click();
      waitFor("zoomed out", () -> map.getDomAttribute("data-zoom") != null);
      assertEquals(List.of(), chromium.consoleErrors(), "errors in the browser console");

      // get_loc through the device page's cmd box: the tracker answers with a loc event
      askedDevice.behave(Map.of("cmd", argument -> {
        if (argument.contains("\"get_loc\"")) {
          // the handler runs on the client's event loop: the acknowledged publish waits elsewhere
          new Thread(() -> {
            try {
              askedDevice.publishAcknowledged("e/loc", Buffer.buffer(loc(Instant.now().getEpochSecond(), 46.8523, -121.7603, 9)));
            } catch (Exception e) {
              throw new IllegalStateException(e);
            }
          }, "get_loc answer").start();
          return "0";
        }
        return "-22";
      }), Map.of());
      TestNode.eventually(WAIT, () -> declaresCmd(token, asked.id()), "the cmd function declared");
      browser.get(url("/devices/" + asked.id()));
      WebElement box = visible(By.cssSelector("[data-role=cmd-box]"));
      WebElement result = box.findElement(By.cssSelector("[data-role=cmd-result]"));
      box.findElement(By.cssSelector("[data-preset=get_loc]")).click();
      box.findElement(By.cssSelector("[data-action=send-cmd]")).click();
      waitFor("the tracker's answer", () -> "ok".equals(result.getDomAttribute("data-state")));
      browser.get(url("/products/mapped-fleet/map"));
      WebElement reloaded = visible(By.cssSelector("[data-role=map]"));
      waitFor("the get_loc answer on the map", () -> {
        if (ids(reloaded).contains(asked.id())) {
          return true;
        }
        browser.findElement(By.cssSelector("[data-action=map-refresh]")).click();
        return false;
      });
      assertEquals(4, ids(reloaded).size());
      clickMarker(reloaded, asked.id());
      WebElement askedDetails = visible(By.cssSelector("[data-role=map-details]"));
      waitFor("its details", () -> asked.id().equals(askedDetails.getDomAttribute("data-device-id")));
      assertEquals("46.852300, -121.760300", askedDetails.findElement(By.cssSelector("[data-role=detail-position]")).getText());
      assertEquals(List.of(), chromium.consoleErrors(), "errors in the browser console");

      // a fix arriving while the map is open moves the marker, without a reload
      waitFor("the live stream", () -> "live".equals(reloaded.getDomAttribute("data-live")));
      String before = point(reloaded, south.id());
      southDevice.publishAcknowledged("e/loc", Buffer.buffer(loc(Instant.now().getEpochSecond(), 46.2, -122.9, 10)));
      waitFor("the marker moved", () -> !before.equals(point(reloaded, south.id())));
      assertEquals(4, ids(reloaded).size());

      // no tile server reachable: the devices still show over the grid
      tileServer.stop(0);
      browser.findElement(By.cssSelector("[data-action=zoom-in]")).click();
      browser.findElement(By.cssSelector("[data-action=zoom-in]")).click();
      browser.get(url("/products/mapped-fleet/map"));
      WebElement offline = visible(By.cssSelector("[data-role=map]"));
      waitFor("markers without tiles", () -> "4".equals(offline.getDomAttribute("data-marker-count")));
      WebElement notice = visible(By.cssSelector("[data-role=map-notice]"));
      assertTrue(notice.getText().startsWith("Map tiles could not be loaded from 127.0.0.1:" + tileServer.getAddress().getPort()), notice.getText());
      chromium.consoleErrors(); // the failed tiles, which the page leaves absent

      // the gear icon opens the fleet's tracker settings
      browser.findElement(By.cssSelector("[data-action=tracker-settings]")).click();
      visible(By.cssSelector("[data-role=tracker-settings]"));
      assertTrue(browser.getCurrentUrl().endsWith("/products/mapped-fleet/tracker-settings"), browser.getCurrentUrl());
    } finally {
      northDevice.close();
      southDevice.close();
      oldDevice.close();
      askedDevice.close();
    }
  }

  /** 10,000 last known locations (inserted: publishing them would test MQTT, not the map) load and draw. */
  @Test
  void tenThousandDevicesAreDrawnSmoothly() throws Exception {
    String token = node.signUpAndLogIn("big-fleet@example.com", "big fleet's password");
    int product = new TrackerFleet(node).product("big-fleet", "big-fleet@example.com", "tracker");
    node.execute("INSERT INTO devices (id, secret_hash, product_id, platform_id) SELECT 'ee' || lpad(to_hex(n), 22, '0'), '\\x00'::bytea, "
        + product + ", " + TrackerFleet.TRACKER_PLATFORM + " FROM generate_series(1, 10000) n");
    node.execute("INSERT INTO tracker_last_locations (device_id, product_id, at, received_at, lat, lon, loc) SELECT id, product_id, now(), now(), "
        + "40 + random() * 8, -124 + random() * 10, '{}' FROM devices WHERE product_id = " + product);
    chromium.consoleErrors();
    browser.get(url("/login"));
    ConsoleSignIn.as(browser, token);
    browser.get(url("/products/big-fleet/map"));
    WebElement map = visible(By.cssSelector("[data-role=map]"));
    waitFor("10,000 markers", () -> "10000".equals(map.getDomAttribute("data-marker-count")));
    double slowest = 0;
    for (String action : List.of("zoom-in", "zoom-out", "zoom-out", "fit")) {
      browser.findElement(By.cssSelector("[data-action=" + action + "]")).click();
      Thread.sleep(100);
      slowest = Math.max(slowest, Double.parseDouble(map.getDomAttribute("data-paint-ms")));
    }
    // a frame is 16 ms; this leaves room for a shared, headless machine and still fails a slow redraw
    assertTrue(slowest < 100, "a redraw of 10,000 markers took " + slowest + " ms");
  }

  /** Clicks where the page says it drew the marker; offsets count from the centre of the canvas, whole in view. */
  private static void clickMarker(WebElement map, String deviceId) {
    browser.executeScript("arguments[0].scrollIntoView({block: 'center'})", map);
    String points = map.getDomAttribute("data-marker-points");
    String point = Arrays.stream(points.split(";")).filter(p -> p.startsWith(deviceId + "@")).findFirst()
        .orElseThrow(() -> new AssertionError(deviceId + " not drawn in " + points));
    String[] xy = point.substring(point.indexOf('@') + 1).split(",");
    Rectangle box = map.getRect();
    new Actions(browser).moveToElement(map, Integer.parseInt(xy[0]) - box.getWidth() / 2, Integer.parseInt(xy[1]) - box.getHeight() / 2)
        .click().perform();
  }

  /**
   * Whether the track's bounds lie inside the part of the map the details panel leaves visible and
   * fill it as a fit does: more than a third of its width or height (one zoom level more would not fit).
   */
  private static boolean fitsWhole(WebElement map) {
    String bounds = map.getDomAttribute("data-track-bounds");
    if (bounds == null) {
      return false;
    }
    int[] track = numbers(bounds);
    int[] area = numbers(map.getDomAttribute("data-visible-area"));
    boolean inside = track[0] >= area[0] && track[2] <= area[0] + area[2] && track[1] >= area[1] && track[3] <= area[1] + area[3];
    return inside && (track[2] - track[0] > area[2] / 3 || track[3] - track[1] > area[3] / 3);
  }

  private static int[] numbers(String commaSeparated) {
    return Arrays.stream(commaSeparated.split(",")).mapToInt(Integer::parseInt).toArray();
  }

  /** The x of a marker point {@code id@x,y}. */
  private static int x(String point) {
    return point.isEmpty() ? -1 : Integer.parseInt(point.substring(point.indexOf('@') + 1).split(",")[0]);
  }

  private static boolean declaresCmd(String token, String deviceId) {
    try {
      return new JsonObject(node.get("/v1/devices/" + deviceId, token).body()).getJsonArray("functions").contains("cmd");
    } catch (Exception e) {
      return false;
    }
  }

  /** Where the page drew the device's marker, as {@code id@x,y}; empty when off the canvas. */
  private static String point(WebElement map, String deviceId) {
    return Arrays.stream(map.getDomAttribute("data-marker-points").split(";")).filter(p -> p.startsWith(deviceId + "@")).findFirst().orElse("");
  }

  private static List<String> sorted(String... ids) {
    return Arrays.stream(ids).sorted().toList();
  }

  private static List<String> ids(WebElement map) {
    String ids = map.getDomAttribute("data-marker-ids");
    return ids == null || ids.isEmpty() ? List.of() : Arrays.stream(ids.split(",")).sorted().toList();
  }

  /** The fleet's devices found, or one device's points found. */
  private static long total(String path, String token) {
    try {
      JsonObject meta = new JsonObject(node.get(path, token).body()).getJsonObject("meta");
      return meta.containsKey("devices_found") ? meta.getLong("devices_found") : meta.getLong("points_found");
    } catch (Exception e) {
      return -1;
    }
  }

  private static String loc(long time, double lat, double lon, int reqId) {
    return "{\"cmd\":\"loc\",\"time\":" + time + ",\"loc\":{\"lck\":1,\"time\":" + time + ",\"lat\":" + lat + ",\"lon\":" + lon
        + ",\"alt\":322.294,\"hd\":214.60,\"h_acc\":10.000,\"v_acc\":16.000,\"cell\":40.2,\"batt\":99.6},\"trig\":[\"time\"],\"req_id\":" + reqId + "}";
  }

  private static byte[] tilePng() throws IOException {
    BufferedImage image = new BufferedImage(256, 256, BufferedImage.TYPE_INT_RGB);
    for (int x = 0; x < 256; x++) {
      for (int y = 0; y < 256; y++) {
        image.setRGB(x, y, (x + y) % 32 == 0 ? 0xb0c4de : 0xe8eef4);
      }
    }
    ByteArrayOutputStream png = new ByteArrayOutputStream();
    ImageIO.write(image, "png", png);
    return png.toByteArray();
  }

  private static String url(String path) {
    return "http://127.0.0.1:" + node.httpPort() + path;
  }

  private static WebElement visible(By locator) {
    return new WebDriverWait(browser, WAIT).until(ExpectedConditions.visibilityOfElementLocated(locator));
  }

  private static void waitFor(String what, java.util.function.BooleanSupplier condition) {
    new WebDriverWait(browser, WAIT).ignoring(StaleElementReferenceException.class).withMessage(what).until(d -> condition.getAsBoolean());
  }
}
