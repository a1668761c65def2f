package io.drover.hub.console;

import io.drover.hub.firmware.FirmwareFleet;
import io.drover.hub.support.TestNode;
import io.drover.hub.support.TestNode.DeviceIdentity;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

/**
 * A node's account with something on every Console page: claimed devices (one named, one not), events,
 * an integration, a product with devices, groups, firmware, a SIM, a team and an OAuth client, and an
 * Asset Tracker product with last known locations; and the list of every routed page to visit.
 * Built through the API where it has one, with SQL for what only devices make (events, locations).
 */
final class ConsolePagesFixture {

  static final String PASSWORD = "correct horse battery";
  static final String PRODUCT_NAME = "Greenhouse Sensors";
  static final String TRACKER_NAME = "Delivery Vans";

  /** One page: where it is, the heading it shows, a selector that shows its data arrived, and what it shows. */
  record Page(String name, String path, String heading, String loaded, String about) {
  }

  final String token;
  final String productSlug;
  final String unnamedDevice;
  final List<Page> pages;

  private ConsolePagesFixture(String token, String productSlug, String unnamedDevice, List<Page> pages) {
    this.token = token;
    this.productSlug = productSlug;
    this.unnamedDevice = unnamedDevice;
    this.pages = pages;
  }

  /** @param username the account, made a node administrator (so that a demo fleet's devices are claimed by it) */
  static ConsolePagesFixture build(TestNode node, String username) throws Exception {
    String token = node.createAdministrator(username, PASSWORD);
    String userId = node.query("SELECT id FROM users WHERE username = '" + username + "'");

    // the account's own devices (claiming names them)
    DeviceIdentity named = node.provisionDevice();
    node.claim(named.id(), token);
    ok(node.send("PUT", "/v1/devices/" + named.id(), new JsonObject().put("name", "boiler-room").encode(), token));
    DeviceIdentity other = node.provisionDevice();
    node.claim(other.id(), token);
    for (String[] event : List.of(new String[] {named.id(), "temperature", "21.5"}, new String[] {other.id(), "temperature", "19.0"})) {
      node.execute("INSERT INTO events (device_id, name, data, published_at, ttl, public, owner_id) VALUES ('" + event[0] + "', '" + event[1]
          + "', '" + event[2] + "', now() - interval '2 minutes', 60, false, " + userId + ")");
    }

    String integration = new JsonObject(ok(node.post("/v1/integrations",
        new JsonObject().put("event", "temperature").put("url", "https://hooks.example.com/temperature").encode(), token)).body()).getString("id");

    // a standard product: devices (one unnamed), a group, firmware, a SIM, an API user, an OAuth client
    JsonObject product = new JsonObject(ok(node.post("/v1/products",
        new JsonObject().put("name", PRODUCT_NAME).put("platform_id", FirmwareFleet.PLATFORM).encode(), token)).body()).getJsonObject("product");
    int productId = product.getInteger("id");
    String slug = product.getString("slug");
    FirmwareFleet fleet = new FirmwareFleet(node);
    DeviceIdentity productDevice = fleet.device(productId, 1, false, "north-bed");
    // a device nobody named: the product's Logs show its ID, shortened in the middle
    DeviceIdentity unnamed = fleet.device(productId, 1, false);
    fleet.device(productId, 2, true, "north-bed");
    node.execute("UPDATE devices SET name = 'bed-4-probe' WHERE id = '" + productDevice.id() + "'");
    for (String[] event : List.of(new String[] {productDevice.id(), "soil-moisture", "37", "1 minute"},
        new String[] {unnamed.id(), "door", "open", "5 seconds"}, new String[] {unnamed.id(), "boot", "cold start", "2 days"})) {
      node.execute("INSERT INTO events (device_id, name, data, published_at, ttl, public, product_id) VALUES ('" + event[0] + "', '" + event[1]
          + "', '" + event[2] + "', now() - interval '" + event[3] + "', 60, false, " + productId + ")");
    }
    fleet.announce(productId);
    fleet.uploaded(productId, 2, new byte[] {2, 2}, token);
    ok(node.post("/v1/products/" + productId + "/sims",
        new JsonObject().put("sims", new JsonArray().add(new JsonObject().put("iccid", iccid()))).encode(), token));
    ok(node.post("/v1/products/" + productId + "/clients", new JsonObject().put("name", "Greenhouse app").put("type", "installed").encode(), token));

    // an Asset Tracker product with last known locations
    int tracker = Integer.parseInt(node.query("INSERT INTO products (slug, name, platform_id, type, owner_id) VALUES ('delivery-vans', '"
        + TRACKER_NAME + "', 26, 'tracker', " + userId + ") RETURNING id"));
    node.execute("INSERT INTO product_members (product_id, user_id, role, is_owner) VALUES (" + tracker + ", " + userId + ", 'administrator', true)");
    node.execute("INSERT INTO devices (id, secret_hash, product_id, platform_id, name) SELECT 'ee' || lpad(to_hex(n), 22, '0'), '\\x00'::bytea, "
        + tracker + ", 26, 'van-' || n FROM generate_series(1, 6) n");
    node.execute("INSERT INTO tracker_last_locations (device_id, product_id, at, received_at, lat, lon, loc) SELECT id, product_id, now(), now(), "
        + "47.55 + (ascii(right(id, 1)) % 7) * 0.02, -122.40 + (ascii(right(id, 1)) % 5) * 0.03, '{}' FROM devices WHERE product_id = " + tracker);
    io.drover.hub.products.FleetChanges.productChanged(node.eventBus(), tracker);

    String p = "/products/" + slug;
    List<Page> pages = new ArrayList<>();
    pages.add(new Page("devices", "/devices", "Devices", "tr[data-device-id]", "The account's devices, online state live, with claim and unclaim."));
    pages.add(new Page("device", "/devices/" + named.id(), "boiler-room", ".device-layout",
        "One device: its details, functions and variables, and its own events."));
    pages.add(new Page("events", "/events", "Events", "li[data-role=event-row]", "Event Logs: stored and live events, filters, a detail pane, Publish."));
    pages.add(new Page("integrations", "/integrations", "Integrations", "tr[data-integration-id]", "The account's webhooks with their traffic."));
    pages.add(new Page("integration", "/integrations/" + integration, "temperature", "[data-role=history]",
        "One integration: settings, Test, traffic history and the delivery log."));
    pages.add(new Page("integration-edit", "/integrations/" + integration + "/edit", "Edit integration", "form", "Editing a webhook."));
    pages.add(new Page("integration-new", "/integrations/new", "New integration", "form", "A new webhook, with the request it sends."));
    pages.add(new Page("sims", "/sims", "SIM cards", "h1", "The account's SIM cards."));
    pages.add(new Page("products", "/products", "Products", "tr[data-product-id]", "The products the account is in."));
    pages.add(new Page("billing", "/billing", "Billing", "h1", "The account's plan, usage and invoices."));
    pages.add(new Page("settings", "/settings", "Settings", "[data-role=tokens] table", "Profile, password, access tokens, OAuth clients."));
    pages.add(new Page("product-devices", p + "/devices", "Devices", "tr[data-device-id]", "A product's fleet: search, groups, import, paging."));
    pages.add(new Page("product-device", p + "/devices/" + productDevice.id(), "bed-4-probe", "[data-role=device-details]",
        "One product device: firmware, groups, development mode."));
    pages.add(new Page("product-groups", p + "/groups", "Groups", "tr[data-group]", "Device groups with their colours and counts."));
    pages.add(new Page("product-firmware", p + "/firmware", "Firmware", "tr[data-version]", "Uploaded firmware, releases and rollouts."));
    pages.add(new Page("product-logs", p + "/logs", "Logs", "li[data-role=event-row]", "The product's event stream."));
    pages.add(new Page("product-team", p + "/team", "Team", "tr[data-username]", "Members, invitations and API users."));
    pages.add(new Page("product-customers", p + "/customers", "Customers", "[data-role=clients]", "Customers, claim codes and OAuth clients."));
    pages.add(new Page("product-sims", p + "/sims", "SIM cards", "tr[data-iccid]", "The product's SIM cards and their usage."));
    pages.add(new Page("product-integrations", p + "/integrations", "Integrations", "h1", "The product's webhooks."));
    pages.add(new Page("product-billing", p + "/billing", "Billing", "[data-role=events]", "The product's plan and usage."));
    pages.add(new Page("product-configuration", p + "/configuration", "Configuration", "[data-action=delete-product]",
        "The product's name, description and deletion."));
    pages.add(new Page("tracker-map", "/products/delivery-vans/map", "Map", "canvas", "An Asset Tracker fleet's last known locations."));
    pages.add(new Page("tracker-settings", "/products/delivery-vans/tracker-settings", "Tracker settings", "[data-role=tracker-settings]",
        "Fleet settings from the schema, presets, data usage and sync state."));
    return new ConsolePagesFixture(token, slug, unnamed.id(), pages);
  }

  private static HttpResponse<String> ok(HttpResponse<String> response) {
    if (response.statusCode() / 100 != 2) {
      throw new AssertionError(response.statusCode() + " " + response.body());
    }
    return response;
  }

  /** A valid ICCID (Luhn check digit). */
  static String iccid() {
    String body = "8944" + String.format("%015d", System.nanoTime() % 1_000_000_000_000_000L);
    int sum = 0;
    for (int i = 0; i < body.length(); i++) {
      int digit = body.charAt(body.length() - 1 - i) - '0';
      if (i % 2 == 0) {
        digit *= 2;
        if (digit > 9) {
          digit -= 9;
        }
      }
      sum += digit;
    }
    return body + (10 - sum % 10) % 10;
  }
}
