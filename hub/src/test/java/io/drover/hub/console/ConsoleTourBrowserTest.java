package io.drover.hub.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.console.ConsolePagesFixture.Page;
import io.drover.hub.support.ConsoleSignIn;
import io.drover.hub.support.HeadlessChromium;
import io.drover.hub.support.TestNode;
import io.vertx.core.json.JsonArray;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A screenshot tour of the Console: a node with a demo fleet ({@code --demo.devices}) and data on every
 * page, each routed page opened signed in at 1280 x 800 and checked (its heading drawn, nothing in the
 * browser console), its picture written to {@code docs/console/NN-name.png} and {@code docs/console.md}
 * regenerated. Running it again refreshes the tour.
 */
class ConsoleTourBrowserTest {

  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final Path PICTURES = ROOT.resolve("docs/console");
  private static final int WIDTH = 1280;
  private static final int HEIGHT = 800;
  /** The pictures are scaled down to keep the repository small: 960 x 600 still reads. */
  private static final double SCALE = 0.75;
  private static final int DEMO_DEVICES = 4;

  private static TestNode node;
  private static HeadlessChromium chromium;
  private static ChromeDriver browser;

  @BeforeAll
  static void start() throws IOException {
    node = TestNode.start("--demo.devices=" + DEMO_DEVICES, "--console.map-tiles="); // no tile server here: the plain grid
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
  void everyPageRendersAndItsPictureAndTheTourAreWritten() throws Exception {
    ConsolePagesFixture fixture = ConsolePagesFixture.build(node, "tour@example.com");
    TestNode.eventually(WAIT, () -> {
      try {
        return new JsonArray(node.get("/v1/devices", fixture.token).body()).size() >= DEMO_DEVICES + 2;
      } catch (Exception e) {
        return false;
      }
    }, "the demo fleet claimed by the administrator");
    browser.executeCdpCommand("Emulation.setDeviceMetricsOverride", Map.of("width", WIDTH, "height", HEIGHT, "deviceScaleFactor", 1, "mobile", false));

    Files.createDirectories(PICTURES);
    try (Stream<Path> old = Files.list(PICTURES)) {
      for (Path picture : old.filter(path -> path.toString().endsWith(".png")).toList()) {
        Files.delete(picture);
      }
    }
    List<String> failures = new ArrayList<>();
    StringBuilder tour = new StringBuilder("""
        # The Console, page by page

        Every page of the Drover Console as a node with a demo fleet (`--demo.devices=4`) shows it, at
        1280 x 800 (pictures scaled to 960 x 600). Written by `ConsoleTourBrowserTest`, which opens each page
        in headless Chromium and fails if one does not render: run it again to refresh the tour
        (`mvn -o -q -pl hub -am test -Dtest=ConsoleTourBrowserTest -Dsurefire.failIfNoSpecifiedTests=false`).

        """);
    long bytes = 0;
    int number = 0;
    // the two pages a visitor sees before signing in, then every page signed in
    List<Page> pages = new ArrayList<>(List.of(
        new Page("log-in", "/login", "Log in to Drover", "form input[type=password]", "Signing in: the session is an HttpOnly cookie that every tab shares."),
        new Page("sign-up", "/signup", "Create your account", "form input[type=password]", "Creating an account.")));
    pages.addAll(fixture.pages);
    for (Page page : pages) {
      number++;
      if (number == 3) {
        browser.get(url("/login"));
        ConsoleSignIn.as(browser, fixture.token);
        chromium.consoleErrors();
      }
      browser.get(url(page.path()));
      String within = number <= 2 ? "" : "main "; // the signed-out pages have no shell
      try {
        waitFor(page.path() + " heading", d -> d.findElement(By.cssSelector(within + "h1")).getText().equals(page.heading()));
        waitFor(page.path() + " data", d -> d.findElement(By.cssSelector(within + page.loaded())).isDisplayed());
      } catch (org.openqa.selenium.TimeoutException notRendered) {
        failures.add(page.path() + ": " + notRendered.getMessage().lines().findFirst().orElse(""));
      }
      Thread.sleep(300); // let transitions and the map's first frame settle before the picture
      List<String> errors = chromium.consoleErrors();
      if (!errors.isEmpty()) {
        failures.add(page.path() + " logged " + errors);
      }
      String file = String.format("%02d-%s.png", number, page.name());
      byte[] png = screenshot();
      Files.write(PICTURES.resolve(file), png);
      bytes += png.length;
      tour.append("## ").append(number).append(". ").append(title(page)).append("\n\n")
          .append("`").append(page.path().replace(fixture.productSlug, ":product").replaceAll("[0-9a-f]{24}", ":id")).append("`: ").append(page.about()).append("\n\n")
          .append("![").append(title(page)).append("](console/").append(file).append(")\n\n");
    }
    Files.writeString(ROOT.resolve("docs/console.md"), tour.toString().stripTrailing() + "\n");

    assertEquals(List.of(), failures, "every page renders without errors");
    assertEquals(pages.size(), Files.list(PICTURES).filter(path -> path.toString().endsWith(".png")).count());
    assertTrue(bytes < 3_000_000, "the tour stays small: " + bytes + " bytes");
  }

  private static String title(Page page) {
    String name = page.name().replace('-', ' ');
    return Character.toUpperCase(name.charAt(0)) + name.substring(1);
  }

  /** The viewport only (not the whole page), scaled down, through Chrome DevTools' Page.captureScreenshot. */
  private static byte[] screenshot() {
    Map<String, Object> shot = browser.executeCdpCommand("Page.captureScreenshot", Map.of("format", "png",
        "clip", Map.of("x", 0, "y", 0, "width", WIDTH, "height", HEIGHT, "scale", SCALE)));
    return Base64.getDecoder().decode((String) shot.get("data"));
  }

  private static String url(String path) {
    return "http://127.0.0.1:" + node.httpPort() + path;
  }

  private static void waitFor(String what, Function<WebDriver, Boolean> condition) {
    new WebDriverWait(browser, WAIT).ignoring(StaleElementReferenceException.class).ignoring(org.openqa.selenium.NoSuchElementException.class)
        .withMessage(what).until(condition::apply);
  }
}
