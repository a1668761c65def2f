package io.drover.hub.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.firmware.FirmwareBinary;
import io.drover.hub.products.FleetChanges;
import io.drover.hub.support.TestDevice;
import io.drover.hub.support.TestNode;
import io.drover.hub.support.TestNode.DeviceIdentity;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The table of docs/api.md, "Where a node differs from Particle's cloud for these tools", measured:
 * hub/src/test/js/api-js-coverage.mjs calls every particle-api-js 12.0.3 method a fleet team uses,
 * once each, with valid arguments, against this node with its fixtures in place (a tracker product,
 * devices online over MQTT with a function and a variable, a location, a user to invite, SIMs, a
 * firmware binary); this test classifies each answer and renders the table, and fails when the one in
 * api.md (between its marker comments) is not the same. {@code -Ddrover.regenerate=true} writes it.
 *
 * <p>A call <b>works</b> when it answered 2xx with every field of Particle's documented answer that
 * api-js's callers read (the script names them with each call); it <b>differs</b> when the node
 * answered otherwise (a refusal, an answer without those fields), and the row says how; it is <b>not
 * supported</b> when the node has no such route (404 "No such route", 405, 501).
 */
@ExtendWith(VertxExtension.class)
class ParticleApiJsCoverageTest {

  static final String START = "<!-- api-js-coverage:start";
  static final String END = "<!-- api-js-coverage:end -->";
  private static final Path API_MD = Path.of("..", "docs", "api.md").toAbsolutePath().normalize();
  private static final long SCRIPT_TIMEOUT_SECONDS = 180;
  private static final int TRACKER_PLATFORM = 26;
  private static final int FIRMWARE_VERSION = 3;
  private static final String OWNER = "coverage-owner@example.com";
  private static final String INVITEE = "coverage-invitee@example.com";
  private static final String SLUG = "coverage-fleet";
  private static final String ACCOUNT_ICCID = "89012000000000000041";
  private static final String PRODUCT_ICCID = "89012000000000000058";
  /** 2026-11-27T10:00:00Z, the location's fix. */
  private static final long FIX_TIME = 1795773600L;
  private static final Pattern DEVICE_ID = Pattern.compile("\\b[0-9a-f]{24}\\b");
  private static TestNode node;

  @BeforeAll
  static void startNode() throws Exception {
    node = TestNode.start();
  }

  @AfterAll
  static void stopNode() {
    node.close();
  }

  @Test
  void theTableInApiMdIsWhatApiJsGetsFromANode(Vertx vertx, @TempDir Path files) throws Exception {
    String token = node.signUpAndLogIn(OWNER, "coverage owner password");
    node.signUpAndLogIn(INVITEE, "coverage invitee password");
    int product = trackerProduct();

    DeviceIdentity online = ownDevice(token, 12);
    DeviceIdentity claimed = ownDevice(token, 12);
    DeviceIdentity importable = ownDevice(token, TRACKER_PLATFORM);
    DeviceIdentity unclaim = ownDevice(token, 12);
    DeviceIdentity productOnline = productDevice(product);
    DeviceIdentity productOwned = productDevice(product);
    DeviceIdentity productOther = productDevice(product);
    String ownerId = node.query("SELECT id FROM users WHERE username = '" + OWNER + "'");
    node.execute("UPDATE devices SET owner_id = " + ownerId + " WHERE id IN ('" + productOwned.id() + "', '" + productOnline.id() + "')");
    node.execute("UPDATE devices SET firmware_version = " + FIRMWARE_VERSION + " WHERE id = '" + productOther.id() + "'");
    FleetChanges.devicesChanged(node.eventBus(), product, List.of(productOnline.id(), productOwned.id(), productOther.id()));

    Map<String, Object> fixtures = new LinkedHashMap<>();
    fixtures.put("token", token);
    fixtures.put("product", SLUG);
    fixtures.put("platform", TRACKER_PLATFORM);
    fixtures.put("online", online.id());
    fixtures.put("claimed", claimed.id());
    fixtures.put("importable", importable.id());
    fixtures.put("unclaim", unclaim.id());
    fixtures.put("productOnline", productOnline.id());
    fixtures.put("productOwned", productOwned.id());
    fixtures.put("productOther", productOther.id());
    fixtures.put("invitee", INVITEE);
    fixtures.put("iccid", ACCOUNT_ICCID);
    fixtures.put("productIccid", PRODUCT_ICCID);
    fixtures.put("firmwareVersion", FIRMWARE_VERSION);
    fixtures.put("firmwareFile", write(files, "v3.bin", FirmwareBinary.wrap(product, FIRMWARE_VERSION, TRACKER_PLATFORM, bytes(3, 4000))));
    fixtures.put("bareImage", write(files, "app.bin", bytes(4, 3000)));
    fixtures.put("hookUrl", "https://203.0.113.7/coverage");
    fixtures.put("serialNumber", "P046AB0000000001");
    fixtures.put("binaryId", "5f1c0e2a9b8d7c6e5f4a3b2c");
    fixtures.put("deviceOsVersion", "5.8.0");
    fixtures.put("dateRange", "2026-11-27T00:00:00Z,2026-11-28T00:00:00Z");

    List<JsonObject> answers;
    try (TestDevice lamp = TestDevice.connect(vertx, node.mqttPort(), online.id(), online.secret()).await(10, TimeUnit.SECONDS);
        TestDevice other = TestDevice.connect(vertx, node.mqttPort(), claimed.id(), claimed.secret()).await(10, TimeUnit.SECONDS);
        TestDevice tracker = TestDevice.connect(vertx, node.mqttPort(), productOnline.id(), productOnline.secret()).await(10, TimeUnit.SECONDS)) {
      lamp.behave(Map.of("led", argument -> "1"), Map.of("temp", Map.entry("double", () -> "21.5")));
      tracker.behave(Map.of("blink", argument -> "1"), Map.of("batt", Map.entry("int", () -> "87")));
      tracker.publishAcknowledged("e/loc", Buffer.buffer(loc()));
      for (DeviceIdentity device : List.of(online, claimed, productOnline)) {
        TestNode.eventually(Duration.ofSeconds(10), () -> "1".equals(sql("SELECT count(*) FROM device_connectivity WHERE online AND device_id = '" + device.id() + "'")),
            device.id() + " online");
      }
      TestNode.eventually(Duration.ofSeconds(10), () -> !"0".equals(sql("SELECT count(*) FROM tracker_locations WHERE device_id = '"
          + productOnline.id() + "'")), "the tracker's location is kept");
      TestNode.eventually(Duration.ofSeconds(10), () -> sql("SELECT coalesce(functions::text, '') FROM devices WHERE id = '" + productOnline.id() + "'")
          .contains("blink"), "the product device's functions are known");
      simsOf(token, online.id());
      // what api-js's product event stream should see: a device of the product publishing
      long publishing = vertx.setPeriodic(500, tick -> tracker.publishAtLeastOnce("e/coverage/fleet", Buffer.buffer("1")));
      try {
        answers = run(new JsonObject(fixtures));
      } finally {
        vertx.cancelTimer(publishing);
      }
    }

    JsonObject made = answers.remove(answers.size() - 1).getJsonObject("made");
    made.forEach(entry -> fixtures.put("made " + entry.getKey(), entry.getValue()));
    List<Row> rows = new ArrayList<>();
    for (JsonObject answer : answers) {
      rows.add(classify(answer, fixtures));
    }
    assertTrue(rows.size() >= 60, "one row per call: " + rows.size());
    String table = render(rows);
    String doc = Files.readString(API_MD);
    int start = doc.indexOf(START);
    int end = doc.indexOf(END);
    assertTrue(start >= 0 && end > start, "api.md has no " + START + " ... " + END + " markers");
    int tableStart = doc.indexOf('\n', start) + 1;
    if (Boolean.getBoolean("drover.regenerate")) {
      Files.writeString(API_MD, doc.substring(0, tableStart) + table + doc.substring(end));
      return;
    }
    assertEquals(table, doc.substring(tableStart, end),
        "docs/api.md's table is not what particle-api-js gets from a node now: run this test with -Ddrover.regenerate=true and commit the table");
  }

  @Test
  void aCallIsClassifiedFromItsAnswer() {
    Map<String, Object> fixtures = Map.of("product", SLUG);
    JsonObject ok = answer("getDevice", 200, new JsonObject().put("id", "0a1b2c3d4e5f60718293a4b5").put("name", "x").put("notes", null), "id", "notes");
    assertEquals(new Row("devices", "getDevice", "works", ""), classify(ok, fixtures));
    JsonObject lacking = answer("getDevice", 200, new JsonObject().put("id", "0a1b2c3d4e5f60718293a4b5"), "id", "groups[].name");
    assertEquals(new Row("devices", "getDevice", "differs", "answers 200 without `groups[].name`"), classify(lacking, fixtures));
    JsonObject array = answer("listSIMs", 200, new JsonArray().add(new JsonObject().put("iccid", "1")), "[].iccid", "[].status");
    assertEquals("answers 200 without `[].status`", classify(array, fixtures).how());
    JsonObject noRoute = answer("lookupSerialNumber", 404, new JsonObject().put("ok", false).put("error", "not_found")
        .put("error_description", "No such route"), "device_id").put("failed", true);
    assertEquals("not supported", classify(noRoute, fixtures).result());
    JsonObject refused = answer("getProductLocations", 400, new JsonObject().put("ok", false).put("error", "not_tracker")
        .put("error_description", "Product coverage-fleet is not an Asset Tracker product (device 0a1b2c3d4e5f60718293a4b5)"), "x").put("failed", true);
    assertEquals(new Row("devices", "getProductLocations", "differs",
        "answers 400 `not_tracker`: Product :product is not an Asset Tracker product (device :device)"), classify(refused, fixtures));
  }

  record Row(String group, String method, String result, String how) {
  }

  /** works, differs (how) or not supported, from the status and body the call got. */
  static Row classify(JsonObject answer, Map<String, Object> fixtures) {
    String group = answer.getString("group");
    String method = answer.getString("row");
    Object status = answer.getValue("statusCode");
    Object body = answer.getValue("body");
    if (answer.getBoolean("failed", false)) {
      JsonObject error = body instanceof JsonObject object ? object : new JsonObject();
      if (Integer.valueOf(405).equals(status) || Integer.valueOf(501).equals(status)
          || Integer.valueOf(404).equals(status) && "No such route".equals(error.getString("error_description"))) {
        return new Row(group, method, "not supported", "");
      }
      if (status == null) {
        return new Row(group, method, "differs", "api-js failed: " + clean(answer.getString("message"), fixtures));
      }
      String description = error.getString("error_description");
      return new Row(group, method, "differs", "answers " + status + (error.getString("error") == null ? "" : " `" + error.getString("error") + "`")
          + (description == null ? "" : ": " + clean(description, fixtures)));
    }
    List<String> missing = new ArrayList<>();
    for (Object field : answer.getJsonArray("fields")) {
      if (!has(body, ((String) field).split("\\."), 0)) {
        missing.add("`" + field + "`");
      }
    }
    if (missing.isEmpty()) {
      return new Row(group, method, "works", "");
    }
    return new Row(group, method, "differs", "answers " + status + " without " + String.join(", ", missing));
  }

  /** Whether the path is in the body; {@code []} steps into an array's first element, {@code a[]} into field a's. */
  private static boolean has(Object value, String[] path, int at) {
    if (at == path.length) {
      return true;
    }
    String step = path[at];
    Object next;
    if (step.endsWith("[]")) {
      String name = step.substring(0, step.length() - 2);
      Object list = name.isEmpty() ? value : value instanceof JsonObject object && object.containsKey(name) ? object.getValue(name) : null;
      if (!(list instanceof JsonArray array) || array.isEmpty()) {
        return false;
      }
      next = array.getValue(0);
    } else {
      if (!(value instanceof JsonObject object) || !object.containsKey(step)) {
        return false;
      }
      next = object.getValue(step);
    }
    return has(next, path, at + 1);
  }

  /** A description without the run's own values (device IDs, the product's slug), on one line of a table cell. */
  private static String clean(String text, Map<String, Object> fixtures) {
    String cleaned = text == null ? "" : text;
    for (Map.Entry<String, Object> fixture : fixtures.entrySet()) {
      String value = String.valueOf(fixture.getValue());
      if (fixture.getValue() != null && value.length() >= 6 && !fixture.getKey().equals("token")) {
        cleaned = cleaned.replace(value, ":" + fixture.getKey().replace("made ", ""));
      }
    }
    cleaned = DEVICE_ID.matcher(cleaned).replaceAll(":device");
    return cleaned.replace('\n', ' ').replace("|", "\\|").strip();
  }

  static String render(List<Row> rows) {
    StringBuilder table = new StringBuilder("| group | particle-api-js 12.0.3 | on a node | how |\n|---|---|---|---|\n");
    List<String> groups = rows.stream().map(Row::group).distinct().toList();
    rows = rows.stream().sorted(java.util.Comparator.comparingInt(row -> groups.indexOf(row.group()))).toList();
    Map<String, Integer> counts = new LinkedHashMap<>(Map.of("works", 0, "differs", 0, "not supported", 0));
    for (Row row : rows) {
      int scope = row.method().indexOf(" (");
      String method = scope < 0 ? "`" + row.method() + "`" : "`" + row.method().substring(0, scope) + "`" + row.method().substring(scope);
      table.append("| ").append(row.group()).append(" | ").append(method).append(" | ").append(row.result()).append(" | ").append(row.how())
          .append(" |\n");
      counts.merge(row.result(), 1, Integer::sum);
    }
    table.append("\n").append(rows.size()).append(" calls: ").append(counts.get("works")).append(" work, ").append(counts.get("differs"))
        .append(" differ, ").append(counts.get("not supported")).append(" not supported.\n");
    return table.toString();
  }

  private static JsonObject answer(String row, int status, Object body, String... fields) {
    return new JsonObject().put("group", "devices").put("row", row).put("statusCode", status).put("body", body)
        .put("fields", new JsonArray(List.of((Object[]) fields)));
  }

  /** An Asset Tracker product (platform 26) whose administrator is the owner. */
  private static int trackerProduct() throws Exception {
    String owner = node.query("SELECT id FROM users WHERE username = '" + OWNER + "'");
    int id = Integer.parseInt(node.query("INSERT INTO products (slug, name, platform_id, type, owner_id) VALUES ('" + SLUG + "', 'Coverage fleet', "
        + TRACKER_PLATFORM + ", 'tracker', " + owner + ") RETURNING id"));
    node.execute("INSERT INTO product_members (product_id, user_id, role) VALUES (" + id + ", " + owner + ", 'administrator')");
    FleetChanges.productChanged(node.eventBus(), id);
    return id;
  }

  private static DeviceIdentity ownDevice(String token, int platform) throws Exception {
    DeviceIdentity device = node.provisionDevice();
    node.execute("UPDATE devices SET platform_id = " + platform + " WHERE id = '" + device.id() + "'");
    node.claim(device.id(), token);
    return device;
  }

  private static DeviceIdentity productDevice(int product) throws Exception {
    DeviceIdentity device = node.provisionDevice();
    node.execute("UPDATE devices SET product_id = " + product + ", platform_id = " + TRACKER_PLATFORM + " WHERE id = '" + device.id() + "'");
    return device;
  }

  /** A SIM of the account in the online device, and one of the product, with a day of usage. */
  private static void simsOf(String token, String deviceId) throws Exception {
    assertEquals(200, node.post("/v1/sims", new JsonObject().put("sims", new JsonArray().add(new JsonObject().put("iccid", ACCOUNT_ICCID)
        .put("device_id", deviceId))).encode(), token).statusCode());
    assertEquals(200, node.post("/v1/products/" + SLUG + "/sims", new JsonObject().put("sims", new JsonArray().add(PRODUCT_ICCID)).encode(), token)
        .statusCode());
    node.execute("INSERT INTO sim_data_usage (iccid, day, bytes_in, bytes_out) VALUES ('" + ACCOUNT_ICCID + "', current_date, 1500000, 250000),"
        + " ('" + PRODUCT_ICCID + "', current_date, 4000000, 0)");
  }

  private static String sql(String query) {
    try {
      return node.query(query);
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String loc() {
    return "{\"cmd\":\"loc\",\"time\":" + FIX_TIME + ",\"loc\":{\"lck\":1,\"time\":" + FIX_TIME + ",\"lat\":42.5,\"lon\":-75.1,\"alt\":322.3,"
        + "\"h_acc\":10.0,\"v_acc\":16.0,\"batt\":99.6},\"trig\":[\"time\"],\"req_id\":1}";
  }

  private static List<JsonObject> run(JsonObject fixtures) throws Exception {
    ParticleTools.requireInstalled("node_modules/particle-api-js/package.json");
    ParticleTools.Result result = ParticleTools.run(List.of("node", ParticleTools.requireInstalled("api-js-coverage.mjs").toString(),
        "http://127.0.0.1:" + node.httpPort()), Map.of("DROVER_FIXTURES", fixtures.encode()), SCRIPT_TIMEOUT_SECONDS);
    assertEquals(0, result.exitCode(), result.describe());
    List<JsonObject> answers = new ArrayList<>();
    boolean done = false;
    for (String line : result.lines()) {
      JsonObject answer = new JsonObject(line);
      done = answer.getBoolean("done", false);
      answers.add(answer);
    }
    assertTrue(done, "the script stopped early (its last line is {done, made}): " + result.describe());
    assertFalse(answers.isEmpty(), result.describe());
    return answers;
  }

  private static byte[] bytes(int seed, int size) {
    byte[] bytes = new byte[size];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }

  private static String write(Path dir, String name, byte[] content) throws Exception {
    return Files.write(dir.resolve(name), content).toString();
  }
}
