package io.drover.hub.firmware;

import io.drover.hub.products.FleetChanges;
import io.drover.hub.support.TestNode;
import io.drover.hub.support.TestNode.DeviceIdentity;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Products, groups and members made with SQL (their APIs are built elsewhere), announced with
 * {@link FleetChanges} as those APIs do, and multipart firmware uploads as the Console sends them.
 */
public final class FirmwareFleet {

  public static final int PLATFORM = 12;
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private final TestNode node;

  public FirmwareFleet(TestNode node) {
    this.node = node;
  }

  /** A product owned by {@code username}, who is its administrator. */
  public int product(String slug, String username) throws Exception {
    String userId = node.query("SELECT id FROM users WHERE username = '" + username + "'");
    int id = Integer.parseInt(node.query("INSERT INTO products (slug, name, platform_id, owner_id) VALUES ('" + slug + "', '" + slug
        + "', " + PLATFORM + ", " + userId + ") RETURNING id"));
    member(id, username, "administrator");
    return id;
  }

  public void member(int productId, String username, String role) throws Exception {
    node.execute("INSERT INTO product_members (product_id, user_id, role) SELECT " + productId + ", id, '" + role + "' FROM users WHERE username = '"
        + username + "'");
  }

  /** A device of the product, running {@code version} (0: unknown), in {@code groups}. */
  public DeviceIdentity device(int productId, int version, boolean development, String... groups) throws Exception {
    DeviceIdentity device = node.provisionDevice();
    node.execute("UPDATE devices SET product_id = " + productId + ", platform_id = " + PLATFORM + ", development = " + development
        + (version > 0 ? ", firmware_version = " + version : "") + " WHERE id = '" + device.id() + "'");
    for (String group : groups) {
      node.execute("INSERT INTO device_groups (product_id, name) VALUES (" + productId + ", '" + group + "') ON CONFLICT DO NOTHING");
      node.execute("INSERT INTO device_group_members (product_id, group_name, device_id) VALUES (" + productId + ", '" + group + "', '"
          + device.id() + "')");
    }
    return device;
  }

  void group(int productId, String group) throws Exception {
    node.execute("INSERT INTO device_groups (product_id, name) VALUES (" + productId + ", '" + group + "') ON CONFLICT DO NOTHING");
  }

  /** What the products branch publishes after a change; returns once the index has reloaded. */
  public void announce(int productId) throws Exception {
    FleetChanges.productChanged(node.eventBus(), productId);
    Thread.sleep(300);
  }

  public HttpResponse<String> upload(int productId, Map<String, String> fields, byte[] binary, String token) throws IOException, InterruptedException {
    return upload(productId, fields, binary, token, "/v1/products/" + productId + "/firmware");
  }

  HttpResponse<String> upload(int productId, Map<String, String> fields, byte[] binary, String token, String path)
      throws IOException, InterruptedException {
    String boundary = "----drover" + System.nanoTime();
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    for (Map.Entry<String, String> field : fields.entrySet()) {
      body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + field.getKey() + "\"\r\n\r\n" + field.getValue() + "\r\n")
          .getBytes(StandardCharsets.UTF_8));
    }
    if (binary != null) {
      body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"binary\"; filename=\"app.bin\"\r\n"
          + "Content-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
      body.writeBytes(binary);
      body.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
    }
    body.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.httpPort() + path))
        .timeout(Duration.ofSeconds(20))
        .header("Content-Type", "multipart/form-data; boundary=" + boundary)
        .header("Authorization", "Bearer " + token)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()))
        .build();
    return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
  }

  /** Uploads a good binary of {@code version} for the product; fails the test otherwise. */
  public byte[] uploaded(int productId, int version, byte[] payload, String token) throws Exception {
    byte[] binary = FirmwareBinary.wrap(productId, version, PLATFORM, payload);
    HttpResponse<String> response = upload(productId, Map.of("version", Integer.toString(version), "title", "v" + version,
        "description", "release " + version), binary, token);
    if (response.statusCode() != 201) {
      throw new AssertionError("upload failed: " + response.statusCode() + " " + response.body());
    }
    return binary;
  }

  static String json(String version, boolean asDefault, List<String> groups) {
    return new io.vertx.core.json.JsonObject().put("version", Integer.parseInt(version)).put("product_default", asDefault)
        .put("groups", new io.vertx.core.json.JsonArray(groups)).encode();
  }
}
