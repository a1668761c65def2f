package io.drover.hub.ops;

import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The metric names a PromQL expression reads, found by a tokenizer (Debian's Prometheus 2.42 has no
 * {@code /api/v1/parse_query}): string literals, label matchers in braces, ranges in brackets and the
 * label lists of {@code by}, {@code without}, {@code on}, {@code ignoring}, {@code group_left} and
 * {@code group_right} are removed; then every identifier not followed by {@code (} that is not a
 * keyword is a metric name. Numbers and durations ({@code 5m}, {@code 1e3}, {@code 0.99}) are skipped.
 */
final class PromQlNames {

  private static final Set<String> KEYWORDS = Set.of(
      "and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right", "offset", "bool",
      "inf", "nan", "atan2");

  private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`");
  private static final Pattern BRACES = Pattern.compile("\\{[^{}]*}");
  private static final Pattern BRACKETS = Pattern.compile("\\[[^\\[\\]]*]");
  private static final Pattern LABEL_LIST = Pattern.compile(
      "\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^()]*\\)", Pattern.CASE_INSENSITIVE);
  /** A number or duration first (so that the e of 1e3 or the m of 5m is not an identifier), else an identifier. */
  private static final Pattern TOKEN = Pattern.compile("(\\d[\\w.]*|\\.\\d[\\w.]*)|([a-zA-Z_:][a-zA-Z0-9_:]*)(\\s*\\()?");

  private PromQlNames() {
  }

  static Set<String> metricNames(String expression) {
    String rest = STRING.matcher(expression).replaceAll(" ");
    rest = BRACES.matcher(rest).replaceAll(" ");
    rest = BRACKETS.matcher(rest).replaceAll(" ");
    rest = LABEL_LIST.matcher(rest).replaceAll(" ");
    Set<String> names = new LinkedHashSet<>();
    Matcher token = TOKEN.matcher(rest);
    while (token.find()) {
      String identifier = token.group(2);
      boolean call = token.group(3) != null;
      if (identifier != null && !call && !KEYWORDS.contains(identifier.toLowerCase(java.util.Locale.ROOT))) {
        names.add(identifier);
      }
    }
    return names;
  }
}
