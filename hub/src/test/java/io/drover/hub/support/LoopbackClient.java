package io.drover.hub.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 requests to a node from a chosen loopback address (any of 127.0.0.0/8), so that a test can
 * be several clients, as limits per client address see them. One connection per request, closed
 * after the answer. The JDK's HttpClient cannot choose its local address on Java 17.
 */
public final class LoopbackClient {

  /** @param headers names in lower case */
  public record Answer(int status, Map<String, String> headers, String body) {
  }

  private final String localAddress;
  private final int port;

  public LoopbackClient(String localAddress, int port) {
    this.localAddress = localAddress;
    this.port = port;
  }

  /** A form post, as OAuth clients send to /oauth/token; {@code basicAuth} is "id:secret" or null. */
  public Answer postForm(String path, Map<String, String> form, String basicAuth) throws IOException {
    StringBuilder body = new StringBuilder();
    form.forEach((key, value) -> body.append(body.length() == 0 ? "" : "&")
        .append(URLEncoder.encode(key, StandardCharsets.UTF_8)).append('=').append(URLEncoder.encode(value, StandardCharsets.UTF_8)));
    String authorization = basicAuth == null ? null
        : "Basic " + Base64.getEncoder().encodeToString(basicAuth.getBytes(StandardCharsets.UTF_8));
    return send(path, "application/x-www-form-urlencoded", body.toString(), authorization);
  }

  public Answer postJson(String path, String json) throws IOException {
    return send(path, "application/json", json, null);
  }

  /** A JSON post with an access token in the Authorization header. */
  public Answer postJson(String path, String json, String accessToken) throws IOException {
    return send(path, "application/json", json, "Bearer " + accessToken);
  }

  private Answer send(String path, String contentType, String body, String authorization) throws IOException {
    byte[] content = body.getBytes(StandardCharsets.UTF_8);
    StringBuilder head = new StringBuilder()
        .append("POST ").append(path).append(" HTTP/1.1\r\n")
        .append("Host: 127.0.0.1:").append(port).append("\r\n")
        .append("Content-Type: ").append(contentType).append("\r\n")
        .append("Content-Length: ").append(content.length).append("\r\n")
        .append("Connection: close\r\n");
    if (authorization != null) {
      head.append("Authorization: ").append(authorization).append("\r\n");
    }
    head.append("\r\n");
    try (Socket socket = new Socket()) {
      socket.setSoTimeout(20_000);
      socket.bind(new InetSocketAddress(localAddress, 0));
      socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
      OutputStream out = socket.getOutputStream();
      out.write(head.toString().getBytes(StandardCharsets.US_ASCII));
      out.write(content);
      out.flush();
      return parse(readAll(socket.getInputStream()));
    }
  }

  private static byte[] readAll(InputStream in) throws IOException {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    in.transferTo(all);
    return all.toByteArray();
  }

  private static Answer parse(byte[] raw) {
    String text = new String(raw, StandardCharsets.UTF_8);
    int end = text.indexOf("\r\n\r\n");
    if (end < 0) {
      throw new IllegalStateException("no complete HTTP answer: " + text);
    }
    String[] lines = text.substring(0, end).split("\r\n");
    int status = Integer.parseInt(lines[0].split(" ")[1]);
    Map<String, String> headers = new HashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
    }
    return new Answer(status, headers, text.substring(end + 4));
  }
}
