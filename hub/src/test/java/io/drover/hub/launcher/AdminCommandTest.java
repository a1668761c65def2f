package io.drover.hub.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.support.TestNode;
import io.drover.hub.support.TestPostgres;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The first administrator: {@code drover admin create}, the operator's explicit step to an administrator. */
class AdminCommandTest {

  private static final String PASSWORD = "correct horse battery";

  @Test
  void createMakesTheNodesFirstAdministratorAndThenPromotesAnExistingAccount(@TempDir Path dir) throws Exception {
    String database = TestPostgres.newDatabase();

    // before the node's first start: the command makes the schema and the account
    String printed = run(dir, database, PASSWORD, "create", "--username", "Root@Example.com");

    assertEquals("administrator created: root@example.com (the node's first administrator)", printed.trim());
    try (TestNode node = TestNode.startMember(database, List.of())) {
      String root = node.logIn("root@example.com", PASSWORD);
      assertTrue(new JsonObject(node.get("/v1/user", root).body()).getBoolean("admin"));
      String ordinary = node.signUpAndLogIn("ordinary@example.com", PASSWORD);
      assertFalse(new JsonObject(node.get("/v1/user", ordinary).body()).getBoolean("admin"));

      // an external database can be worked on while the node runs
      assertEquals("ordinary@example.com is an administrator now", run(dir, database, "unused", "create", "--username=ordinary@example.com").trim());

      assertTrue(new JsonObject(node.get("/v1/user", ordinary).body()).getBoolean("admin"));
      assertEquals(200, node.get("/v1/user", node.logIn("ordinary@example.com", PASSWORD)).statusCode(), "the password is unchanged");
      assertEquals("1", node.query("SELECT count(*) FROM first_administrator"));
    }
  }

  @Test
  void onTheEmbeddedDatabaseItRunsBeforeTheFirstStartAndNotBesideARunningNode(@TempDir Path dir) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    AdminCommand.run(List.of("create", "--username", "you@example.com", "--data-dir=" + dir), Map.of(), () -> PASSWORD,
        new PrintStream(out, true, StandardCharsets.UTF_8));
    assertTrue(out.toString(StandardCharsets.UTF_8).contains("administrator created: you@example.com"));

    try (TestNode node = TestNode.startEmbedded(dir)) {
      assertTrue(new JsonObject(node.get("/v1/user", node.logIn("you@example.com", PASSWORD)).body()).getBoolean("admin"));

      IllegalStateException refused = assertThrows(IllegalStateException.class, () -> AdminCommand.run(
          List.of("create", "--username", "other@example.com", "--data-dir=" + dir), Map.of(), () -> PASSWORD, System.out));
      assertTrue(refused.getMessage().contains("stop the node first"), refused.getMessage());
      assertEquals("0", node.query("SELECT count(*) FROM users WHERE username = 'other@example.com'"), "no account was made");
    }
  }

  @Test
  void aPasswordTooShortAMissingUsernameOrAnUnknownCommandIsRefused(@TempDir Path dir) throws Exception {
    String database = TestPostgres.newDatabase();

    assertEquals("admin create: Password must be at least 8 characters long",
        assertThrows(ConfigException.class, () -> run(dir, database, "short", "create", "--username", "a@example.com")).getMessage());
    assertTrue(assertThrows(ConfigException.class, () -> run(dir, database, PASSWORD, "create"))
        .getMessage().startsWith("admin create needs --username"));
    assertTrue(assertThrows(ConfigException.class, () -> run(dir, database, PASSWORD, "remove", "--username", "a@example.com"))
        .getMessage().startsWith("admin: unknown command 'remove'"));
  }

  private static String run(Path dir, String database, String password, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    List<String> all = new java.util.ArrayList<>(List.of(args));
    all.add("--database.url=" + database);
    all.add("--data-dir=" + dir);
    AdminCommand.run(all, Map.of(), () -> password, new PrintStream(out, true, StandardCharsets.UTF_8));
    return out.toString(StandardCharsets.UTF_8);
  }
}
