package io.drover.hub.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.drover.gateway.hostile.ErrorLog;
import io.drover.hub.hostile.RawHttp.Answer;
import io.drover.hub.support.TestNode;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What the hostile-input suite found on the node's HTTP API, each pinned by an example over a raw
 * socket (the suite itself is {@link HostileHttpTest}).
 */
class HttpRawClientTest {

  private static final Duration DEADLINE = Duration.ofSeconds(10);
  /** RequestBodies.UPLOADS_SETTLE. */
  private static final Duration UPLOADS_SETTLE = Duration.ofSeconds(3);

  private static TestNode node;
  private static String token;

  @BeforeAll
  static void startNode() throws Exception {
    node = TestNode.start();
    token = node.signUpAndLogIn("raw@hostile.example", "the raw client's password");
  }

  @AfterAll
  static void stopNode() {
    node.close();
  }

  /**
   * A query string with a malformed %-escape (RFC 3986 section 2.1) is the API's 400, as one in the path
   * is. A route that read a parameter of one threw: 500 where it read it in a callback, Vert.x's plain
   * "Bad Request" where it read it at once.
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource({"GET /v1/products/1/events/x?a=%ZZ", "POST /v1/devices/0123456789abcdef01234567/led?a=%ZZ", "GET /v1/events?a=%ZZ",
      "GET /v1/devices/0123456789abcdef01234567/events?a=%ZZ", "GET /v1/history/events?a=%ZZ"})
  void queryWithAMalformedEscapeIsAnsweredBadRequestInTheApiShape(String line) throws Exception {
    byte[] request = (line + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII);

    Answer answer = RawHttp.exchange(node.httpPort(), request, false, DEADLINE);

    assertEquals(400, answer.status(), answer.text());
    assertEquals("bad_request", new JsonObject(answer.text()).getString("error"));
  }

  /**
   * The same with a form-encoded body and no token in the header: the gate, looking for the token in
   * the query before reading the form, decoded the malformed query and threw, answered 500 (found by
   * the hostile suite's seed 20261206).
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource({"GET /health/ready?%", "GET /v1/devices/a%2Fb?%", "POST /v1/webhooks?a=%ZZ"})
  void malformedQueryWithAFormBodyIsAnsweredBadRequestInTheApiShape(String line) throws Exception {
    String body = "event=x&url=https%3A%2F%2F203.0.113.7%2F";
    byte[] request = (line + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: "
        + body.length() + "\r\nConnection: close\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII);

    Answer answer = RawHttp.exchange(node.httpPort(), request, false, DEADLINE);

    assertEquals(400, answer.status(), answer.text());
    assertEquals("bad_request", new JsonObject(answer.text()).getString("error"));
  }

  /**
   * A request HTTP cannot parse never reaches a route; Vert.x answered it with an empty body. The API
   * answers every error with its error JSON (api.md, "Error shape"), these too, and closes the connection.
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "a method with a control character | 400 | bad_request",
      "a request line of 5,000 bytes      | 414 | uri_too_long",
      "a header of 9,000 bytes            | 431 | headers_too_large"})
  void requestHttpCannotParseIsAnsweredWithTheApiErrorJson(String request, int status, String error) throws Exception {
    String head = switch (status) {
      case 400 -> "G\u0001T /v1/devices HTTP/1.1\r\nHost: 127.0.0.1\r\n";
      case 414 -> "GET /v1/devices/" + "a".repeat(5000) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
      default -> "GET /v1/devices HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Huge: " + "h".repeat(9000) + "\r\n";
    };

    Answer answer = RawHttp.exchange(node.httpPort(), (head + "\r\n").getBytes(StandardCharsets.UTF_8), false, DEADLINE);

    assertEquals(status, answer.status(), request);
    assertEquals("application/json", answer.headers().get("content-type"));
    assertEquals(error, new JsonObject(answer.text()).getString("error"));
  }

  /**
   * RFC 2046 section 5.1.1: a multipart body's boundary is 1 to 70 characters. netty's body decoder threw
   * a StringIndexOutOfBoundsException for an empty one (or an ErrorDataDecoderException for a boundary
   * parameter with no value), which every route that reads a body answered 500, logging a stack trace.
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "POST /v1/users             | multipart/form-data; boundary=",
      "POST /v1/users             | multipart/form-data; boundary=\"",
      "POST /v1/products          | multipart/form-data; boundary",
      "POST /oauth/token          | Multipart/Form-Data; Boundary=",
      "POST /v1/products/1/firmware | multipart/form-data; boundary="})
  void multipartBodyWithoutABoundaryIsRefusedBadRequest(String line, String contentType) throws Exception {
    String body = "--b\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nx\r\n--b--\r\n";
    byte[] request = (line + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token + "\r\nContent-Type: " + contentType
        + "\r\nContent-Length: " + body.length() + "\r\nConnection: close\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII);

    Answer answer = RawHttp.exchange(node.httpPort(), request, false, DEADLINE);

    assertEquals(400, answer.status(), answer.text());
    assertEquals("bad_request", new JsonObject(answer.text()).getString("error"));
  }

  /**
   * RFC 9112 section 7.1: a chunk size is hexadecimal. A body that breaks that cannot be read, which is
   * the client's fault: the API logged it as a server error, with a stack trace, for every such request.
   * Vert.x closes the connection at once (its framing is lost), before any answer.
   */
  @Test
  void bodyWithABrokenChunkClosesTheConnectionAndLogsNoError() throws Exception {
    byte[] request = ("POST /v1/users HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
        + "Connection: close\r\n\r\nzz\r\n{}\r\n0\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    try (ErrorLog log = ErrorLog.watch()) {

      Answer answer = RawHttp.exchange(node.httpPort(), request, false, DEADLINE);

      assertEquals(0, answer.status(), "closed without an answer");
      node.get("/health/live", null); // served by the API's one event loop once it is done with the failure
      assertEquals(List.of(), log.errors());
    }
  }

  /**
   * RFC 2046 section 5.1.1: a multipart body ends with its closing boundary. Vert.x 5.0.7's body handler
   * waits for every file part to end, and one that never does (the body ends inside it) kept the request
   * waiting, and the connection open, for good: on every route that takes uploads, before any sign-in.
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource({"POST /v1/products/PRODUCT/devices", "POST /v1/products/PRODUCT/firmware", "POST /v1/admin/firmware/off-the-shelf",
      "PUT /v1/devices/0123456789abcdef01234567", "PUT /v1/products/PRODUCT/devices/0123456789abcdef01234567"})
  void multipartBodyEndingInsideAFileIsRefusedBadRequest(String line) throws Exception {
    // the body is read only once the caller may use the route: the product's own administrator (a flash: any account), or the node's
    String route = line.substring(line.indexOf(' ') + 1);
    boolean asUser = route.contains("PRODUCT") || route.startsWith("/v1/devices/");
    String path = route.replace("PRODUCT", String.valueOf(product()));
    String body = "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"ids.txt\"\r\n"
        + "Content-Type: text/plain\r\n\r\n0123456789abcdef01234567\r\n";
    byte[] request = (line.substring(0, line.indexOf(' ')) + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
        + (asUser ? token : node.adminToken())
        + "\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: " + body.length() + "\r\nConnection: close\r\n\r\n" + body)
        .getBytes(StandardCharsets.US_ASCII);

    Answer answer = RawHttp.exchange(node.httpPort(), request, false, DEADLINE);

    assertEquals(400, answer.status(), answer.text());
    assertEquals("bad_request", new JsonObject(answer.text()).getString("error"));
  }

  /**
   * A multipart body sent to a route that takes JSON or form fields, its part a file under another
   * boundary than the header's (found by the hostile-input suite on the integrations route): Vert.x's
   * body handler never finished it and the request waited, its connection open. Now 415.
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource({"/v1/products/PRODUCT/integrations", "/v1/products/PRODUCT/groups", "/v1/devices/events"})
  void multipartBodyOnAFieldsRouteIsRefusedUnsupported(String route) throws Exception {
    String path = route.replace("PRODUCT", String.valueOf(product()));
    String part = "--other\r\nContent-Disposition: form-data; name=\"expires_in\"; filename=\"f.bin\"\r\n"
        + "Content-Type: application/octet-stream\r\n\r\n" + "x".repeat(5000);
    String chunked = Integer.toHexString(part.length()) + "\r\n" + part + "\r\n0\r\n\r\n";
    byte[] request = ("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token
        + "\r\nContent-Type: multipart/form-data; boundary=b0undary\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n" + chunked)
        .getBytes(StandardCharsets.US_ASCII);

    Answer answer = RawHttp.exchange(node.httpPort(), request, false, DEADLINE);

    assertEquals(415, answer.status(), answer.text());
    assertEquals("unsupported_media_type", new JsonObject(answer.text()).getString("error"));
  }

  /** A request an upload route answers before its body is read leaves nothing behind that fails later. */
  @Test
  void uploadRouteAnsweredWithoutABodyLogsNoErrorAfterwards() throws Exception {
    byte[] request = ("POST /v1/admin/firmware/off-the-shelf HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + node.adminToken()
        + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    try (ErrorLog log = ErrorLog.watch()) {

      Answer answer = RawHttp.exchange(node.httpPort(), request, false, DEADLINE);
      Thread.sleep(UPLOADS_SETTLE.plusSeconds(1).toMillis()); // a timer of the request's would have fired by now

      assertEquals(400, answer.status(), answer.text());
      assertEquals(List.of(), log.errors());
    }
  }

  /**
   * A form field without a name ({@code =}): Netty's form decoder, which Vert.x 5.0.7's body handler
   * uses, throws for it, and the request never ended: no answer, the connection held until its idle
   * timeout. Forms are read by RequestBodies now, and such a field is left out.
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource({"=", "a=1&=2", "=&access_token="})
  void aFormFieldWithoutANameIsAnswered(String form) throws Exception {
    byte[] request = ("POST /v1/devices HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        + "Content-Length: " + form.length() + "\r\nConnection: close\r\n\r\n" + form).getBytes(StandardCharsets.US_ASCII);

    Answer answer = RawHttp.exchange(node.httpPort(), request, false, DEADLINE);

    assertEquals(401, answer.status(), answer.text());
    assertEquals("application/json", answer.headers().get("content-type"));
  }

  /**
   * An empty body (Content-Length: 0) on a route that reads its body after an access check that takes
   * its time: the request has ended by then, and Vert.x's body handler refused it, a 500 on every such
   * route. Found by HostileHttpTest.
   */
  @ParameterizedTest(name = "{0} {1}")
  @CsvSource({"PUT, /v1/user, application/json", "PUT, /v1/user, application/x-www-form-urlencoded", "POST, /v1/products, application/json",
      "POST, /v1/products/PRODUCT/firmware, multipart/form-data; boundary=b", "POST, /v1/products/PRODUCT/devices, application/json"})
  void anEmptyBodyAfterTheAccessChecksIsNotAServerError(String method, String route, String type) throws Exception {
    String path = route.replace("PRODUCT", String.valueOf(product()));
    byte[] request = (method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token
        + "\r\nContent-Type: " + type + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII);

    Answer answer = RawHttp.exchange(node.httpPort(), request, false, DEADLINE);

    assertEquals(400, answer.status(), answer.text());
    assertEquals("application/json", answer.headers().get("content-type"));
  }

  private static int product;

  /** A product of the raw client's account, made once. */
  private static synchronized int product() throws Exception {
    if (product == 0) {
      java.net.http.HttpResponse<String> made = node.send("POST", "/v1/products", "{\"name\":\"raw-uploads\",\"platform_id\":12}", token);
      assertEquals(201, made.statusCode(), made.body());
      product = new JsonObject(made.body()).getJsonObject("product").getInteger("id");
    }
    return product;
  }
}
