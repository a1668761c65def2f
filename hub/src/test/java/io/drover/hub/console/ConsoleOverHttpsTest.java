package io.drover.hub.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.support.ConsoleSignIn;
import io.drover.hub.support.HeadlessChromium;
import io.drover.hub.support.TestDevice;
import io.drover.hub.support.TestNode;
import io.drover.hub.support.TestNode.DeviceIdentity;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.InputStream;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The Console in Chromium over the node's HTTPS port only (the test's own API calls use plain HTTP):
 * signing up, the devices page, and a device's live status, all over HTTP/2 in a secure context.
 * Chromium trusts the node's own certificate by its key (the SPKI pin switch, which needs a profile of
 * its own, as every test browser has), so nothing is installed in a system store.
 */
@ExtendWith(VertxExtension.class)
class ConsoleOverHttpsTest {

  private static final Duration WAIT = Duration.ofSeconds(15);
  private static TestNode node;
  private static HeadlessChromium chromium;
  private static ChromeDriver browser;

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.start();
    X509Certificate server;
    try (InputStream in = Files.newInputStream(node.dataDir().resolve("tls").resolve("server.pem"))) {
      server = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
    String pin = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(server.getPublicKey().getEncoded()));
    chromium = HeadlessChromium.start(List.of("--ignore-certificate-errors-spki-list=" + pin));
    browser = chromium.driver();
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      if (chromium != null) {
        chromium.close();
      }
    } finally {
      node.close();
    }
  }

  @Test
  void signingUpOverHttpsShowsADeviceGoingOnlineLive(Vertx vertx) throws Exception {
    String origin = "https://localhost:" + node.httpsPort();
    browser.get(origin + "/signup");
    // the Console draws its form once its script has run, which may be after the page's load event
    WebDriverWait drawn = new WebDriverWait(browser, WAIT);
    drawn.until(ExpectedConditions.visibilityOfElementLocated(By.id("email"))).sendKeys("tls-owner@example.com");
    drawn.until(ExpectedConditions.visibilityOfElementLocated(By.id("password"))).sendKeys("correct horse battery" + Keys.ENTER);
    new WebDriverWait(browser, WAIT).until(d -> d.getCurrentUrl().equals(origin + "/devices"));

    assertEquals(Boolean.TRUE, browser.executeScript("return window.isSecureContext"), "a secure context");
    assertEquals("h2", browser.executeScript("return performance.getEntriesByType('navigation')[0].nextHopProtocol"), "ALPN chose HTTP/2");

    org.openqa.selenium.Cookie session = ConsoleSignIn.cookie(browser);
    assertTrue(session.isSecure() && session.isHttpOnly(), "over TLS the session cookie is Secure and HttpOnly: " + session);
    String token = session.getValue();
    DeviceIdentity device = node.provisionDevice();
    node.claim(device.id(), token);
    browser.navigate().refresh();
    By status = By.cssSelector("tr[data-device-id='" + device.id() + "'] [data-online]");
    new WebDriverWait(browser, WAIT).until(d -> "live".equals(d.findElement(By.cssSelector("[data-live]")).getDomAttribute("data-live")));
    assertEquals("false", browser.findElement(status).getDomAttribute("data-online"));

    TestDevice connected = TestDevice.connect(vertx, node.mqttPort(), device.id(), device.secret()).await(10, TimeUnit.SECONDS);
    try {
      new WebDriverWait(browser, WAIT).until(d -> "true".equals(d.findElement(status).getDomAttribute("data-online")));
    } finally {
      connected.close();
    }
    assertEquals(List.of(), chromium.consoleErrors(), "errors in the browser console");
  }
}
