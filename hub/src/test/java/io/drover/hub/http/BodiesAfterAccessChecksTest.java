package io.drover.hub.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.hub.support.RawHttp;
import io.drover.hub.support.TestNode;
import io.drover.hub.support.TlsClients;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A request body is read only once the caller is known and allowed: an anonymous or unauthorized
 * upload leaves nothing on disk (nor in memory: its body is discarded as it arrives), and a body
 * declared too large is refused from its headers.
 */
class BodiesAfterAccessChecksTest {

  private static final int MIB = 1024 * 1024;
  private static final Duration WITHIN = Duration.ofSeconds(20);
  private static TestNode node;
  private static String owner;
  private static String outsider;
  private static int product;
  private static Path uploads;

  @BeforeAll
  static void startNode() throws Exception {
    node = TestNode.start();
    owner = node.signUpAndLogIn("owner@example.com", "the owner's password");
    outsider = node.signUpAndLogIn("outsider@example.com", "the outsider's password");
    String ownerId = node.query("SELECT id FROM users WHERE username = 'owner@example.com'");
    product = Integer.parseInt(node.query("INSERT INTO products (slug, name, platform_id, owner_id) VALUES ('bodies', 'bodies', 12, "
        + ownerId + ") RETURNING id"));
    node.execute("INSERT INTO product_members (product_id, user_id, role) VALUES (" + product + ", " + ownerId + ", 'administrator')");
    uploads = node.dataDir().resolve("uploads");
  }

  @AfterAll
  static void stopNode() {
    node.close();
  }

  @Test
  void anAnonymousFirmwareUploadIsRefusedBeforeAnyOfItIsStored() throws Exception {
    assertNothingStoredWhile("/v1/products/" + product + "/firmware", null, 8 * MIB - 4096, 401);
  }

  @Test
  void anOutsidersFirmwareUploadIsRefusedBeforeAnyOfItIsStored() throws Exception {
    assertNothingStoredWhile("/v1/products/" + product + "/firmware", outsider, 8 * MIB - 4096, 404);
  }

  @Test
  void aNonAdministratorsOffTheShelfUploadIsRefusedBeforeAnyOfItIsStored() throws Exception {
    assertNothingStoredWhile("/v1/admin/firmware/off-the-shelf", outsider, 8 * MIB - 4096, 403);
  }

  @Test
  void anAnonymousDeviceImportIsRefusedBeforeAnyOfItIsStored() throws Exception {
    assertNothingStoredWhile("/v1/products/" + product + "/devices", null, 500 * 1024, 401);
  }

  @Test
  void aContentLengthOverTheRoutesLimitIsAnswered413BeforeTheBody() throws Exception {
    try (RawHttp client = RawHttp.connect(node.httpPort())) {
      client.send("POST /v1/products/" + product + "/firmware HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + owner
          + "\r\nContent-Type: multipart/form-data; boundary=xyz\r\nContent-Length: " + (9 * MIB) + "\r\n\r\n");

      RawHttp.Response response = client.readResponse();

      assertEquals(413, response.status(), response.body());
      assertEquals("request_too_large", response.json().getString("error"));
      assertTrue(client.closedWithin(WITHIN), "the connection is closed rather than the declared body read");
    }
    try (RawHttp client = RawHttp.connect(node.httpPort())) {
      client.send("POST /v1/devices/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + owner
          + "\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n");

      RawHttp.Response response = client.readResponse();

      assertEquals(413, response.status(), response.body());
      assertTrue(response.json().getString("error_description").contains("65536"), response.body());
      assertTrue(client.closedWithin(WITHIN), "the connection is closed rather than the declared body read");
    }
  }

  @Test
  void aChunkedUploadIsCutAtTheLimitAndLeavesNoFile() throws Exception {
    try (RawHttp client = RawHttp.connect(node.httpPort())) {
      client.send("POST /v1/products/" + product + "/firmware HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + owner
          + "\r\nContent-Type: multipart/form-data; boundary=xyz\r\nTransfer-Encoding: chunked\r\n\r\n");
      Thread writer = new Thread(() -> {
        try {
          sendChunk(client, ("--xyz\r\nContent-Disposition: form-data; name=\"binary\"; filename=\"app.bin\"\r\n"
              + "Content-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
          byte[] piece = new byte[64 * 1024];
          for (int sent = 0; sent < 9 * MIB; sent += piece.length) {
            sendChunk(client, piece);
          }
          client.send("0\r\n\r\n");
        } catch (IOException closed) {
          // the node cut it: expected past the limit
        }
      });
      writer.start();

      RawHttp.Response response = client.readResponse();

      assertEquals(413, response.status(), response.body());
      assertEquals("request_too_large", response.json().getString("error"));
      writer.join(WITHIN.toMillis());
    }
    TestNode.eventually(WITHIN, () -> files(uploads) == 0, "no file left of the cut upload");
  }

  @Test
  void aTokenInAFormBodyStillAuthenticates() throws Exception {
    String form = "name=form-token&data=x&access_token=" + URLEncoder.encode(owner, StandardCharsets.UTF_8);
    try (RawHttp client = RawHttp.connect(node.httpPort())) {
      client.send("POST /v1/devices/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
          + "Content-Length: " + form.length() + "\r\n\r\n" + form);

      RawHttp.Response response = client.readResponse();

      assertEquals(200, response.status(), response.body());
    }
  }

  @Test
  void overHttp2ABodyWaitsForTheChecksToo() throws Exception {
    Path binary = Files.createTempFile("upload", ".bin");
    try {
      Files.write(binary, new byte[4 * MIB]);
      String upload = "https://127.0.0.1:" + node.httpsPort() + "/v1/products/" + product + "/firmware";
      TlsClients.Result[] anonymous = new TlsClients.Result[1];
      int mostFiles = mostUploadsWhile(() -> anonymous[0] = curlHttp2("-F", "binary=@" + binary, upload));
      assertTrue(anonymous[0].output().startsWith("HTTP/2 401"), anonymous[0].output());
      assertTrue(anonymous[0].output().contains("\"error\":\"invalid_request\""), anonymous[0].output());
      assertEquals(0, mostFiles, "a file appeared in the uploads directory for an anonymous HTTP/2 upload");

      TlsClients.Result published = curlHttp2("-H", "Authorization: Bearer " + owner, "-H", "Content-Type: application/json",
          "-d", "{\"name\":\"over-h2\",\"data\":\"x\"}", "https://127.0.0.1:" + node.httpsPort() + "/v1/devices/events");
      assertTrue(published.output().startsWith("HTTP/2 200"), published.output());
    } finally {
      Files.delete(binary);
    }
  }

  @Test
  void aRefusedBodyIsDiscardedAndItsConnectionServesTheNextRequest() throws Exception {
    String json = "{\"name\":\"nobody\",\"data\":\"" + "x".repeat(20_000) + "\"}";
    try (RawHttp client = RawHttp.connect(node.httpPort())) {
      client.send("POST /v1/devices/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: "
          + json.length() + "\r\n\r\n" + json);
      RawHttp.Response refused = client.readResponse();
      assertEquals(401, refused.status(), refused.body());
      assertEquals("invalid_request", refused.json().getString("error"));

      client.send("GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
      assertEquals(200, client.readResponse().status());
    }
  }

  /**
   * Streams a multipart upload of {@code size} bytes to {@code path} with {@code token} (or none),
   * watching the uploads directory all the while: the answer is {@code status}, no file ever appears,
   * and the body is discarded (the connection then serves another request).
   */
  private static void assertNothingStoredWhile(String path, String token, int size, int status) throws Exception {
    int mostFiles = mostUploadsWhile(() -> {
      try (RawHttp client = RawHttp.connect(node.httpPort())) {
        byte[] head = ("--xyz\r\nContent-Disposition: form-data; name=\"binary\"; filename=\"app.bin\"\r\n"
            + "Content-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] tail = "\r\n--xyz--\r\n".getBytes(StandardCharsets.US_ASCII);
        client.send("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + (token == null ? "" : "Authorization: Bearer " + token + "\r\n")
            + "Content-Type: multipart/form-data; boundary=xyz\r\nContent-Length: " + (head.length + size + tail.length) + "\r\n\r\n");
        Thread writer = new Thread(() -> {
          try {
            client.send(head);
            byte[] piece = new byte[64 * 1024];
            Arrays.fill(piece, (byte) 'f');
            for (int sent = 0; sent < size; sent += piece.length) {
              client.send(Arrays.copyOf(piece, Math.min(piece.length, size - sent)));
            }
            client.send(tail);
          } catch (IOException e) {
            throw new IllegalStateException("the node stopped reading the refused body instead of discarding it", e);
          }
        });
        writer.start();

        RawHttp.Response response = client.readResponse();
        writer.join(WITHIN.toMillis());

        assertEquals(status, response.status(), response.body());
        assertTrue(response.json().containsKey("error_description"), response.body());
        client.send("GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        assertEquals(200, client.readResponse().status(), "the refused body was discarded, and the connection serves on");
      }
    });
    assertEquals(0, mostFiles, "a file appeared in the uploads directory for a caller who may not upload");
  }

  private interface Action {
    void run() throws Exception;
  }

  /** Runs {@code action} while watching the uploads directory: the most files it held at once meanwhile. */
  private static int mostUploadsWhile(Action action) throws Exception {
    AtomicInteger mostFiles = new AtomicInteger();
    Thread watcher = new Thread(() -> {
      try {
        while (true) {
          mostFiles.accumulateAndGet(files(uploads), Math::max);
          Thread.sleep(2);
        }
      } catch (InterruptedException done) {
        mostFiles.accumulateAndGet(files(uploads), Math::max);
      }
    });
    watcher.start();
    try {
      action.run();
    } finally {
      watcher.interrupt();
      watcher.join();
    }
    return mostFiles.get();
  }

  private static TlsClients.Result curlHttp2(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("curl", "-sS", "-i", "--http2", "--noproxy", "*", "--cacert", node.caFile().toString()));
    command.addAll(List.of(args));
    return TlsClients.run(command);
  }

  private static void sendChunk(RawHttp client, byte[] data) throws IOException {
    client.send((Integer.toHexString(data.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
    client.send(data);
    client.send("\r\n".getBytes(StandardCharsets.US_ASCII));
  }

  private static int files(Path directory) {
    if (!Files.isDirectory(directory)) {
      return 0;
    }
    try (Stream<Path> listed = Files.list(directory)) {
      return (int) listed.count();
    } catch (IOException e) {
      return 0;
    }
  }
}
