package io.drover.gateway.log;

/**
 * Text a device chose (a client identifier, a PSK identity, a topic, an event name, a certificate's
 * subject, a firmware error), made safe for a log line: control characters are escaped, so a device
 * cannot end the line and forge the next one (CWE-117), and the length is capped, so it cannot fill the
 * log either. A backslash is escaped too, so that an escape in the log always means the device sent the
 * character it stands for.
 */
public final class LogText {

  /** Characters of device text a log line keeps; more are cut and counted. */
  public static final int MAX_LENGTH = 128;

  private LogText() {
  }

  /**
   * @return {@code text} with {@code \n}, {@code \r}, {@code \t} and {@code \\} written as such, every other
   *     C0 or C1 control character, DEL and the Unicode line and paragraph separators as {@code \}{@code uXXXX},
   *     cut after {@link #MAX_LENGTH} characters with the number cut; null stays null
   */
  public static String untrusted(String text) {
    if (text == null) {
      return null;
    }
    int length = Math.min(text.length(), MAX_LENGTH);
    int i = 0;
    while (i < length && !needsEscape(text.charAt(i))) {
      i++;
    }
    if (i == text.length()) {
      return text;
    }
    StringBuilder safe = new StringBuilder(length + 16).append(text, 0, i);
    for (; i < length; i++) {
      char c = text.charAt(i);
      switch (c) {
        case '\n' -> safe.append("\\n");
        case '\r' -> safe.append("\\r");
        case '\t' -> safe.append("\\t");
        case '\\' -> safe.append("\\\\");
        default -> {
          if (needsEscape(c)) {
            safe.append(String.format("\\u%04x", (int) c));
          } else {
            safe.append(c);
          }
        }
      }
    }
    if (text.length() > length) {
      safe.append("...(").append(text.length() - length).append(" more)");
    }
    return safe.toString();
  }

  private static boolean needsEscape(char c) {
    return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == '\\' || c == '\u2028' || c == '\u2029';
  }
}
