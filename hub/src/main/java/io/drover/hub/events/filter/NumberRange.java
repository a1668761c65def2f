package io.drover.hub.events.filter;

/**
 * {@code range:MIN-MAX}: events whose whole data (spaces around it aside) is a decimal number from MIN
 * to MAX inclusive. Numbers are written {@code [-]digits[.digits]}; MIN may be negative
 * ({@code range:-10-5}, {@code range:-10--5}).
 */
record NumberRange(double min, double max) {

  static NumberRange parse(String text) throws FilterSyntaxException {
    int dash = text.indexOf('-', 1);
    Double min = dash > 0 ? decimal(text, 0, dash) : null;
    Double max = dash > 0 ? decimal(text, dash + 1, text.length()) : null;
    if (min == null || max == null) {
      throw new FilterSyntaxException("range needs two numbers, as in range:20-100");
    }
    if (min > max) {
      throw new FilterSyntaxException("range:" + text + " is empty: its first number must not be larger than its second");
    }
    return new NumberRange(min, max);
  }

  boolean contains(String data) {
    if (data == null) {
      return false;
    }
    int from = 0;
    int to = data.length();
    while (from < to && data.charAt(from) == ' ') {
      from++;
    }
    while (to > from && data.charAt(to - 1) == ' ') {
      to--;
    }
    Double value = decimal(data, from, to);
    return value != null && value >= min && value <= max;
  }

  /** The decimal number {@code text[from, to)} spells, or null when it spells none. */
  static Double decimal(String text, int from, int to) {
    int i = from;
    if (i < to && text.charAt(i) == '-') {
      i++;
    }
    int digits = 0;
    while (i < to && isDigit(text.charAt(i))) {
      i++;
      digits++;
    }
    if (digits == 0) {
      return null;
    }
    if (i < to && text.charAt(i) == '.') {
      i++;
      int fraction = 0;
      while (i < to && isDigit(text.charAt(i))) {
        i++;
        fraction++;
      }
      if (fraction == 0) {
        return null;
      }
    }
    return i == to ? Double.parseDouble(text.substring(from, to)) : null;
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }
}
