package io.drover.hub.products.fleet;

import io.drover.hub.support.TestNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Products, members and devices set up behind the node's back (the products API is another feature's),
 * and the multipart upload the Console's import sends.
 */
final class FleetFixture {

  private static final AtomicInteger NEXT_DEVICE = new AtomicInteger(1);
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private final TestNode node;

  FleetFixture(TestNode node) {
    this.node = node;
  }

  long userId(String username) throws SQLException {
    return Long.parseLong(node.query("SELECT id FROM users WHERE username = '" + username + "'"));
  }

  /** A product owned by {@code owner}, who is its administrator; returns its numeric ID. */
  int product(String slug, String owner) throws SQLException {
    long ownerId = userId(owner);
    int id = Integer.parseInt(node.query("INSERT INTO products (slug, name, platform_id, owner_id) VALUES ('" + slug + "', '" + slug
        + "', 12, " + ownerId + ") RETURNING id"));
    node.execute("INSERT INTO product_members (product_id, user_id, role, is_owner) VALUES (" + id + ", " + ownerId + ", 'administrator', true)");
    return id;
  }

  void member(int productId, String username, String role) throws SQLException {
    node.execute("INSERT INTO product_members (product_id, user_id, role) VALUES (" + productId + ", " + userId(username) + ", '" + role + "')");
  }

  /** A device ID no other test of this JVM uses. */
  static String newId() {
    return String.format("%024x", 0xf1ee7_0000_0000L + NEXT_DEVICE.getAndIncrement());
  }

  /** Registers a device straight in the table, optionally owned and in a product. */
  String device(String owner, Integer productId) throws SQLException {
    String id = newId();
    node.execute("INSERT INTO devices (id, secret_hash, owner_id, product_id) VALUES ('" + id + "', '\\x00'::bytea, "
        + (owner == null ? "NULL" : String.valueOf(userId(owner))) + ", " + (productId == null ? "NULL" : productId) + ")");
    return id;
  }

  List<String> devices(int count, Integer productId) throws SQLException {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      ids.add(device(null, productId));
    }
    return ids;
  }

  /** {@code POST path} as multipart/form-data with one file field, as a browser's FormData sends it. */
  HttpResponse<String> upload(String path, String field, String fileName, String content, String token) throws IOException, InterruptedException {
    String boundary = "----drover" + System.nanoTime();
    String body = "--" + boundary + "\r\n"
        + "Content-Disposition: form-data; name=\"" + field + "\"; filename=\"" + fileName + "\"\r\n"
        + "Content-Type: text/plain\r\n\r\n"
        + content + "\r\n"
        + "--" + boundary + "--\r\n";
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.httpPort() + path))
        .timeout(Duration.ofSeconds(20))
        .header("Content-Type", "multipart/form-data; boundary=" + boundary)
        .header("Authorization", "Bearer " + token)
        .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
        .build();
    return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
  }
}
