package io.drover.hub.products;

import static io.drover.hub.products.ProductsApiTest.assertError;
import static io.drover.hub.products.ProductsApiTest.created;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.support.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A product's team through the API: invitations and their answers, roles, removal, the owner, the free
 * plan's cap, API users and their scopes, and who may call which product route.
 */
class TeamApiTest {

  private static final AtomicInteger ACCOUNTS = new AtomicInteger();
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
  void anInviteeSeesTheInvitationAndAcceptingMakesThemAMember() throws Exception {
    Account owner = account();
    Account bob = account();
    int id = product(owner);

    HttpResponse<String> invited = invite(owner, id, bob, "developer");

    assertEquals(201, invited.statusCode(), invited.body());
    assertError(node.get("/v1/products/" + id, bob.token()), 404, "not found");
    JsonArray pending = new JsonObject(node.get("/v1/user/invitations", bob.token()).body()).getJsonArray("invitations");
    assertEquals(1, pending.size(), pending.encode());
    assertEquals(id, pending.getJsonObject(0).getJsonObject("product").getInteger("id"));
    assertEquals("developer", pending.getJsonObject(0).getString("role"));
    assertEquals(owner.username(), pending.getJsonObject(0).getString("invited_by"));
    JsonObject team = team(owner, id);
    assertEquals(1, team.getJsonArray("invitations").size(), "the team page shows the pending invitation");

    HttpResponse<String> accepted = node.post("/v1/user/invitations/" + id + "/accept", "", bob.token());

    assertEquals(200, accepted.statusCode(), accepted.body());
    assertEquals(200, node.get("/v1/products/" + id, bob.token()).statusCode());
    assertEquals("developer", new JsonObject(node.get("/v1/products/" + id, bob.token()).body()).getJsonObject("product").getString("role"));
    team = team(owner, id);
    assertEquals(List.of(owner.username(), bob.username()), usernames(team.getJsonArray("team")));
    assertEquals(true, team.getJsonArray("team").getJsonObject(0).getBoolean("is_owner"));
    assertEquals("developer", team.getJsonArray("team").getJsonObject(1).getString("role"));
    assertEquals(0, team.getJsonArray("invitations").size());
    assertEquals(0, new JsonObject(node.get("/v1/user/invitations", bob.token()).body()).getJsonArray("invitations").size());
    assertError(node.post("/v1/user/invitations/" + id + "/accept", "", bob.token()), 404, "invitation");
  }

  @Test
  void decliningLeavesTheInviteeOutside() throws Exception {
    Account owner = account();
    Account bob = account();
    int id = product(owner);
    String slug = new JsonObject(node.get("/v1/products/" + id, owner.token()).body()).getJsonObject("product").getString("slug");
    invite(owner, id, bob, "support");

    assertEquals(200, node.post("/v1/user/invitations/" + slug + "/decline", "", bob.token()).statusCode(), "named by slug");

    assertError(node.get("/v1/products/" + id, bob.token()), 404, "not found");
    assertEquals(0, team(owner, id).getJsonArray("invitations").size());
    assertEquals(List.of(owner.username()), usernames(team(owner, id).getJsonArray("team")));
  }

  @Test
  void onlyExistingAccountsCanBeInvitedAndOnlyOnce() throws Exception {
    Account owner = account();
    Account bob = account();
    int id = product(owner);

    assertError(node.post("/v1/products/" + id + "/team", "{\"username\":\"nobody@example.com\",\"role\":\"developer\"}", owner.token()),
        404, "must sign up");
    assertEquals(201, invite(owner, id, bob, "developer").statusCode());
    assertError(invite(owner, id, bob, "support"), 409, "invited already");
    node.post("/v1/user/invitations/" + id + "/accept", "", bob.token());
    assertError(invite(owner, id, bob, "support"), 409, "member");
    assertError(invite(owner, id, owner, "support"), 409, "member");
    assertError(node.post("/v1/products/" + id + "/team", "{\"username\":\"not-an-email\"}", owner.token()), 400, "username");
    assertError(node.post("/v1/products/" + id + "/team", "{\"username\":\"" + account().username() + "\",\"role\":\"boss\"}", owner.token()),
        400, "role");
    assertError(node.post("/v1/products/" + id + "/team", "{\"username\":\"" + account().username() + "\",\"extra\":1}", owner.token()),
        400, "extra");
  }

  @Test
  void theOwnerCannotBeRemovedOrDemotedButAMemberMayLeave() throws Exception {
    Account owner = account();
    Account admin = member(owner, product(owner), "administrator");
    int id = admin.productId();
    Account viewer = member(owner, id, "view_only");

    assertError(node.send("DELETE", "/v1/products/" + id + "/team/" + owner.username(), null, admin.token()), 400, "owner");
    assertError(node.send("DELETE", "/v1/products/" + id + "/team/" + owner.username(), null, owner.token()), 400, "owner");
    assertError(node.send("PUT", "/v1/products/" + id + "/team/" + owner.username(), "{\"role\":\"view_only\"}", admin.token()), 400, "owner");

    assertError(node.send("DELETE", "/v1/products/" + id + "/team/" + admin.username(), null, viewer.token()), 403, "view_only");
    assertEquals(204, node.send("DELETE", "/v1/products/" + id + "/team/" + viewer.username(), null, viewer.token()).statusCode(), "leaving");
    assertError(node.get("/v1/products/" + id, viewer.token()), 404, "not found");

    assertEquals(200, node.send("PUT", "/v1/products/" + id + "/team/" + admin.username(), "{\"role\":\"support\"}", owner.token()).statusCode());
    assertEquals("support", new JsonObject(node.get("/v1/products/" + id, admin.token()).body()).getJsonObject("product").getString("role"));
    assertEquals(204, node.send("DELETE", "/v1/products/" + id + "/team/" + admin.username(), null, owner.token()).statusCode());
    assertError(node.get("/v1/products/" + id, admin.token()), 404, "not found");
    assertError(node.send("DELETE", "/v1/products/" + id + "/team/" + admin.username(), null, owner.token()), 404, "not in this product");
    assertEquals(List.of(owner.username()), usernames(team(owner, id).getJsonArray("team")));
  }

  @Test
  void removingAPendingInviteeCancelsTheInvitation() throws Exception {
    Account owner = account();
    Account bob = account();
    int id = product(owner);
    invite(owner, id, bob, "developer");

    assertEquals(204, node.send("DELETE", "/v1/products/" + id + "/team/" + bob.username(), null, owner.token()).statusCode());

    assertEquals(0, new JsonObject(node.get("/v1/user/invitations", bob.token()).body()).getJsonArray("invitations").size());
    assertError(node.post("/v1/user/invitations/" + id + "/accept", "", bob.token()), 404, "invitation");
  }

  @Test
  void theFreePlanCapsTheTeamAtFiveMembersPendingInvitationsIncluded() throws Exception {
    Account owner = account();
    int id = product(owner);
    Account joined = member(owner, id, "developer");
    List<Account> invited = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Account person = account();
      assertEquals(201, invite(owner, id, person, "view_only").statusCode());
      invited.add(person);
    }
    assertEquals(5, team(owner, id).getJsonObject("limit").getInteger("used"));
    Account sixth = account();

    HttpResponse<String> refused = invite(owner, id, sixth, "view_only");

    assertError(refused, 402, "free plan allows at most 5");
    assertEquals("plan_limit", new JsonObject(refused.body()).getString("error"));
    assertEquals(201, node.post("/v1/products/" + id + "/team",
        "{\"friendly_name\":\"Not counted\",\"scopes\":[\"devices:list\"]}", owner.token()).statusCode(), "API users are not team seats");
    assertEquals(200, node.post("/v1/user/invitations/" + id + "/accept", "", invited.get(0).token()).statusCode(),
        "accepting within the cap");
    assertError(invite(owner, id, sixth, "view_only"), 402, "free plan");
    node.send("DELETE", "/v1/products/" + id + "/team/" + joined.username(), null, owner.token());
    assertEquals(201, invite(owner, id, sixth, "view_only").statusCode(), "a seat freed");
  }

  /** Each role, and someone outside the team, against each product route of this part. */
  @Test
  void eachRoleMayCallExactlyTheRoutesItsPermissionsAllow() throws Exception {
    // route -> status for administrator, developer, support, view_only, outsider
    Map<String, int[]> expected = new LinkedHashMap<>();
    expected.put("GET product", new int[] {200, 200, 200, 200, 404});
    expected.put("PUT product", new int[] {200, 200, 403, 403, 404});
    expected.put("GET settings", new int[] {200, 200, 200, 200, 404});
    expected.put("PUT settings", new int[] {200, 200, 403, 403, 404});
    expected.put("GET team", new int[] {200, 200, 200, 200, 404});
    expected.put("POST team (invite)", new int[] {201, 403, 403, 403, 404});
    expected.put("POST team (API user)", new int[] {201, 403, 403, 403, 404});
    expected.put("PUT team/:username", new int[] {200, 403, 403, 403, 404});
    expected.put("DELETE team/:username", new int[] {204, 403, 403, 403, 404});
    expected.put("DELETE product", new int[] {403, 403, 403, 403, 404});
    String[] roles = {"administrator", "developer", "support", "view_only", null};
    List<String> wrong = new ArrayList<>();

    for (int r = 0; r < roles.length; r++) {
      Account owner = account();
      int id = product(owner);
      Account caller = roles[r] == null ? account() : member(owner, id, roles[r]);
      Account spare = account();
      String base = "/v1/products/" + id;
      Map<String, HttpResponse<String>> answers = new LinkedHashMap<>();
      answers.put("GET product", node.get(base, caller.token()));
      answers.put("PUT product", node.send("PUT", base, "{\"description\":\"changed\"}", caller.token()));
      answers.put("GET settings", node.get(base + "/settings", caller.token()));
      answers.put("PUT settings", node.send("PUT", base + "/settings", "{\"manufacturing_programming\":true}", caller.token()));
      answers.put("GET team", node.get(base + "/team", caller.token()));
      answers.put("POST team (invite)", invite(caller, id, spare, "support"));
      answers.put("POST team (API user)", node.post(base + "/team", "{\"friendly_name\":\"bot\",\"scopes\":[\"devices:list\"]}", caller.token()));
      answers.put("PUT team/:username", node.send("PUT", base + "/team/" + spare.username(), "{\"role\":\"developer\"}", caller.token()));
      answers.put("DELETE team/:username", node.send("DELETE", base + "/team/" + spare.username(), null, caller.token()));
      answers.put("DELETE product", node.send("DELETE", base, null, caller.token()));
      for (Map.Entry<String, HttpResponse<String>> answer : answers.entrySet()) {
        int want = expected.get(answer.getKey())[r];
        if (answer.getValue().statusCode() != want) {
          wrong.add((roles[r] == null ? "outsider" : roles[r]) + " " + answer.getKey() + ": " + answer.getValue().statusCode()
              + " (expected " + want + ") " + answer.getValue().body());
        }
      }
      assertEquals("changed".equals(node.query("SELECT description FROM products WHERE id = " + id)),
          expected.get("PUT product")[r] == 200, "a refused edit changed nothing");
    }

    assertEquals(List.of(), wrong);
  }

  @Test
  void anApiUserActsWithinItsScopesAndOnlyInItsOwnProduct() throws Exception {
    Account owner = account();
    int id = product(owner);
    int other = product(account());

    HttpResponse<String> made = node.post("/v1/products/" + id + "/team",
        "{\"friendly_name\":\"Fleet reader\",\"scopes\":[\"devices:list\",\"configuration:update\"]}", owner.token());

    assertEquals(201, made.statusCode(), made.body());
    JsonObject created = new JsonObject(made.body()).getJsonObject("created");
    String token = created.getJsonArray("tokens").getJsonObject(0).getString("token");
    String username = created.getString("username");
    assertEquals(List.of("devices:list", "configuration:update"), created.getJsonArray("scopes").getList());
    assertEquals("api_user", node.query("SELECT kind FROM users WHERE username = '" + username + "'"));
    assertEquals(200, node.get("/v1/products/" + id, token).statusCode());
    assertEquals(200, node.get("/v1/products/" + id + "/team", token).statusCode());
    assertEquals(200, node.send("PUT", "/v1/products/" + id + "/settings", "{\"private_beta\":true}", token).statusCode());
    assertError(node.send("PUT", "/v1/products/" + id + "/team/" + username, "{\"friendly_name\":\"x\"}", token), 403, "scopes");
    assertError(invite(new Account(username, token, id), id, account(), "view_only"), 403, "scopes");
    assertError(node.send("DELETE", "/v1/products/" + id, null, token), 403, "owner");
    assertError(node.get("/v1/products/" + other, token), 404, "not found");
    assertError(node.post("/v1/products", "{\"name\":\"Mine\",\"platform_id\":6}", token), 403, "person");
    JsonArray listed = new JsonObject(node.get("/v1/products", token).body()).getJsonArray("products");
    assertEquals(1, listed.size());
    assertEquals(id, listed.getJsonObject(0).getInteger("id"));
    assertError(node.postForm("/oauth/token", Map.of("grant_type", "password", "username", username, "password", "!no-password",
        "client_id", "particle-api", "client_secret", "particle-api"), null), 400, "invalid");

    JsonObject team = team(owner, id);
    assertEquals(List.of(owner.username()), usernames(team.getJsonArray("team")), "API users are listed apart");
    assertEquals(List.of(username), usernames(team.getJsonArray("api_users")));
    assertEquals("Fleet reader", team.getJsonArray("api_users").getJsonObject(0).getString("friendly_name"));

    assertEquals(200, node.send("PUT", "/v1/products/" + id + "/team/" + username, "{\"scopes\":[\"devices:list\"]}", owner.token())
        .statusCode());
    assertError(node.send("PUT", "/v1/products/" + id + "/settings", "{\"private_beta\":false}", token), 403, "scopes");
    assertEquals(200, node.get("/v1/products/" + id + "/settings", token).statusCode(), "new scopes apply to the live token at once");

    assertEquals(204, node.send("DELETE", "/v1/products/" + id + "/team/" + username, null, owner.token()).statusCode());
    assertError(node.get("/v1/products/" + id, token), 401, "invalid");
    assertNull(node.query("SELECT id FROM users WHERE username = '" + username + "'"));
  }

  /** API users with one scope each, and one of another product, against each product route of this part. */
  @Test
  void eachApiUserScopeOpensExactlyTheRoutesOfItsPermission() throws Exception {
    // route -> status for products:get, configuration:update, teams.users:invite, firmware:release, another product's API user
    Map<String, int[]> expected = new LinkedHashMap<>();
    expected.put("GET product", new int[] {200, 200, 200, 200, 404});
    expected.put("PUT product", new int[] {403, 200, 403, 403, 404});
    expected.put("GET settings", new int[] {200, 200, 200, 200, 404});
    expected.put("PUT settings", new int[] {403, 200, 403, 403, 404});
    expected.put("GET team", new int[] {200, 200, 200, 200, 404});
    expected.put("POST team (invite)", new int[] {403, 403, 201, 403, 404});
    expected.put("DELETE product", new int[] {403, 403, 403, 403, 404});
    String[] scopes = {"products:get", "configuration:update", "teams.users:invite", "firmware:release", null};
    List<String> wrong = new ArrayList<>();

    for (int s = 0; s < scopes.length; s++) {
      Account owner = account();
      int id = product(owner);
      int madeIn = scopes[s] == null ? product(owner) : id;
      String scopeList = scopes[s] == null ? "[\"products:get\",\"configuration:update\",\"teams.users:invite\"]" : "[\"" + scopes[s] + "\"]";
      HttpResponse<String> made = node.post("/v1/products/" + madeIn + "/team", "{\"friendly_name\":\"bot\",\"scopes\":" + scopeList + "}", owner.token());
      assertEquals(201, made.statusCode(), made.body());
      Account bot = new Account("bot", new JsonObject(made.body()).getJsonObject("created").getJsonArray("tokens").getJsonObject(0)
          .getString("token"), madeIn);
      String base = "/v1/products/" + id;
      Map<String, HttpResponse<String>> answers = new LinkedHashMap<>();
      answers.put("GET product", node.get(base, bot.token()));
      answers.put("PUT product", node.send("PUT", base, "{\"description\":\"by a bot\"}", bot.token()));
      answers.put("GET settings", node.get(base + "/settings", bot.token()));
      answers.put("PUT settings", node.send("PUT", base + "/settings", "{\"private_beta\":true}", bot.token()));
      answers.put("GET team", node.get(base + "/team", bot.token()));
      answers.put("POST team (invite)", invite(bot, id, account(), "view_only"));
      answers.put("DELETE product", node.send("DELETE", base, null, bot.token()));
      for (Map.Entry<String, HttpResponse<String>> answer : answers.entrySet()) {
        int want = expected.get(answer.getKey())[s];
        if (answer.getValue().statusCode() != want) {
          wrong.add((scopes[s] == null ? "another product's API user" : scopes[s]) + " " + answer.getKey() + ": "
              + answer.getValue().statusCode() + " (expected " + want + ") " + answer.getValue().body());
        }
      }
    }

    assertEquals(List.of(), wrong);
  }

  @Test
  void apiUsersAreRefusedUnknownScopesAndCannotGrantMoreThanTheirCreator() throws Exception {
    Account owner = account();
    int id = product(owner);
    String base = "/v1/products/" + id + "/team";

    assertError(node.post(base, "{\"friendly_name\":\"x\",\"scopes\":[\"devices:list\",\"root:everything\"]}", owner.token()), 400,
        "root:everything");
    assertError(node.post(base, "{\"friendly_name\":\"x\",\"scopes\":[]}", owner.token()), 400, "scopes");
    assertError(node.post(base, "{\"friendly_name\":\"\",\"scopes\":[\"devices:list\"]}", owner.token()), 400, "friendly_name");
    assertError(node.post(base, "{\"friendly_name\":\"x\",\"scopes\":\"devices:list\",\"role\":\"developer\"}", owner.token()), 400, "role");

    JsonObject teamBot = new JsonObject(node.post(base, "{\"friendly_name\":\"Team bot\",\"scopes\":[\"teams.users:invite\"]}", owner.token())
        .body()).getJsonObject("created");
    String botToken = teamBot.getJsonArray("tokens").getJsonObject(0).getString("token");

    assertError(node.post(base, "{\"friendly_name\":\"y\",\"scopes\":[\"firmware:release\"]}", botToken), 403, "more than");
    assertError(invite(new Account(teamBot.getString("username"), botToken, id), id, account(), "administrator"), 403, "more than");
    assertEquals(201, invite(new Account(teamBot.getString("username"), botToken, id), id, account(), "view_only").statusCode());
    assertEquals(201, node.post(base, "{\"friendly_name\":\"z\",\"scopes\":[\"teams.users:list\"]}", botToken).statusCode());
  }

  // --- helpers

  private record Account(String username, String token, int productId) {
  }

  private static Account account() throws Exception {
    String username = "member" + ACCOUNTS.incrementAndGet() + "@example.com";
    return new Account(username, node.signUpAndLogIn(username, "a good password"), 0);
  }

  private static int product(Account owner) throws Exception {
    return created(node.post("/v1/products", "{\"name\":\"Team product\",\"platform_id\":13}", owner.token())).getInteger("id");
  }

  /** A new account invited with {@code role} that accepted. */
  private static Account member(Account owner, int productId, String role) throws Exception {
    Account person = account();
    assertEquals(201, invite(owner, productId, person, role).statusCode());
    assertEquals(200, node.post("/v1/user/invitations/" + productId + "/accept", "", person.token()).statusCode());
    return new Account(person.username(), person.token(), productId);
  }

  private static HttpResponse<String> invite(Account by, int productId, Account who, String role) throws Exception {
    return node.post("/v1/products/" + productId + "/team", new JsonObject().put("username", who.username()).put("role", role).encode(), by.token());
  }

  private static JsonObject team(Account caller, int productId) throws Exception {
    HttpResponse<String> team = node.get("/v1/products/" + productId + "/team", caller.token());
    assertEquals(200, team.statusCode(), team.body());
    return new JsonObject(team.body());
  }

  private static List<String> usernames(JsonArray people) {
    List<String> names = new ArrayList<>();
    for (int i = 0; i < people.size(); i++) {
      names.add(people.getJsonObject(i).getString("username"));
    }
    return names;
  }
}
