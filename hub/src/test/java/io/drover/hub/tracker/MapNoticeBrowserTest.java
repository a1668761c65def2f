package io.drover.hub.tracker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.support.ConsoleSignIn;
import io.drover.hub.support.HeadlessChromium;
import io.drover.hub.support.TestNode;
import java.io.IOException;
import java.time.Duration;
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
 * The Map page's tiles as a user sees what is wrong with them: OpenStreetMap's tiles (the default) with
 * OpenStreetMap's attribution, a notice when they do not load, and a notice saying how to configure a
 * tile server when none is; and the page's geometry (lib/map-geometry.js) checked in the browser that
 * runs it. The browser resolves no tile.openstreetmap.org: a test never loads OpenStreetMap's tiles.
 */
class MapNoticeBrowserTest {

  private static final Duration WAIT = Duration.ofSeconds(15);
  /** The default tiles: OpenStreetMap's. */
  private static TestNode osmNode;
  /** No tile server. */
  private static TestNode gridNode;
  private static HeadlessChromium chromium;
  private static ChromeDriver browser;

  /** The nodes first, then the browser: a node starting beside Chromium's own start is slowed past the blocked-loop limit. */
  @BeforeAll
  static void start() throws Exception {
    osmNode = TestNode.start();
    gridNode = TestNode.start("--console.map-tiles=");
    chromium = HeadlessChromium.start(List.of("--host-resolver-rules=MAP tile.openstreetmap.org ~NOTFOUND"));
    browser = chromium.driver();
  }

  @AfterAll
  static void stop() throws IOException {
    try {
      if (chromium != null) {
        chromium.close();
      }
    } finally {
      try {
        if (osmNode != null) {
          osmNode.close();
        }
      } finally {
        if (gridNode != null) {
          gridNode.close();
        }
      }
    }
  }

  @Test
  void openStreetMapTilesAreAttributedToItsContributorsAndTheirFailureSaid() throws Exception {
    openMap(osmNode, "osm-fleet");
    WebElement attribution = visible(By.cssSelector("[data-role=map-attribution]"));
    assertEquals("© OpenStreetMap contributors", attribution.getText());
    assertEquals("https://www.openstreetmap.org/copyright", attribution.findElement(By.tagName("a")).getDomAttribute("href"));
    WebElement notice = visible(By.cssSelector("[data-role=map-notice]"));
    assertTrue(notice.getText().startsWith("Map tiles could not be loaded from tile.openstreetmap.org: the devices show over a plain grid."),
        notice.getText());
  }

  @Test
  void noTileServerConfiguredIsSaidOverTheGrid() throws Exception {
    openMap(gridNode, "gridded-fleet");
    WebElement notice = visible(By.cssSelector("[data-role=map-notice]"));
    assertTrue(notice.getText().startsWith("No map tiles: set console.map-tiles (DROVER_CONSOLE_MAP_TILES) to a tile server's URL template"),
        notice.getText());
    assertTrue(browser.findElements(By.cssSelector("[data-role=map-attribution]")).isEmpty(), "no tiles, nothing to attribute");
    assertEquals("0", browser.findElement(By.cssSelector("[data-role=map]")).getDomAttribute("data-marker-count"));
    assertEquals(List.of(), chromium.consoleErrors(), "errors in the browser console");

    // the geometry, checked where it runs
    @SuppressWarnings("unchecked")
    Map<String, Object> result = (Map<String, Object>) browser.executeAsyncScript(GEOMETRY_CHECKS);
    assertEquals(List.of(), result.get("failures"));
    assertEquals(12L, result.get("ran"));
  }

  /** Each check: a name and whether it held; the failures come back with what was computed. */
  private static final String GEOMETRY_CHECKS = """
      const done = arguments[arguments.length - 1];
      import('/assets/lib/map-geometry.js').then((g) => {
        const checks = [];
        const check = (name, ok, got) => checks.push({ name, ok, got: JSON.stringify(got) });
        const near = (a, b) => Math.abs(a - b) < 1e-6;
        const p = g.project(0, 0);
        check('the origin at the centre of the world', near(p.x, 128) && near(p.y, 128), p);
        check('latitudeAt inverts project', near(g.latitudeAt(g.project(47.6205, -122.3493).y), 47.6205), g.latitudeAt(g.project(47.6205, 0).y));
        check('no bounds of no points', g.bounds([]) === null, g.bounds([]));
        const box = g.bounds([{ x: 10, y: 20 }, { x: 12, y: 21 }, { x: 11, y: 19 }]);
        check('bounds', box.minX === 10 && box.maxX === 12 && box.minY === 19 && box.maxY === 21, box);
        const area = { left: 0, top: 0, width: 800, height: 500 };
        const view = g.fitView(box, area, { padding: 30, maxZoom: 18 });
        const on = g.onCanvas(box, view);
        check('a fit holds the box inside the padding', on.left >= 30 && on.right <= 770 && on.top >= 30 && on.bottom <= 470, { view, on });
        check('a fit centres the box', near((on.left + on.right) / 2, 400) && near((on.top + on.bottom) / 2, 250), on);
        const larger = g.onCanvas(box, { ...view, zoom: view.zoom + 1, left: 0, top: 0 });
        check('a fit takes the highest zoom that holds it', larger.right - larger.left > 740 || larger.bottom - larger.top > 440, larger);
        check('a fit stops at its zoom limit', g.fitView({ minX: 5, maxX: 5, minY: 5, maxY: 5 }, area).zoom === g.MAX_FIT_ZOOM, null);
        const canvas = { left: 200, top: 100, right: 1000, bottom: 600, width: 800, height: 500 };
        const right = g.visibleArea(canvas, { left: 700, right: 1000, top: 100, bottom: 600, width: 300, height: 500 });
        check('a panel over the right side takes it off', right.left === 0 && right.width === 500 && right.height === 500, right);
        const beside = g.visibleArea(canvas, { left: 1016, right: 1316, top: 100, bottom: 600, width: 300, height: 500 });
        check('a panel beside the canvas takes nothing', beside.left === 0 && beside.width === 800, beside);
        const moved = g.panToShow({ zoom: 0, left: 0, top: 0 }, { x: 790, y: 250 }, right, 24);
        check('a point under the panel is panned into the visible part', 790 - moved.left === 476 && moved.top === 0, moved);
        const kept = g.panToShow({ zoom: 0, left: 0, top: 0 }, { x: 100, y: 100 }, right, 24);
        check('a point in view leaves the view alone', kept.left === 0 && kept.top === 0, kept);
        done({ ran: checks.length, failures: checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.got}`) });
      }, (e) => done({ ran: 0, failures: ['import failed: ' + e] }));""";

  private static void openMap(TestNode node, String slug) throws Exception {
    String username = slug + "@example.com";
    String token = node.signUpAndLogIn(username, slug + "'s password");
    new TrackerFleet(node).product(slug, username, "tracker");
    chromium.consoleErrors(); // whatever another test left
    browser.get("http://127.0.0.1:" + node.httpPort() + "/login");
    ConsoleSignIn.as(browser, token);
    browser.get("http://127.0.0.1:" + node.httpPort() + "/products/" + slug + "/map");
    new WebDriverWait(browser, WAIT).until(d -> "0 devices with a location".equals(d.findElement(By.cssSelector("[data-role=map-summary]")).getText()));
  }

  private static WebElement visible(By locator) {
    return new WebDriverWait(browser, WAIT).until(ExpectedConditions.visibilityOfElementLocated(locator));
  }
}
