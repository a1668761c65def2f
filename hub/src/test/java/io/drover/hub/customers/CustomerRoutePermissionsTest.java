package io.drover.hub.customers;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.drover.hub.support.TestNode;
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
 * Every team route of this part against every kind of caller: the four roles, a person outside the
 * team, and one of the product's own customers. VIEW lists, MANAGE_SETTINGS changes clients,
 * MANAGE_CUSTOMERS changes customers and codes; outsiders and customers get 404, as if there were no
 * such product.
 */
class CustomerRoutePermissionsTest {

  private static final String OWNER = "owner@roles.example";
  private static final AtomicInteger SEQUENCE = new AtomicInteger();
  private static TestNode node;
  private static ProductFixture product;
  private static JsonObject client;
  private static final Map<String, String> CALLERS = new LinkedHashMap<>();

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.start();
    String owner = node.signUpAndLogIn(OWNER, "owner's password");
    node.signUpAndLogIn("someone@roles.example", "a password of theirs"); // the node's administrator is OWNER only
    product = ProductFixture.create(node, "roles-matrix", OWNER, owner, "{}");
    client = product.client("installed", null);
    CALLERS.put("administrator", owner);
    for (String role : List.of("developer", "support", "view_only")) {
      String email = role.replace('_', '-') + "@roles.example";
      CALLERS.put(role, node.signUpAndLogIn(email, "a password for " + role));
      product.addMember(email, role);
    }
    CALLERS.put("outsider", node.logIn("someone@roles.example", "a password of theirs"));
    CALLERS.put("customer", product.customer(client, "buyer@example.com", "the buyer's password"));
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @Test
  void eachRouteAnswersEachCallerAsItsRoleAllows() throws Exception {
    List<String> wrong = new ArrayList<>();
    String base = "/v1/products/" + product.id;
    // expected statuses, in CALLERS' order: administrator, developer, support, view_only, outsider, customer
    check(wrong, "GET clients", caller -> node.get(base + "/clients", caller), 200, 200, 200, 200, 404, 404);
    check(wrong, "POST clients", caller -> node.post(base + "/clients", "{\"name\":\"c\",\"type\":\"installed\"}", caller),
        201, 201, 403, 403, 404, 404);
    check(wrong, "DELETE clients/:id", caller -> node.send("DELETE", base + "/clients/" + product.client("installed", null).getString("id"),
        null, caller), 200, 200, 403, 403, 404, 404);
    check(wrong, "GET customers", caller -> node.get(base + "/customers", caller), 200, 200, 200, 200, 404, 404);
    // a fresh customer each time: a reset revokes the customer's tokens, and the buyer's is one of the callers
    check(wrong, "PUT customers/:email", caller -> node.send("PUT", base + "/customers/" + freshCustomer(),
        "{\"password\":\"a fresh password\"}", caller), 200, 200, 200, 403, 404, 404);
    check(wrong, "DELETE customers/:email", caller -> node.send("DELETE", base + "/customers/" + freshCustomer(), null, caller),
        200, 200, 200, 403, 404, 404);
    check(wrong, "GET activation_codes", caller -> node.get(base + "/activation_codes", caller), 200, 200, 200, 200, 404, 404);
    check(wrong, "POST activation_codes", caller -> node.post(base + "/activation_codes", "{\"quantity\":1}", caller),
        201, 201, 201, 403, 404, 404);
    assertEquals(List.of(), wrong);
  }

  private static String freshCustomer() throws Exception {
    String email = "fresh" + SEQUENCE.incrementAndGet() + "@example.com";
    product.customer(client, email, "a fresh password");
    return email;
  }

  private interface Call {
    HttpResponse<String> as(String token) throws Exception;
  }

  private static void check(List<String> wrong, String route, Call call, int... expected) throws Exception {
    int i = 0;
    for (Map.Entry<String, String> caller : CALLERS.entrySet()) {
      HttpResponse<String> response = call.as(caller.getValue());
      if (response.statusCode() != expected[i]) {
        wrong.add(route + " as " + caller.getKey() + ": " + response.statusCode() + " (expected " + expected[i] + ") " + response.body());
      }
      i++;
    }
  }
}
