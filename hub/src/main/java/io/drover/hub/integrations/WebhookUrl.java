package io.drover.hub.integrations;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;

/**
 * A webhook's target URL as far as it can be known before any event fills its template: the scheme
 * must be http or https, the authority must carry no credentials (they would be stored and shown
 * unsealed: {@code auth} is the place for them), and the host is an IP literal, a name, or a template
 * ({@code https://{{{host}}}/x}), which only the delivery engine can check, once rendered.
 *
 * <p>A host that looks numeric but is no dotted quad ({@code 127.1}, {@code 2130706433},
 * {@code 0x7f.0.0.1}) is refused: resolvers read such forms differently, and they are the classic way
 * around an address check.
 *
 * @param host the host as written, lower case, without IPv6 brackets; null when templated
 * @param literal the host's address when it is an IP literal; null for a name or a template
 */
record WebhookUrl(boolean https, String host, InetAddress literal, int port) {

  /** @throws io.drover.hub.http.ApiException 400 naming the problem */
  static WebhookUrl parse(String url) {
    String lower = url.toLowerCase(Locale.ROOT);
    boolean https;
    if (lower.startsWith("https://")) {
      https = true;
    } else if (lower.startsWith("http://")) {
      https = false;
    } else {
      throw IntegrationInput.invalid("url must start with http:// or https://");
    }
    int start = https ? 8 : 7;
    int end = start;
    // the authority ends at the first '/', '?' or '#' outside a template tag
    int depth = 0;
    while (end < url.length()) {
      if (url.startsWith("{{", end)) {
        depth++;
        end += 2;
        continue;
      }
      if (url.startsWith("}}", end) && depth > 0) {
        depth--;
        end += 2;
        continue;
      }
      char c = url.charAt(end);
      if (depth == 0 && (c == '/' || c == '?' || c == '#')) {
        break;
      }
      end++;
    }
    String authority = url.substring(start, end);
    if (authority.isEmpty()) {
      throw IntegrationInput.invalid("url has no host");
    }
    if (authority.contains("{{")) {
      if (authority.contains("@")) {
        throw credentials();
      }
      return new WebhookUrl(https, null, null, -1);
    }
    if (authority.indexOf('@') >= 0) {
      throw credentials();
    }
    String host;
    String portText = null;
    if (authority.startsWith("[")) {
      int close = authority.indexOf(']');
      if (close < 0) {
        throw IntegrationInput.invalid("url's IPv6 host has no closing ']'");
      }
      host = authority.substring(1, close);
      String rest = authority.substring(close + 1);
      if (!rest.isEmpty()) {
        if (!rest.startsWith(":")) {
          throw IntegrationInput.invalid("url's host is followed by something other than a port");
        }
        portText = rest.substring(1);
      }
    } else {
      int colon = authority.lastIndexOf(':');
      host = colon < 0 ? authority : authority.substring(0, colon);
      portText = colon < 0 ? null : authority.substring(colon + 1);
    }
    int port = https ? 443 : 80;
    if (portText != null) {
      if (portText.isEmpty() || portText.length() > 5 || !portText.chars().allMatch(c -> c >= '0' && c <= '9')
          || Integer.parseInt(portText) < 1 || Integer.parseInt(portText) > 65535) {
        throw IntegrationInput.invalid("url's port must be a number from 1 to 65535");
      }
      port = Integer.parseInt(portText);
    }
    host = host.toLowerCase(Locale.ROOT);
    if (host.isEmpty()) {
      throw IntegrationInput.invalid("url has no host");
    }
    if (authority.startsWith("[")) {
      return new WebhookUrl(https, host, ipv6(host), port);
    }
    if (host.endsWith(".")) {
      host = host.substring(0, host.length() - 1);
    }
    for (int i = 0; i < host.length(); i++) {
      char c = host.charAt(i);
      if (!(c >= 'a' && c <= 'z') && !(c >= '0' && c <= '9') && c != '-' && c != '.' && c != '_' && c < 0x80) {
        throw IntegrationInput.invalid("url's host holds '" + c + "', which no host name has");
      }
    }
    String lastLabel = host.substring(host.lastIndexOf('.') + 1);
    boolean numeric = !lastLabel.isEmpty() && (lastLabel.chars().allMatch(c -> c >= '0' && c <= '9') || lastLabel.startsWith("0x"));
    if (numeric) {
      return new WebhookUrl(https, host, dottedQuad(host), port);
    }
    return new WebhookUrl(https, host, null, port);
  }

  private static io.drover.hub.http.ApiException credentials() {
    return IntegrationInput.invalid("url must not carry credentials (user:password@): they would be stored unsealed; put them in auth");
  }

  /** Four decimal parts from 0 to 255 without leading zeros, or refused. */
  private static InetAddress dottedQuad(String host) {
    String[] parts = host.split("\\.", -1);
    boolean canonical = parts.length == 4;
    byte[] bytes = new byte[4];
    for (int i = 0; canonical && i < 4; i++) {
      String part = parts[i];
      canonical = !part.isEmpty() && part.length() <= 3 && part.chars().allMatch(c -> c >= '0' && c <= '9')
          && (part.length() == 1 || part.charAt(0) != '0') && Integer.parseInt(part) <= 255;
      if (canonical) {
        bytes[i] = (byte) Integer.parseInt(part);
      }
    }
    if (!canonical) {
      throw IntegrationInput.invalid("url's host " + host + " is neither a name nor an IPv4 address in dotted decimal (a.b.c.d)");
    }
    try {
      return InetAddress.getByAddress(bytes);
    } catch (UnknownHostException impossible) {
      throw new IllegalStateException(impossible);
    }
  }

  private static InetAddress ipv6(String host) {
    if (host.isEmpty() || !host.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == ':' || c == '.') || host.indexOf(':') < 0) {
      throw IntegrationInput.invalid("url's host [" + host + "] is no IPv6 address");
    }
    try {
      // only hexadecimal digits, colons and dots: InetAddress parses the literal and never resolves a name
      return InetAddress.getByName(host);
    } catch (UnknownHostException e) {
      throw IntegrationInput.invalid("url's host [" + host + "] is no IPv6 address");
    }
  }
}
