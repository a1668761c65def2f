package io.drover.loadtests.console;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The few API calls the console set-up makes, over HTTP/1.1 on loopback (the JDK client's default
 * first request over http:// asks for an h2c upgrade, which the load is not about). Blocking: the
 * set-up is not measured and runs on plain threads.
 */
final class NodeApi {

  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
  private final String base;

  NodeApi(String host, int port) {
    this.base = "http://" + host + ":" + port;
  }

  String base() {
    return base;
  }

  /** A person's access token through the password grant, as particle-api-js logs in. */
  String logIn(String username, String password) {
    String form = "grant_type=password&client_id=particle-api&client_secret=particle-api&username=" + encode(username)
        + "&password=" + encode(password);
    HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/oauth/token")).timeout(TIMEOUT)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString(form)).build();
    return expect(request, 200).getString("access_token");
  }

  JsonObject post(String path, String token, JsonObject body, int expectedStatus) {
    return withBody("POST", path, token, body, expectedStatus);
  }

  JsonObject put(String path, String token, JsonObject body, int expectedStatus) {
    return withBody("PUT", path, token, body, expectedStatus);
  }

  private JsonObject withBody(String method, String path, String token, JsonObject body, int expectedStatus) {
    HttpRequest request = HttpRequest.newBuilder(URI.create(base + path)).timeout(TIMEOUT)
        .header("Authorization", "Bearer " + token)
        .header("Content-Type", "application/json")
        .method(method, HttpRequest.BodyPublishers.ofString(body.encode())).build();
    return expect(request, expectedStatus);
  }

  JsonArray getArray(String path, String token) {
    HttpRequest request = HttpRequest.newBuilder(URI.create(base + path)).timeout(TIMEOUT)
        .header("Authorization", "Bearer " + token).GET().build();
    return new JsonArray(send(request, 200));
  }

  private JsonObject expect(HttpRequest request, int expectedStatus) {
    return new JsonObject(send(request, expectedStatus));
  }

  private String send(HttpRequest request, int expectedStatus) {
    HttpResponse<String> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new IllegalStateException(request.method() + " " + request.uri().getPath() + " failed: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
    if (response.statusCode() != expectedStatus) {
      throw new IllegalStateException(request.method() + " " + request.uri().getPath() + ": HTTP " + response.statusCode()
          + " (expected " + expectedStatus + "): " + response.body().strip());
    }
    return response.body();
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
