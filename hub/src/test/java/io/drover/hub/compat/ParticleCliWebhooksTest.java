package io.drover.hub.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.devices.SecretSealer;
import io.drover.hub.support.TestNode;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * particle-cli 3.43.1, unchanged, managing webhooks on a real node as a user would: {@code particle
 * webhook create <event> <url> [device]}, {@code webhook create hook.json} (a template file that says
 * {@code eventName}), {@code webhook list}, {@code webhook delete <id>} and {@code webhook delete all}. Runs with a temporary HOME.
 */
class ParticleCliWebhooksTest {

  private static final long COMMAND_TIMEOUT_SECONDS = 30;
  private static final String USERNAME = "cli-hooks@example.com";
  private static final String PASSWORD = "correct horse battery staple";
  private static final Pattern CREATED = Pattern.compile("Successfully created webhook with ID ([0-9a-f]{24})");
  private static TestNode node;

  @TempDir
  Path home;

  @BeforeAll
  static void startNode() throws Exception {
    node = TestNode.start();
  }

  @AfterAll
  static void stopNode() {
    node.close();
  }

  @Test
  void cliCreatesFromArgumentsAndFromATemplateFileListsAndDeletes() throws Exception {
    String token = node.signUpAndLogIn(USERNAME, PASSWORD);
    String device = node.provisionDevice().id();
    node.claim(device, token);
    particle("config", "set", "apiUrl", "http://127.0.0.1:" + node.httpPort());
    particle("login", "--username", USERNAME, "--password", PASSWORD);

    ParticleTools.Result byArguments = particle("webhook", "create", "temp", "https://203.0.113.7/temp", device, "GET");
    String first = created(byArguments);
    JsonObject firstRow = row(first);
    assertEquals("temp", firstRow.getString("event"));
    assertEquals(device, firstRow.getString("device_id"), "the CLI sends deviceid");
    assertEquals("GET", firstRow.getJsonObject("settings").getString("requestType"));

    // a template file as people keep them: eventName, the CLI's own comment key, nulls for what is unused
    Path file = home.resolve("hook.json");
    Files.writeString(file, new JsonObject()
        .put("eventName", "door")
        .put("url", "https://203.0.113.7/door/{{PARTICLE_DEVICE_ID}}")
        .put("_", "The following parameters are optional")
        .put("requestType", "POST")
        .put("json", new JsonObject().put("state", "{{PARTICLE_EVENT_VALUE}}"))
        .putNull("form").putNull("body").putNull("query")
        .put("headers", new JsonObject().put("Authorization", "Bearer from-a-cli-file"))
        .put("rejectUnauthorized", "true")
        .put("mydevices", true).encode());
    ParticleTools.Result byFile = particle("webhook", "create", file.toString());
    assertTrue(byFile.stdout().contains("Using settings from the file " + file), byFile.describe());
    String second = created(byFile);
    JsonObject secondRow = row(second);
    assertEquals("door", secondRow.getString("event"), "eventName is the event");
    assertNull(secondRow.getString("device_id"));
    JsonObject settings = secondRow.getJsonObject("settings");
    assertEquals(new JsonObject().put("state", "{{PARTICLE_EVENT_VALUE}}"), settings.getJsonObject("json"));
    assertEquals(true, settings.getBoolean("rejectUnauthorized"));
    assertNull(settings.getValue("_"), "keys no integration knows are not stored");
    assertNull(settings.getValue("headers"));
    SecretSealer sealer = SecretSealer.loadAtStart(node.dataDir().resolve(SecretSealer.FILE_NAME));
    assertEquals(new JsonObject().put("headers", new JsonObject().put("Authorization", "Bearer from-a-cli-file")),
        new JsonObject(sealer.open(second, secondRow.getBinary("sealed_secrets"))));

    ParticleTools.Result list = particle("webhook", "list");
    assertTrue(list.stdout().contains("Found 2 hooks registered"), list.describe());
    assertTrue(list.stdout().contains("Hook ID " + first + " is watching for \"temp\""), list.describe());
    assertTrue(list.stdout().contains("and sending to: https://203.0.113.7/temp"), list.describe());
    assertTrue(list.stdout().contains("for device " + device), list.describe());
    assertTrue(list.stdout().contains("Hook ID " + second + " is watching for \"door\""), list.describe());

    ParticleTools.Result refused = run("webhook", "create", "bad", "ftp://203.0.113.7/file");
    assertNotEquals(0, refused.exitCode(), refused.describe());
    assertTrue((refused.stdout() + refused.stderr()).contains("Error creating webhook"), refused.describe());

    particle("webhook", "delete", first);
    assertNull(row(first), "deleted");
    ParticleTools.Result after = particle("webhook", "list");
    assertTrue(after.stdout().contains("Found 1 hooks registered"), after.describe());
    assertTrue(!after.stdout().contains(first), after.describe());

    // delete all asks first (inquirer), then lists and deletes each: answered yes on its standard input
    ParticleTools.Result all = answered("y\n", "webhook", "delete", "all");
    assertEquals(0, all.exitCode(), all.describe());
    assertTrue(all.stdout().contains("Found 1 hooks registered"), all.describe());
    assertTrue(all.stdout().contains("deleting " + second), all.describe());
    assertNull(row(second), "deleted by delete all");
    assertTrue(particle("webhook", "list").stdout().contains("Found 0 hooks registered"));
  }

  private ParticleTools.Result answered(String input, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(ParticleTools.requireInstalled("node_modules/.bin/particle").toString()));
    command.addAll(List.of(args));
    Map<String, String> env = new HashMap<>();
    env.put("home", home.toString());
    env.put("HOME", home.toString());
    env.put("PARTICLE_DISABLE_UPDATE", "true");
    Process process = ParticleTools.process(command, env).redirectInput(ProcessBuilder.Redirect.PIPE).start();
    var stdout = ParticleTools.readAll(process.getInputStream());
    var stderr = ParticleTools.readAll(process.getErrorStream());
    try (var in = process.getOutputStream()) {
      // the pipe holds the answer until the prompt reads it
      in.write(input.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      in.flush();
    }
    if (!process.waitFor(COMMAND_TIMEOUT_SECONDS, java.util.concurrent.TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
      throw new AssertionError("particle " + String.join(" ", args) + " did not finish: " + stdout.join() + stderr.join());
    }
    return new ParticleTools.Result(String.join(" ", command), process.exitValue(), ParticleTools.withoutEscapes(stdout.join()),
        ParticleTools.withoutEscapes(stderr.join()));
  }

  private static String created(ParticleTools.Result result) {
    Matcher matcher = CREATED.matcher(result.stdout());
    assertTrue(matcher.find(), result.describe());
    return matcher.group(1);
  }

  private static JsonObject row(String id) throws Exception {
    try (var connection = node.node().database().jdbcConnection();
         var query = connection.prepareStatement("SELECT event, device_id, settings::text, sealed_secrets FROM integrations WHERE id = ?")) {
      query.setString(1, id);
      try (var row = query.executeQuery()) {
        if (!row.next()) {
          return null;
        }
        return new JsonObject().put("event", row.getString(1)).put("device_id", row.getString(2))
            .put("settings", new JsonObject(row.getString(3))).put("sealed_secrets", row.getBytes(4));
      }
    }
  }

  private ParticleTools.Result particle(String... args) throws Exception {
    ParticleTools.Result result = run(args);
    assertEquals(0, result.exitCode(), result.describe());
    return result;
  }

  private ParticleTools.Result run(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(ParticleTools.requireInstalled("node_modules/.bin/particle").toString()));
    command.addAll(List.of(args));
    Map<String, String> env = new HashMap<>();
    env.put("home", home.toString());
    env.put("HOME", home.toString());
    env.put("PARTICLE_DISABLE_UPDATE", "true");
    return ParticleTools.run(command, env, COMMAND_TIMEOUT_SECONDS);
  }
}
