package io.drover.hub.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.support.ConsoleSignIn;
import io.drover.hub.support.HeadlessChromium;
import io.drover.hub.support.TestDevice;
import io.drover.hub.support.TestNode;
import io.drover.hub.support.TestNode.DeviceIdentity;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
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
 * The Integrations pages in a real browser against a real node (embedded PostgreSQL, its delivery
 * engine, a device over MQTT) and a real HTTP receiver on loopback: a webhook made in the form, tested
 * from the page and fed by a device's event; a dead letter replayed from the page; the custom template
 * checked before sending; a product's integrations for an administrator and a viewer; pause and resume.
 * Retries wait 1 s then 1 s, so a failing delivery is a dead letter within seconds.
 */
class IntegrationsBrowserTest {

  private static final Duration WAIT = Duration.ofSeconds(15);
  private static Vertx vertx;
  private static Receiver receiver;
  private static TestNode node;
  private static ChromeDriver browser;
  private static HeadlessChromium chromium;
  private static String owner;
  private static String admin;
  private static String viewer;
  private static DeviceIdentity identity;
  private static TestDevice device;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    receiver = Receiver.start(vertx);
    node = TestNode.start("--integrations.allow-private-targets=true", "--integrations.retry-seconds=1,1", "--integrations.poll-interval-ms=100",
        "--integrations.timeout-seconds=2", "--integrations.lease-seconds=12");
    owner = node.signUpAndLogIn("hooks@example.com", "a long enough password");
    admin = node.signUpAndLogIn("admin@example.com", "the admin's password");
    viewer = node.signUpAndLogIn("viewer@example.com", "the viewer's password");
    identity = node.provisionDevice();
    node.claim(identity.id(), owner);
    device = TestDevice.connect(vertx, node.mqttPort(), identity.id(), identity.secret()).await(10, TimeUnit.SECONDS);
    String adminId = node.query("SELECT id FROM users WHERE username = 'admin@example.com'");
    int product = Integer.parseInt(node.query(
        "INSERT INTO products (slug, name, platform_id, owner_id) VALUES ('greenhouses', 'Greenhouses', 12, " + adminId + ") RETURNING id"));
    node.execute("INSERT INTO product_members (product_id, user_id, role, is_owner) VALUES (" + product + ", " + adminId + ", 'administrator', true)");
    node.execute("INSERT INTO product_members (product_id, user_id, role) VALUES (" + product + ", "
        + node.query("SELECT id FROM users WHERE username = 'viewer@example.com'") + ", 'view_only')");
    chromium = HeadlessChromium.start();
    browser = chromium.driver();
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      if (chromium != null) {
        chromium.close();
      }
    } finally {
      device.close();
      node.close();
      receiver.close();
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  /** No script error, no Content-Security-Policy violation (an inline style would be one) during the test. */
  @AfterEach
  void noBrowserErrors() {
    assertEquals(List.of(), chromium.consoleErrors(), "errors in the browser console");
  }

  @Test
  void aWebhookMadeInTheFormIsTestedFromThePageAndDeliversADeviceEvent() throws Exception {
    signIn(owner, "/devices");
    visible(By.cssSelector(".sidebar-nav a[href='/integrations']")).click();
    // the header's button, or the empty state's when this account has none yet (the tests run in any order)
    visible(By.cssSelector("[data-action=new-integration]")).click();

    type("[data-role=webhook-form] [data-field=event]", "console-temp");
    type("[data-role=webhook-form] [data-field=url]", receiver.url("/ok?hook=console-temp"));
    new Select(browser.findElement(By.cssSelector("[data-field=format]"))).selectByValue("json");
    new Select(browser.findElement(By.cssSelector("select[data-field=deviceID]"))).selectByValue(identity.id());
    browser.findElement(By.cssSelector("[data-role=advanced] summary")).click();
    type("[data-field=template]", "{\"reading\": \"{{{PARTICLE_EVENT_VALUE}}}\"}");
    Files.copy(browser.getScreenshotAs(OutputType.FILE).toPath(), Path.of("/tmp/integration-form.png"), StandardCopyOption.REPLACE_EXISTING);
    browser.findElement(By.cssSelector("[data-action=add-header]")).click();
    type("[data-field=header-name]", "X-Secret");
    type("[data-field=header-value]", "s3cret-header-value");
    browser.findElement(By.cssSelector("[data-action=save-integration]")).click();

    waitFor("the new integration's page", d -> d.getCurrentUrl().matches(".*/integrations/[0-9a-f]{24}$"));
    String id = browser.getCurrentUrl().substring(browser.getCurrentUrl().lastIndexOf('/') + 1);
    JsonObject stored = new JsonObject(node.get("/v1/integrations/" + id, owner).body()).getJsonObject("integration");
    assertEquals("console-temp", stored.getString("event"));
    assertEquals(identity.id(), stored.getString("deviceID"));
    assertEquals(new JsonObject().put("reading", "{{{PARTICLE_EVENT_VALUE}}}"), stored.getJsonObject("json"));
    waitFor("the header shown masked", d -> d.findElement(By.cssSelector("[data-role=integration-settings]")).getText().contains("s3\u2026"));
    assertFalse(browser.findElement(By.cssSelector("[data-role=integration-settings]")).getText().contains("s3cret-header-value"));

    // Test: one real request; the page shows what was sent (the secret header masked) and the answer
    browser.findElement(By.cssSelector("[data-action=test]")).click();
    WebElement outcome = visible(By.cssSelector("[data-role=test-outcome]"));
    assertEquals("true", outcome.getDomAttribute("data-pass"));
    assertEquals("HTTP 200", browser.findElement(By.cssSelector("[data-role=test-status]")).getText());
    assertEquals("received console-temp", browser.findElement(By.cssSelector("[data-role=test-response]")).getText());
    String request = browser.findElement(By.cssSelector("[data-role=test-request]")).getText();
    assertTrue(request.startsWith("POST " + receiver.url("/ok?hook=console-temp")), request);
    assertTrue(request.contains("X-Secret: ****") && !request.contains("s3cret"), request);
    assertTrue(request.contains("\"reading\""), "the body is shown: " + request);
    Receiver.Received tested = receiver.await(r -> r.uri().contains("hook=console-temp"));
    assertEquals("s3cret-header-value", tested.headers().get("X-Secret"), "the real value went to the target");

    // a device's event: delivered, then shown in the log, the list's last delivery and its sparkline
    int before = receiver.received.size();
    device.publish("console-temp", "21.5");
    TestNode.eventually(WAIT, () -> receiver.received.size() > before, "the device's event reaches the receiver");
    JsonObject sent = new JsonObject(receiver.received.get(before).body());
    assertEquals("21.5", sent.getString("reading"), "the JSON template rendered");
    assertEquals(identity.id(), sent.getString("coreid"), "Particle's default data merged in");
    reloadUntil("the delivery in the log", d -> !d.findElements(By.cssSelector("[data-role=log-row][data-outcome=success]")).isEmpty());
    WebElement logged = browser.findElement(By.cssSelector("[data-role=log-row][data-outcome=success]"));
    assertEquals("200", logged.findElement(By.cssSelector("[data-role=log-status]")).getText());
    logged.findElement(By.cssSelector("[data-action=log-details]")).click();
    waitFor("the attempt's response", d -> d.findElement(By.cssSelector(".log-detail:not([hidden])")).getText().contains("received console-temp"));

    browser.get(url("/integrations"));
    reloadUntil("the last delivery and a day's traffic in the list", d -> {
      WebElement row = d.findElement(By.cssSelector("tr[data-integration-id='" + id + "']"));
      return !row.findElements(By.cssSelector("[data-role=last-delivery] [data-outcome=success]")).isEmpty()
          && "1".equals(row.findElement(By.cssSelector("[data-role=sparkline]")).getDomAttribute("data-success"));
    });
    WebElement row = browser.findElement(By.cssSelector("tr[data-integration-id='" + id + "']"));
    assertEquals("127.0.0.1:" + receiver.port(), row.findElement(By.cssSelector("[data-role=target]")).getText());
    assertEquals("enabled", row.findElement(By.cssSelector("[data-role=integration-status]")).getDomAttribute("data-value"));
    assertEquals(1, row.findElements(By.cssSelector("[data-role=sparkline] rect.spark-ok")).size(), "one hour with a delivery drawn");
    Files.copy(browser.getScreenshotAs(OutputType.FILE).toPath(), Path.of("/tmp/integrations.png"), StandardCopyOption.REPLACE_EXISTING);
  }

  @Test
  void aDeadLetterIsReplayedFromThePageOnceTheReceiverRecovers() throws Exception {
    receiver.failing.set(true);
    String id = create(owner, "/v1/integrations", new JsonObject().put("event", "console-flaky").put("url", receiver.url("/flaky?hook=console-flaky")));
    device.publish("console-flaky", "1");
    signIn(owner, "/integrations/" + id);

    reloadUntil("a dead letter after the attempt and two retries", d -> !d.findElements(By.cssSelector("[data-role=dead-letter]")).isEmpty());
    WebElement letter = browser.findElement(By.cssSelector("[data-role=dead-letter]"));
    assertEquals("error status 500 from 127.0.0.1", letter.findElement(By.cssSelector("[data-role=last-error]")).getText());
    reloadUntil("the attempt and two retries in the log", d -> d.findElements(By.cssSelector("[data-role=log-row]")).size() == 3);
    new Select(browser.findElement(By.cssSelector("[data-field=log-outcome]"))).selectByValue("dead");
    // the filter asks the API again: wait for its answer rather than read the rows it replaces
    waitFor("the filter shows the dead attempt only", d -> d.findElements(By.cssSelector("[data-role=log-row]")).size() == 1);
    new Select(browser.findElement(By.cssSelector("[data-field=log-outcome]"))).selectByValue("retry");
    waitFor("the filter shows the two retries only", d -> d.findElements(By.cssSelector("[data-role=log-row][data-outcome=retry]")).size() == 2
        && d.findElements(By.cssSelector("[data-role=log-row]")).size() == 2);
    letter = browser.findElement(By.cssSelector("[data-role=dead-letter]"));

    receiver.failing.set(false);
    letter.findElement(By.cssSelector("[data-action=replay]")).click();

    WebElement replayed = visible(By.cssSelector("[data-role=replayed]"));
    assertEquals("1", replayed.getDomAttribute("data-count"));
    receiver.await(r -> r.uri().contains("hook=console-flaky") && r.status() == 200);
    reloadUntil("the replay's success in the log", d -> !d.findElements(By.cssSelector("[data-role=log-row][data-outcome=success]")).isEmpty());
    browser.findElement(By.cssSelector("[data-action=dead-refresh]")).click();
    visible(By.cssSelector("[data-role=no-dead-letters]"));
    Files.copy(browser.getScreenshotAs(OutputType.FILE).toPath(), Path.of("/tmp/integration.png"), StandardCopyOption.REPLACE_EXISTING);
  }

  @Test
  void invalidCustomJsonShowsWhereAndSendsNothingAndTheServersRefusalIsShownAsIs() throws Exception {
    signIn(owner, "/integrations/new");
    type("[data-role=webhook-form] [data-field=event]", "from-the-form");
    type("[data-role=webhook-form] [data-field=url]", receiver.url("/ok"));
    visible(By.cssSelector("[data-mode=custom]")).click();
    WebElement area = visible(By.cssSelector("[data-field=custom-json]"));
    JsonObject seeded = new JsonObject(area.getDomProperty("value"));
    assertEquals("from-the-form", seeded.getString("event"), "the template starts from what the form held");
    assertEquals(receiver.url("/ok"), seeded.getString("url"));
    area.clear();
    area.sendKeys("{\n  \"event\": \"broken\",\n  url: \"http://127.0.0.1/\"\n}");
    int integrations = new JsonArray(node.get("/v1/integrations", owner).body()).size();

    browser.findElement(By.cssSelector("[data-action=save-integration]")).click();

    WebElement error = visible(By.cssSelector("[data-role=form-error]"));
    waitFor("the parse error", d -> !error.getText().isEmpty());
    assertTrue(error.getText().startsWith("The template is not valid JSON: "), error.getText());
    assertTrue(error.getText().endsWith("(line 3, column 3)"), error.getText());
    assertTrue(browser.getCurrentUrl().endsWith("/integrations/new"));
    assertEquals(integrations, new JsonArray(node.get("/v1/integrations", owner).body()).size(), "nothing was created");

    // valid JSON the API refuses: its own description, as it says it
    area.clear();
    area.sendKeys("{\"event\": \"bad-url\", \"url\": \"ftp://127.0.0.1/\"}");
    browser.findElement(By.cssSelector("[data-action=save-integration]")).click();
    String refusal = new JsonObject(node.post("/v1/integrations", "{\"event\": \"bad-url\", \"url\": \"ftp://127.0.0.1/\"}", owner).body())
        .getString("error_description");
    waitFor("the API's refusal", d -> refusal.equals(d.findElement(By.cssSelector("[data-role=form-error]")).getText()));
    assertEquals(integrations, new JsonArray(node.get("/v1/integrations", owner).body()).size());
  }

  @Test
  void aProductAdministratorMakesAProductIntegrationAndAViewerOnlyReadsIt() throws Exception {
    signIn(admin, "/products/greenhouses/team");
    visible(By.cssSelector("[data-role=product-nav] a[href='/products/greenhouses/integrations']")).click();
    visible(By.cssSelector("[data-role=no-integrations] [data-action=new-integration]")).click();
    type("[data-role=webhook-form] [data-field=event]", "greenhouse-");
    type("[data-role=webhook-form] [data-field=url]", receiver.url("/ok?hook=greenhouse"));
    type("[data-role=webhook-form] [data-field=name]", "Greenhouse <b>feed</b>");
    browser.findElement(By.cssSelector("[data-action=save-integration]")).click();
    waitFor("the product integration's page", d -> d.getCurrentUrl().matches(".*/products/greenhouses/integrations/[0-9a-f]{24}$"));
    String id = browser.getCurrentUrl().substring(browser.getCurrentUrl().lastIndexOf('/') + 1);
    assertEquals("Greenhouse <b>feed</b>", visible(By.cssSelector("h1.page-title")).getText(), "the name is text, never markup");
    assertEquals(200, node.get("/v1/products/greenhouses/integrations/" + id, admin).statusCode());
    assertEquals(404, node.get("/v1/integrations/" + id, admin).statusCode(), "a product's, not the admin's sandbox");

    signIn(viewer, "/products/greenhouses/integrations");
    visible(By.cssSelector("tr[data-integration-id='" + id + "']"));
    assertTrue(browser.findElements(By.cssSelector("[data-action=new-integration]")).isEmpty(), "a viewer has no New integration");
    browser.findElement(By.cssSelector("tr[data-integration-id='" + id + "'] [data-role=integration-link]")).click();
    visible(By.cssSelector("[data-role=read-only]"));
    for (String action : new String[] {"test", "edit", "pause", "delete", "replay-all"}) {
      assertTrue(browser.findElements(By.cssSelector("[data-action=" + action + "]:not([hidden])")).isEmpty(), "no " + action + " for a viewer");
    }
    browser.get(url("/products/greenhouses/integrations/new"));
    visible(By.cssSelector("[data-role=not-allowed]"));

    // a role taken away while the page is open: the API's 403 is shown, nothing changes
    signIn(admin, "/products/greenhouses/integrations/" + id);
    WebElement pause = visible(By.cssSelector("[data-action=pause]"));
    node.execute("UPDATE product_members SET role = 'view_only' WHERE user_id = (SELECT id FROM users WHERE username = 'admin@example.com')");
    try {
      pause.click();
      HttpResponse<String> refused = node.send("PUT", "/v1/products/greenhouses/integrations/" + id,
          new JsonObject().put("event", "greenhouse-").put("url", receiver.url("/ok")).encode(), admin);
      assertEquals(403, refused.statusCode());
      String description = new JsonObject(refused.body()).getString("error_description");
      waitFor("the 403 in the page", d -> description.equals(d.findElement(By.cssSelector("[data-role=action-error]")).getText()));
      assertFalse(new JsonObject(node.get("/v1/products/greenhouses/integrations/" + id, admin).body()).getJsonObject("integration").getBoolean("disabled"));
    } finally {
      node.execute("UPDATE product_members SET role = 'administrator' WHERE user_id = (SELECT id FROM users WHERE username = 'admin@example.com')");
    }
  }

  @Test
  void pauseAndResumeKeepTheSealedHeaderAndDeliverOnlyWhileEnabled() throws Exception {
    String id = create(owner, "/v1/integrations", new JsonObject().put("event", "console-pause").put("url", receiver.url("/ok?hook=console-pause"))
        .put("headers", new JsonObject().put("Authorization", "Bearer a-long-secret-token")));
    signIn(owner, "/integrations/" + id);

    visible(By.cssSelector("[data-action=pause]")).click();

    waitFor("paused", d -> "paused".equals(d.findElement(By.cssSelector("[data-role=integration-status]")).getDomAttribute("data-value")));
    assertTrue(new JsonObject(node.get("/v1/integrations/" + id, owner).body()).getJsonObject("integration").getBoolean("disabled"));
    device.publish("console-pause", "while-paused");
    reloadUntil("the event counted as skipped in the history", d -> d.findElement(By.cssSelector("[data-role=history]")).getText()
        .contains("1 skipped while paused"));
    visible(By.cssSelector("[data-action=resume]")).click();
    waitFor("enabled again", d -> "enabled".equals(d.findElement(By.cssSelector("[data-role=integration-status]")).getDomAttribute("data-value")));
    assertFalse(new JsonObject(node.get("/v1/integrations/" + id, owner).body()).getJsonObject("integration").getBoolean("disabled"));

    // the engine hears of the change over the bus: an event published in the instant before it has is skipped, so publish until one goes
    java.util.function.Predicate<Receiver.Received> deliveredOn = r -> r.uri().contains("hook=console-pause") && r.body().contains("data=on");
    for (int tries = 0; tries < 5 && receiver.received.stream().noneMatch(deliveredOn); tries++) {
      device.publish("console-pause", "on");
      Thread.sleep(1000);
    }
    Receiver.Received delivered = receiver.await(deliveredOn);
    assertEquals("Bearer a-long-secret-token", delivered.headers().get("Authorization"), "the masked value sent back kept the stored one");
    assertTrue(receiver.received.stream().noneMatch(r -> r.body().contains("while-paused")), "nothing delivered while paused");
  }

  @Test
  void editingChangesTheUrlAndAMaskedHeaderLeftAsShownKeepsItsStoredValue() throws Exception {
    String id = create(owner, "/v1/integrations", new JsonObject().put("event", "console-edit").put("url", receiver.url("/ok?hook=console-edit-1"))
        .put("requestType", "PUT").put("headers", new JsonObject().put("X-Key", "a-long-header-secret")));
    signIn(owner, "/integrations/" + id);
    visible(By.cssSelector("[data-action=edit]")).click();

    WebElement url = visible(By.cssSelector("[data-role=webhook-form] [data-field=url]"));
    assertEquals(receiver.url("/ok?hook=console-edit-1"), url.getDomProperty("value"));
    assertEquals("PUT", new Select(browser.findElement(By.cssSelector("[data-field=requestType]"))).getFirstSelectedOption().getText());
    assertEquals("a-\u2026", browser.findElement(By.cssSelector("[data-field=header-value]")).getDomProperty("value"), "shown masked");
    type("[data-role=webhook-form] [data-field=url]", receiver.url("/ok?hook=console-edit-2"));
    browser.findElement(By.cssSelector("[data-action=save-integration]")).click();
    waitFor("back on the integration's page", d -> d.getCurrentUrl().endsWith("/integrations/" + id));
    visible(By.cssSelector("[data-action=test]")).click();

    assertEquals("true", visible(By.cssSelector("[data-role=test-outcome]")).getDomAttribute("data-pass"));
    Receiver.Received tested = receiver.await(r -> r.uri().contains("hook=console-edit-2"));
    assertEquals("a-long-header-secret", tested.headers().get("X-Key"));
    JsonObject stored = new JsonObject(node.get("/v1/integrations/" + id, owner).body()).getJsonObject("integration");
    assertEquals("PUT", stored.getString("requestType"));
    assertEquals(receiver.url("/ok?hook=console-edit-2"), stored.getString("url"));
  }

  @Test
  void anAzureIotHubMadeInItsFormShowsItsKeyMaskedPausesWithoutItAndIsDeletedAfterAConfirmation() throws Exception {
    signIn(owner, "/integrations/new");
    visible(By.cssSelector("[data-mode=AzureIotHub]")).click();
    type("[data-role=azure-form] [data-field=event]", "console-azure");
    type("[data-field=hub_name]", "drover-hub-1");
    type("[data-field=policy_name]", "iothubowner");
    type("[data-field=policy_key]", "c2VjcmV0LXBvbGljeS1rZXktdmFsdWU=");
    browser.findElement(By.cssSelector("[data-action=save-integration]")).click();
    waitFor("the new integration's page", d -> d.getCurrentUrl().matches(".*/integrations/[0-9a-f]{24}$"));
    String id = browser.getCurrentUrl().substring(browser.getCurrentUrl().lastIndexOf('/') + 1);
    WebElement settings = visible(By.cssSelector("[data-role=integration-settings]"));
    waitFor("the target and the masked key", d -> settings.getText().contains("drover-hub-1.azure-devices.net") && settings.getText().contains("c2\u2026"));
    assertFalse(settings.getText().contains("c2VjcmV0"), "the key is never shown");

    // pausing changes only disabled: the sealed key is not asked for again
    browser.findElement(By.cssSelector("[data-action=pause]")).click();

    waitFor("paused", d -> "paused".equals(d.findElement(By.cssSelector("[data-role=integration-status]")).getDomAttribute("data-value")));
    JsonObject stored = new JsonObject(node.get("/v1/integrations/" + id, owner).body()).getJsonObject("integration");
    assertTrue(stored.getBoolean("disabled"));
    assertEquals("AzureIotHub", stored.getString("integration_type"));
    assertEquals("iothubowner", stored.getString("policy_name"));
    assertTrue(browser.findElements(By.cssSelector("dialog [data-field=policy_key]")).isEmpty(), "no key dialog");

    // Delete asks first; the page of a deleted integration says what the API says
    browser.findElement(By.cssSelector("[data-action=delete]")).click();
    new WebDriverWait(browser, WAIT).until(ExpectedConditions.elementToBeClickable(By.cssSelector("dialog[open] [data-action=confirm]"))).click();
    waitFor("back on the list", d -> d.getCurrentUrl().endsWith("/integrations"));
    HttpResponse<String> gone = node.get("/v1/integrations/" + id, owner);
    assertEquals(404, gone.statusCode());
    browser.get(url("/integrations/" + id));
    String notFound = new JsonObject(gone.body()).getString("error_description");
    waitFor("the API's not found", d -> notFound.equals(d.findElement(By.cssSelector("[data-role=integration-error]")).getText()));
  }

  @Test
  void theSparklinesHoursAreTheLast24UtcHoursZeroFilledAndScaledToTheBusiestHour() {
    signIn(owner, "/integrations");
    visible(By.cssSelector("h1.page-title"));
    // the page's own module, run in the page: 20:30 UTC with counts at 19:00 (3 + 1) and 20:00 (8 + 0); one row 25 hours old
    Object answer = browser.executeAsyncScript("""
        const done = arguments[arguments.length - 1];
        import('/assets/lib/integrations.js').then(({ hourlySeries, sparkBars, totals }) => {
          const now = Date.parse('2026-12-06T20:30:00Z');
          const series = hourlySeries([
            { hour: '2026-12-05T19:00:00Z', success: 50, error: 0, skipped: 0, throttled: 0 },
            { hour: '2026-12-06T19:00:00Z', success: 3, error: 1, skipped: 2, throttled: 0 },
            { hour: '2026-12-06T20:00:00Z', success: 8, error: 0, skipped: 0, throttled: 1 }], now);
          const bars = sparkBars(series, 120, 24);
          done(JSON.stringify({ length: series.length, first: new Date(series[0].hour).toISOString(), totals: totals(series),
            last: bars[23].success, before: bars[22], empty: bars[0].success.height }));
        });
        """);
    JsonObject result = new JsonObject((String) answer);
    assertEquals(24, result.getInteger("length"));
    assertEquals("2026-12-05T21:00:00.000Z", result.getString("first"), "the oldest hour shown is 23 hours before the current one");
    assertEquals(new JsonObject().put("success", 11).put("error", 1).put("skipped", 2).put("throttled", 1), result.getJsonObject("totals"),
        "the row 25 hours old is left out");
    assertEquals(new JsonObject().put("y", 0).put("height", 24), result.getJsonObject("last"), "the busiest hour fills the height");
    JsonObject before = result.getJsonObject("before");
    assertEquals(9.0, before.getJsonObject("success").getDouble("height"), 1e-9, "3 of 8");
    assertEquals(3.0, before.getJsonObject("error").getDouble("height"), 1e-9, "1 of 8, stacked on the 3");
    assertEquals(12.0, before.getJsonObject("error").getDouble("y"), 1e-9);
    assertEquals(0, result.getInteger("empty"));
  }

  private static String create(String token, String path, JsonObject integration) throws Exception {
    HttpResponse<String> created = node.post(path, integration.encode(), token);
    assertEquals(201, created.statusCode(), created.body());
    String id = new JsonObject(created.body()).getString("id");
    // the delivery engine loads a new integration from a bus message: its Test answers once it has
    TestNode.eventually(WAIT, () -> {
      try {
        return node.post(path + "/" + id + "/test", "{}", token).statusCode() == 200;
      } catch (IOException | InterruptedException e) {
        throw new IllegalStateException(e);
      }
    }, "the delivery engine knows the integration");
    return id;
  }

  private static void signIn(String token, String path) {
    browser.get(url("/login"));
    ConsoleSignIn.signOut(browser);
    ConsoleSignIn.as(browser, token);
    browser.get(url(path));
  }

  private static void type(String css, String text) {
    WebElement input = visible(By.cssSelector(css));
    input.clear();
    input.sendKeys(text);
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

  /** The delivery engine writes its log and counts in batches: reloads the page until they show. */
  private static void reloadUntil(String what, Function<WebDriver, Boolean> condition) {
    new WebDriverWait(browser, Duration.ofSeconds(30), Duration.ofSeconds(1)).ignoring(StaleElementReferenceException.class)
        .ignoring(org.openqa.selenium.NoSuchElementException.class).withMessage(what).until(d -> {
          if (condition.apply(d)) {
            return true;
          }
          d.navigate().refresh();
          return false;
        });
  }

  /**
   * A webhook target on a free loopback port: {@code /ok} answers 200 {@code received <hook>},
   * {@code /flaky} 500 while {@link #failing} is set and 200 after; every request is recorded with the status answered.
   */
  private record Receiver(HttpServer server, List<Received> received, AtomicBoolean failing) implements AutoCloseable {

    record Received(String uri, MultiMap headers, String body, int status) {
    }

    static Receiver start(Vertx vertx) throws Exception {
      Receiver receiver = new Receiver(vertx.createHttpServer(), new CopyOnWriteArrayList<>(), new AtomicBoolean());
      receiver.server.requestHandler(request -> request.body().onSuccess(body -> {
        int status = request.path().equals("/flaky") && receiver.failing.get() ? 500 : request.path().equals("/ok") || request.path().equals("/flaky") ? 200 : 404;
        receiver.received.add(new Received(request.uri(), MultiMap.caseInsensitiveMultiMap().addAll(request.headers()), body.toString(), status));
        request.response().setStatusCode(status).end(status == 200 ? "received " + request.getParam("hook") : "down");
      })).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
      return receiver;
    }

    int port() {
      return server.actualPort();
    }

    String url(String path) {
      return "http://127.0.0.1:" + port() + path;
    }

    Received await(java.util.function.Predicate<Received> which) throws InterruptedException {
      TestNode.eventually(WAIT, () -> received.stream().anyMatch(which), "a matching request at the receiver");
      return received.stream().filter(which).findFirst().orElseThrow();
    }

    @Override
    public void close() {
      server.close().await();
    }
  }
}
