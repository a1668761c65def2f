package io.drover.hub.sims;

import io.drover.hub.support.TestNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/** ICCIDs no other test of this JVM uses, products and devices set up behind the node's back, and a multipart upload. */
final class SimFixture {

  private static final AtomicLong NEXT_ICCID = new AtomicLong(System.nanoTime() % 1_000_000_000L);
  private static final AtomicLong NEXT_DEVICE = new AtomicLong(1);
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private final TestNode node;

  SimFixture(TestNode node) {
    this.node = node;
  }

  /** A valid 20-digit ICCID (89 telecom, 44 country, then a counter and its Luhn digit). */
  static String iccid() {
    String body = "8944" + String.format("%015d", NEXT_ICCID.getAndIncrement());
    return body + Iccid.checkDigit(body);
  }

  /** {@code valid} with its check digit changed: the length is right, the Luhn check is not. */
  static String badCheckDigit(String valid) {
    char last = valid.charAt(valid.length() - 1);
    return valid.substring(0, valid.length() - 1) + (char) ('0' + (last - '0' + 1) % 10);
  }

  long userId(String username) throws SQLException {
    return Long.parseLong(node.query("SELECT id FROM users WHERE username = '" + username + "'"));
  }

  int product(String slug, String owner) throws SQLException {
    long ownerId = userId(owner);
    int id = Integer.parseInt(node.query("INSERT INTO products (slug, name, platform_id, owner_id) VALUES ('" + slug + "', '" + slug
        + "', 13, " + ownerId + ") RETURNING id"));
    node.execute("INSERT INTO product_members (product_id, user_id, role, is_owner) VALUES (" + id + ", " + ownerId + ", 'administrator', true)");
    return id;
  }

  void member(int productId, String username, String role) throws SQLException {
    node.execute("INSERT INTO product_members (product_id, user_id, role) VALUES (" + productId + ", " + userId(username) + ", '" + role + "')");
  }

  /** A device straight in the table, owned by {@code owner} (or no one) and in {@code productId} (or none). */
  String device(String owner, Integer productId, String name) throws SQLException {
    String id = String.format("%024x", 0x51a0_0000_0000L + NEXT_DEVICE.getAndIncrement() + System.nanoTime() % 1_000_000 * 1000);
    node.execute("INSERT INTO devices (id, secret_hash, owner_id, product_id, name) VALUES ('" + id + "', '\\x00'::bytea, "
        + (owner == null ? "NULL" : String.valueOf(userId(owner))) + ", " + (productId == null ? "NULL" : productId) + ", "
        + (name == null ? "NULL" : "'" + name + "'") + ")");
    return id;
  }

  long simCount() throws SQLException {
    return Long.parseLong(node.query("SELECT count(*) FROM sims"));
  }

  /** {@code POST path} as multipart/form-data with one file field, as a browser's FormData sends it. */
  HttpResponse<String> upload(String path, String content, String token) throws IOException, InterruptedException {
    String boundary = "----drover" + System.nanoTime();
    String body = "--" + boundary + "\r\n"
        + "Content-Disposition: form-data; name=\"file\"; filename=\"sims.txt\"\r\n"
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

  /** {@code HEAD path}: the status only. */
  int head(String path, String token) throws IOException, InterruptedException {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.httpPort() + path))
        .timeout(Duration.ofSeconds(10)).header("Authorization", "Bearer " + token)
        .method("HEAD", HttpRequest.BodyPublishers.noBody()).build();
    return HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
  }
}
