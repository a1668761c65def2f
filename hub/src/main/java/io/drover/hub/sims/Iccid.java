package io.drover.hub.sims;

/**
 * An ICCID as Particle checks one (ITU-T E.118): 19 or 20 decimal digits, the last a Luhn check digit
 * over the others. Spaces and dashes a label prints between groups are dropped; nothing else is.
 */
public final class Iccid {

  private Iccid() {
  }

  /** @return the digits of a valid ICCID, or null when {@code given} is not one (see {@link #problem}) */
  public static String normalize(String given) {
    String digits = strip(given);
    return digits != null && problem(digits) == null ? digits : null;
  }

  /** @return why {@code given} is no ICCID ("length", "digits", "check_digit"), or null when it is one */
  public static String problem(String given) {
    String digits = strip(given);
    if (digits == null) {
      return "digits";
    }
    if (digits.length() < 19 || digits.length() > 20) {
      return "length";
    }
    return luhnValid(digits) ? null : "check_digit";
  }

  /** The human sentence for a {@link #problem}. */
  public static String describe(String problem) {
    return switch (problem) {
      case "length" -> "an ICCID has 19 or 20 digits";
      case "check_digit" -> "the last digit is not the ICCID's Luhn check digit";
      default -> "an ICCID holds only digits";
    };
  }

  /** Digits only, with the spaces and dashes of a printed label removed; null when anything else is in it. */
  private static String strip(String given) {
    if (given == null) {
      return null;
    }
    StringBuilder digits = new StringBuilder(20);
    for (int i = 0; i < given.length(); i++) {
      char c = given.charAt(i);
      if (c >= '0' && c <= '9') {
        digits.append(c);
        if (digits.length() > 22) {
          return digits.toString();
        }
      } else if (c != ' ' && c != '-') {
        return null;
      }
    }
    return digits.length() == 0 ? null : digits.toString();
  }

  /** ISO/IEC 7812-1 annex B: from the right, every second digit doubled (less 9 past 9); the sum is a multiple of 10. */
  static boolean luhnValid(String digits) {
    int sum = 0;
    boolean doubled = false;
    for (int i = digits.length() - 1; i >= 0; i--) {
      int d = digits.charAt(i) - '0';
      if (doubled) {
        d *= 2;
        if (d > 9) {
          d -= 9;
        }
      }
      sum += d;
      doubled = !doubled;
    }
    return sum % 10 == 0;
  }

  /** The Luhn check digit for {@code body} (the ICCID without its last digit). */
  static char checkDigit(String body) {
    for (char c = '0'; c <= '9'; c++) {
      if (luhnValid(body + c)) {
        return c;
      }
    }
    throw new IllegalStateException("no check digit");
  }
}
