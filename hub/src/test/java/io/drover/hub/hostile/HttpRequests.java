package io.drover.hub.hostile;

import io.drover.gateway.hostile.gen.Gen;
import io.drover.gateway.hostile.gen.Gens;
import java.io.ByteArrayOutputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * HTTP/1.1 requests against the node's routes (RFC 9112), as a hostile client could send them: the
 * route's method or another, path parameters that are real IDs or huge, Unicode, {@code ../},
 * {@code %00}, malformed escapes; generated query strings; headers with lying Content-Types, huge
 * values, bad Authorization schemes, duplicates; and bodies of JSON of random shape and depth, cut
 * short or nested past any parser's limit, forms, multipart with wrong boundaries, binary, too large.
 * Some break HTTP's own syntax on purpose ({@link HttpCase#malformed}).
 */
final class HttpRequests {

  /** Names the API reads from JSON bodies, forms and query strings: a generated value is put under them often. */
  static final List<String> FIELD_NAMES = List.of("access_token", "action", "activation_code", "add", "admin", "args", "arg", "certificate",
      "checksum", "client_id", "client_secret", "code", "current_password", "data", "description", "desired_firmware_version",
      "development", "device", "device_id", "device_ids", "devices", "email", "expires_in", "filter", "fingerprint", "firmware_version",
      "flash", "format", "friendly_name", "functions", "grant_type", "groups", "id", "ids", "last_event_id", "name", "notes", "password",
      "platform_id", "private", "product", "product_id", "public_key", "quantity", "redirect_uri", "refresh_token", "remove", "response_type",
      "role", "scope", "scopes", "search", "settings", "signal", "slug", "state", "status", "title", "token", "ttl", "type", "username",
      "version", "page", "per_page", "limit", "sort", "before", "after", "date_range", "product_default", "unregistered", "groups");

  private HttpRequests() {
  }

  /**
   * What names something real, as the node now has it: path parameters by name, the user's token and the
   * node's. A case holds placeholders for them ({@link #USER_TOKEN}, {@code ${param:name}}), filled when it
   * is sent, so that a case generated before the world was mended still names what exists.
   */
  record World(Map<String, String> parameters, String userToken, String adminToken) {

    String fill(String text) {
      String filled = text.replace(USER_TOKEN, userToken).replace(ADMIN_TOKEN, adminToken);
      for (Map.Entry<String, String> parameter : parameters.entrySet()) {
        filled = filled.replace("${param:" + parameter.getKey() + "}", encode(parameter.getValue()));
      }
      return filled;
    }
  }

  static final String USER_TOKEN = "${user-token}";
  static final String ADMIN_TOKEN = "${admin-token}";

  /** How the body is framed (RFC 9112 section 6). */
  enum Framing {
    /** No body and no framing header. */
    NONE,
    /** Content-Length, true. */
    LENGTH,
    /** Transfer-Encoding: chunked, well-formed. */
    CHUNKED,
    /** Content-Length shorter than the body: the rest reads as the next request. */
    LENGTH_SHORT,
    /** Two Content-Length headers that disagree (RFC 9112 section 6.3: unrecoverable). */
    LENGTH_TWICE,
    /** A chunk size that is no hexadecimal number. */
    CHUNK_BROKEN
  }

  /** One request: what it is for (its route), its request line, headers, body and framing. */
  record HttpCase(String route, String method, String target, String version, List<String> headers, byte[] body, Framing framing,
      boolean malformed) {

    /** The route serves JSON, so its errors must be the API's error JSON: the Console's pages and files aside. */
    boolean apiRoute() {
      return !route.contains("~") && !route.contains("/assets/");
    }

    byte[] bytes(int port, World world) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      write(out, method + " " + world.fill(target) + " " + version + "\r\n");
      write(out, "Host: 127.0.0.1:" + port + "\r\n");
      write(out, "Connection: close\r\n");
      for (String header : headers) {
        write(out, world.fill(header) + "\r\n");
      }
      switch (framing) {
        case NONE -> write(out, "\r\n");
        case LENGTH -> write(out, "Content-Length: " + body.length + "\r\n\r\n");
        case LENGTH_SHORT -> write(out, "Content-Length: " + body.length / 2 + "\r\n\r\n");
        case LENGTH_TWICE -> write(out, "Content-Length: " + body.length + "\r\nContent-Length: " + (body.length + 1) + "\r\n\r\n");
        case CHUNKED, CHUNK_BROKEN -> write(out, "Transfer-Encoding: chunked\r\n\r\n");
        default -> throw new IllegalStateException();
      }
      if (framing == Framing.CHUNKED || framing == Framing.CHUNK_BROKEN) {
        for (int at = 0; at < body.length; at += 1000) {
          int size = Math.min(1000, body.length - at);
          write(out, (framing == Framing.CHUNK_BROKEN && at == 0 ? "zz" : Integer.toHexString(size)) + "\r\n");
          out.write(body, at, size);
          write(out, "\r\n");
        }
        write(out, "0\r\n\r\n");
      } else if (framing != Framing.NONE) {
        out.write(body, 0, body.length);
      }
      return out.toByteArray();
    }

    @Override
    public String toString() {
      String shownTarget = target.length() > 120 ? target.substring(0, 120) + "...(" + target.length() + " chars)" : target;
      List<String> shownHeaders = headers.stream().map(h -> h.length() > 80 ? h.substring(0, 80) + "...(" + h.length() + " chars)" : h).toList();
      String shownBody = new String(body, 0, Math.min(body.length, 120), StandardCharsets.UTF_8).replaceAll("\\p{Cntrl}", "?");
      return "[" + route + "] " + method + " " + shownTarget + " " + version + " " + shownHeaders + " " + framing + " body(" + body.length + "): "
          + shownBody;
    }
  }

  private static void write(ByteArrayOutputStream out, String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    out.write(bytes, 0, bytes.length);
  }

  // --- the requests ---

  /** Requests to {@code routes} ({@code "GET /v1/devices/:device"}), whose parameters of these names may be filled with real values. */
  static Gen<HttpCase> cases(List<String> routes, Set<String> realParameters) {
    // a generator for each route, made here once and drawn from by every case
    Map<String, Gen<HttpCase>> byRoute = new HashMap<>();
    for (String each : routes) {
      byRoute.put(each, forRoute(each, realParameters));
    }
    for (String each : NO_ROUTES) {
      byRoute.put(each, forRoute(each, realParameters));
    }
    return Gens.frequency(Gens.weight(12, Gens.oneOf(routes)), Gens.weight(1, Gens.oneOf(NO_ROUTES))).flatMap(byRoute::get);
  }

  /** Requests no route serves. */
  private static final List<String> NO_ROUTES = List.of("GET /v1/nowhere", "POST /v1/devices/x/y/z", "GET /", "OPTIONS *", "GET //v1//devices",
      "GET /v1/devices/");

  private static Gen<HttpCase> forRoute(String route, Set<String> realParameters) {
    String routeMethod = route.substring(0, route.indexOf(' '));
    String template = route.substring(route.indexOf(' ') + 1);
    Gen<RequestLine> line = Gens.combine(method(routeMethod), path(template, realParameters), query(), version(),
        (m, p, q, v) -> new RequestLine(m.text(), p.text() + q.text(), v.text(), m.malformed() || p.malformed() || q.malformed() || v.malformed()));
    return Gens.combine(line, authorization(), content(), extraHeaders(),
        (l, auth, body, extra) -> {
          List<String> headers = new ArrayList<>(auth);
          headers.addAll(body.headers());
          headers.addAll(extra.lines());
          boolean malformed = l.malformed() || body.framing() == Framing.LENGTH_TWICE || body.framing() == Framing.CHUNK_BROKEN || extra.malformed();
          return new HttpCase(route, l.method(), l.target(), l.version(), List.copyOf(headers), body.bytes(), body.framing(), malformed);
        });
  }

  /** A piece of a request line: its text, and whether it breaks HTTP's syntax. */
  private record Part(String text, boolean malformed) {

    static Part of(String text) {
      return new Part(text, false);
    }
  }

  private record RequestLine(String method, String target, String version, boolean malformed) {
  }

  private static Gen<Part> method(String routeMethod) {
    String method = routeMethod.equals("ANY") ? "GET" : routeMethod;
    return Gens.frequency(
        Gens.weight(12, Gens.constant(Part.of(method))),
        Gens.weight(3, Gens.oneOf("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS").map(Part::of)),
        Gens.weight(1, Gens.oneOf("get", "FOO", "CONNECT", "TRACE", "PRI").map(Part::of)),
        Gens.weight(1, Gens.oneOf("G\u0000T", "", "GET GET", "\u00e9").map(text -> new Part(text, true))));
  }

  private static Gen<Part> version() {
    return Gens.frequency(
        Gens.weight(20, Gens.constant(Part.of("HTTP/1.1"))),
        Gens.weight(1, Gens.constant(Part.of("HTTP/1.0"))),
        Gens.weight(1, Gens.oneOf("HTTP/2.0", "HTTP/9.9", "HTTP/1.1x", "http/1.1", "").map(text -> new Part(text, true))));
  }

  /** The route's path with each parameter filled: a real value mostly, else a hostile one. */
  private static Gen<Part> path(String template, Set<String> world) {
    if (template.startsWith("~")) {
      return Gens.frequency(
          Gens.weight(3, Gens.oneOf("/login", "/signup", "/events", "/devices", "/oauth/authorize", "/verify-email", "/products/1/devices/x")
              .map(Part::of)),
          Gens.weight(1, segment(world, "page").map(value -> new Part("/devices/" + value.text(), value.malformed()))));
    }
    if (template.equals("*")) {
      return Gens.constant(Part.of("*"));
    }
    String[] segments = template.split("/", -1);
    List<Gen<Part>> parts = new ArrayList<>();
    for (int i = 1; i < segments.length; i++) {
      String segment = segments[i];
      if (segment.startsWith(":")) {
        parts.add(segment(world, segment.substring(1)));
      } else if (segment.isEmpty() && i == segments.length - 1 && template.length() > 1) {
        parts.add(segment(world, "file")); // a route that ends in '/' takes any name below it
      } else {
        parts.add(Gens.constant(Part.of(segment)));
      }
    }
    if (parts.isEmpty()) {
      return Gens.constant(Part.of("/"));
    }
    return Gens.all(parts).map(list -> {
      StringBuilder path = new StringBuilder();
      boolean malformed = false;
      for (Part part : list) {
        path.append('/').append(part.text());
        malformed |= part.malformed();
      }
      return new Part(path.toString(), malformed);
    });
  }

  /** A path segment: the world's value for the parameter, or a hostile one, encoded or (sometimes) raw. */
  private static Gen<Part> segment(Set<String> world, String parameter) {
    String real = world.contains(parameter) ? "${param:" + parameter + "}" : null;
    Gen<Part> hostile = Gens.frequency(
        Gens.weight(4, hostileText().map(text -> Part.of(encode(text)))),
        Gens.weight(2, Gens.oneOf("..", ".", "%2e%2e", "..%2f..%2fetc%2fpasswd", "%00", "a%00b", "%ZZ", "%", "%c0%ae%c0%ae", "%ff", "~",
            "%2f", "a;b=c").map(Part::of)),
        // raw bytes a client should have escaped: UTF-8, a space, a control character
        Gens.weight(1, Gens.oneOf("\u00fc", "\ud83d\ude00", "a b", "a\tb", "a\"b", "<x>").map(text -> new Part(text, text.contains(" ")
            || text.contains("\t")))));
    if (real == null) {
      return hostile;
    }
    return Gens.frequency(Gens.weight(3, Gens.constant(Part.of(real))), Gens.weight(2, hostile));
  }

  private static Gen<String> hostileText() {
    return Gens.frequency(
        Gens.weight(3, Gens.strings(0, 30)),
        Gens.weight(2, Gens.oneOf("", " ", "null", "-1", "0", "1e99", "99999999999999999999", "1.5", "NaN", "true", "' OR '1'='1",
            "<script>", "a/b", "\u0000", "\u202e", "0123456789abcdef01234567", "\ud83d\ude00")),
        Gens.weight(1, Gens.ints(300, 6000).map("a"::repeat)));
  }

  private static String encode(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** None mostly; else pairs of the API's names and other keys, with plausible or hostile values, some repeated or malformed. */
  private static Gen<Part> query() {
    Gen<String> key = Gens.frequency(Gens.weight(3, Gens.oneOf(FIELD_NAMES)), Gens.weight(1, Gens.strings(0, 10)));
    Gen<String> pair = Gens.combine(key, hostileText(), (k, v) -> encode(k) + "=" + encode(v));
    return Gens.frequency(
        Gens.weight(4, Gens.constant(Part.of(""))),
        Gens.weight(3, pair.list(1, 5).map(pairs -> Part.of("?" + String.join("&", pairs)))),
        Gens.weight(1, Gens.oneOf("?", "?&&&", "?=", "?a=%ZZ", "?%", "?a=1&a=2&a=3", "?page=-1&per_page=100000000", "?a[b]=c",
            "?" + "x=1&".repeat(2000)).map(Part::of)));
  }

  /** The Authorization header (RFC 9110 section 11.6.2): a real token mostly, else none, another scheme, a malformed one, two. */
  private static Gen<List<String>> authorization() {
    return Gens.frequency(
        Gens.weight(5, Gens.constant(List.of("Authorization: Bearer " + USER_TOKEN))),
        Gens.weight(2, Gens.constant(List.of("Authorization: Bearer " + ADMIN_TOKEN))),
        Gens.weight(3, Gens.constant(List.<String>of())),
        Gens.weight(2, Gens.oneOf(
            "Authorization: Bearer",
            "Authorization: Bearer ",
            "Authorization: bearer " + USER_TOKEN,
            "Authorization: Bearer " + "x".repeat(5000),
            "Authorization: Bearer \u00e9\u00e9",
            "Authorization: Basic !!!",
            "Authorization: Basic " + Base64.getEncoder().encodeToString(":".getBytes(StandardCharsets.US_ASCII)),
            "Authorization: Basic " + Base64.getEncoder().encodeToString("particle-api:particle-api".getBytes(StandardCharsets.US_ASCII)),
            "Authorization: Digest username=\"a\"",
            "Authorization: Bearer " + USER_TOKEN + " extra",
            "Authorization:").map(List::of)),
        Gens.weight(1, Gens.constant(List.of("Authorization: Bearer " + USER_TOKEN, "Authorization: Bearer someone-else"))));
  }

  /** Headers beyond the request's own: none mostly; else a huge one, very many, odd ones, one with a broken name. */
  private record Extra(List<String> lines, boolean malformed) {
  }

  private static Gen<Extra> extraHeaders() {
    return Gens.frequency(
        Gens.weight(8, Gens.constant(new Extra(List.of(), false))),
        Gens.weight(1, Gens.ints(100, 20_000).map(n -> new Extra(List.of("X-Huge: " + "h".repeat(n)), false))),
        Gens.weight(1, Gens.ints(50, 300).map(n -> {
          List<String> many = new ArrayList<>();
          for (int i = 0; i < n; i++) {
            many.add("X-Many-" + i + ": " + i);
          }
          return new Extra(many, false);
        })),
        Gens.weight(2, Gens.oneOf("Accept: */*;q=abc", "Accept: application/json", "Expect: 100-continue", "If-None-Match: *",
            "X-Forwarded-For: ::1, garbage", "Origin: null", "Cookie: " + "c=1; ".repeat(500), "Content-Encoding: gzip", "Range: bytes=9-1",
            "Accept-Language: \u00e9").map(line -> new Extra(List.of(line), false))),
        Gens.weight(1, Gens.oneOf("Bad Header: x", "X-Ctl: a\u0001b", ": empty-name", "X-No-Colon").map(line -> new Extra(List.of(line), true))));
  }

  // --- bodies ---

  /** A body, its headers (Content-Type, true or a lie) and its framing. */
  private record Content(List<String> headers, byte[] bytes, Framing framing) {
  }

  private record Body(String contentType, byte[] bytes) {
  }

  private static Gen<Content> content() {
    Gen<Body> body = Gens.frequency(
        Gens.weight(6, json().map(text -> new Body("application/json", utf8(text)))),
        Gens.weight(1, Gens.combine(json(), Gens.doubles(0, 1),
            (text, cut) -> new Body("application/json", utf8(text.substring(0, (int) (cut * text.length())))))),
        Gens.weight(1, Gens.combine(Gens.oneOf(1_001, 5_000), Gens.oneOf("[", "{\"a\":"), (depth, open) -> new Body("application/json",
            utf8(open.repeat(depth) + "1" + (open.equals("[") ? "]" : "}").repeat(depth))))),
        Gens.weight(1, Gens.oneOf("{\"ttl\":1e999999}", "{\"id\":123456789012345678901234567890}", "{\"name\":\"\\u0000\"}",
            "{\"name\":\"\\ud800\"}", "{\"a\":NaN}", "{\"a\":1,\"a\":2}", "[]", "null", "\"x\"", "{}", "{\"scopes\":[[[]]]}").map(text ->
            new Body("application/json", utf8(text)))),
        Gens.weight(2, form().map(text -> new Body("application/x-www-form-urlencoded", utf8(text)))),
        Gens.weight(1, multipart()),
        Gens.weight(1, Gens.bytes(0, 2000).map(bytes -> new Body("application/octet-stream", bytes))),
        Gens.weight(1, Gens.ints(60_000, 70_000).map(n -> new Body("application/json", utf8("{\"data\":\"" + "d".repeat(n) + "\"}")))));
    Gen<String> lie = Gens.oneOf("application/json", "application/x-www-form-urlencoded", "multipart/form-data",
        "multipart/form-data; boundary=", "text/plain", "application/json; charset=ebcdic", "a/b;;;", "", "application/json, text/html");
    Gen<Framing> framing = Gens.frequency(
        Gens.weight(12, Gens.constant(Framing.LENGTH)),
        Gens.weight(2, Gens.constant(Framing.CHUNKED)),
        Gens.weight(1, Gens.oneOf(Framing.LENGTH_SHORT, Framing.LENGTH_TWICE, Framing.CHUNK_BROKEN)));
    Gen<Content> withBody = Gens.combine(body, Gens.frequency(
            Gens.weight(5, Gens.constant("")), Gens.weight(1, lie)), framing, Gens.frequency(
            Gens.weight(8, Gens.constant(false)), Gens.weight(1, Gens.constant(true))),
        (b, lying, f, twice) -> {
          List<String> headers = new ArrayList<>();
          headers.add("Content-Type: " + (lying.isEmpty() ? b.contentType() : lying));
          if (twice) {
            headers.add("Content-Type: text/plain");
          }
          return new Content(headers, b.bytes(), f);
        });
    return Gens.frequency(
        Gens.weight(2, Gens.constant(new Content(List.of(), new byte[0], Framing.NONE))),
        Gens.weight(5, withBody));
  }

  /** JSON of random shape: objects mostly under the API's field names, arrays, strings, numbers, booleans, null; four levels at most. */
  static Gen<String> json() {
    return Gens.recursive(scalar(), HttpRequests::container, 0, 4);
  }

  private static Gen<String> scalar() {
    return Gens.frequency(
        Gens.weight(3, hostileText().map(HttpRequests::quote)),
        Gens.weight(2, Gens.ints().map(String::valueOf)),
        Gens.weight(1, Gens.oneOf("true", "false", "null", "0", "-0", "1.5e308", "-1", "4294967296", "0.0000001")));
  }

  private static Gen<String> container(Gen<String> inner) {
    Gen<String> key = Gens.frequency(Gens.weight(4, Gens.oneOf(FIELD_NAMES)), Gens.weight(1, Gens.strings(0, 8)));
    Gen<String> object = Gens.combine(key, inner, (k, v) -> quote(k) + ":" + v).list(0, 5)
        .map(members -> "{" + String.join(",", members) + "}");
    Gen<String> array = inner.list(0, 5).map(items -> "[" + String.join(",", items) + "]");
    return Gens.frequency(Gens.weight(3, object), Gens.weight(1, array), Gens.weight(1, inner));
  }

  private static String quote(String text) {
    StringBuilder out = new StringBuilder("\"");
    for (char c : text.toCharArray()) {
      if (c == '"' || c == '\\') {
        out.append('\\').append(c);
      } else if (c < 0x20) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.append('"').toString();
  }

  private static Gen<String> form() {
    Gen<String> pair = Gens.combine(Gens.oneOf(FIELD_NAMES), hostileText(), (k, v) -> encode(k) + "=" + encode(v));
    return Gens.frequency(
        Gens.weight(4, pair.list(0, 6).map(pairs -> String.join("&", pairs))),
        Gens.weight(1, Gens.oneOf("=", "&&", "%", "a=%ZZ", "grant_type=password&username=&password=", "a=1&a=2", "%00=%00")));
  }

  private static Gen<Body> multipart() {
    return Gens.combine(Gens.oneOf(FIELD_NAMES), hostileText(), Gens.oneOf("right", "wrong", "unclosed", "none"),
        (name, value, kind) -> {
          String boundary = "b0undary";
          String part = "--" + (kind.equals("wrong") ? "other" : boundary) + "\r\nContent-Disposition: form-data; name=\"" + name
              + "\"; filename=\"f.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n" + value + "\r\n"
              + (kind.equals("unclosed") ? "" : "--" + boundary + "--\r\n");
          String type = kind.equals("none") ? "multipart/form-data" : "multipart/form-data; boundary=" + boundary;
          return new Body(type, utf8(part));
        });
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
