package io.drover.hub.support;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.logging.Level;
import java.util.stream.Stream;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/**
 * Debian's Chromium driven headless by its ChromeDriver, as every browser test uses it: a profile of its
 * own (deleted on close), no background networking (the machine's network is closed, and Chromium's
 * background requests would fail by the dozen), and the browser console kept for {@link #consoleErrors}.
 */
public final class HeadlessChromium implements AutoCloseable {

  private static final String CHROMIUM = "/usr/bin/chromium";
  private static final String CHROMEDRIVER = "/usr/bin/chromedriver";

  private final ChromeDriver driver;
  private final Path profile;

  private HeadlessChromium(ChromeDriver driver, Path profile) {
    this.driver = driver;
    this.profile = profile;
  }

  public static HeadlessChromium start() throws IOException {
    return start(List.of(), false);
  }

  /** @param extraArguments more Chromium switches, such as a certificate pin for a node's HTTPS port */
  public static HeadlessChromium start(List<String> extraArguments) throws IOException {
    return start(extraArguments, false);
  }

  /**
   * As {@link #start()}, and the browser also logs every network request it sends (Chromium's
   * performance log, Network domain only), for {@link #requestedUrls}.
   */
  public static HeadlessChromium startRecordingRequests() throws IOException {
    return start(List.of(), true);
  }

  private static HeadlessChromium start(List<String> extraArguments, boolean recordRequests) throws IOException {
    Path profile = Files.createTempDirectory("drover-chromium");
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(new File(CHROMEDRIVER))
        .usingAnyFreePort()
        .build();
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM);
    options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
        "--user-data-dir=" + profile, "--window-size=1440,900", "--lang=en-US");
    options.addArguments(extraArguments);
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.BROWSER, Level.ALL);
    if (recordRequests) {
      logs.enable(LogType.PERFORMANCE, Level.ALL);
      options.setExperimentalOption("perfLoggingPrefs", java.util.Map.of("enableNetwork", true, "enablePage", false));
    }
    options.setCapability("goog:loggingPrefs", logs);
    return new HeadlessChromium(new ChromeDriver(service, options), profile);
  }

  public ChromeDriver driver() {
    return driver;
  }

  /**
   * The errors the page logged since the last call (the call empties the log). The browser's own line
   * for an answer in the 4xx range is left out: the Console shows those answers to the user itself.
   */
  public List<String> consoleErrors() {
    return driver.manage().logs().get(LogType.BROWSER).getAll().stream()
        .filter(entry -> entry.getLevel().intValue() >= Level.SEVERE.intValue())
        .map(LogEntry::getMessage)
        .filter(message -> !message.contains("the server responded with a status of 4"))
        .toList();
  }

  /**
   * The URL of every request the browser sent since the last call (fetches, EventSource streams,
   * scripts, images: what DevTools' Network panel lists), in order; only when started with
   * {@link #startRecordingRequests}.
   */
  public List<String> requestedUrls() {
    List<String> urls = new java.util.ArrayList<>();
    for (LogEntry entry : driver.manage().logs().get(LogType.PERFORMANCE).getAll()) {
      io.vertx.core.json.JsonObject message = new io.vertx.core.json.JsonObject(entry.getMessage()).getJsonObject("message");
      if ("Network.requestWillBeSent".equals(message.getString("method"))) {
        urls.add(message.getJsonObject("params").getJsonObject("request").getString("url"));
      }
    }
    return urls;
  }

  @Override
  public void close() throws IOException {
    try {
      driver.quit();
    } finally {
      try (Stream<Path> files = Files.walk(profile)) {
        files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
      }
    }
  }
}
