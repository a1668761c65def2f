package io.drover.hub.billing;

import java.time.YearMonth;

/**
 * The checks a card number and expiry pass before they are sent to a gateway (the Console runs the same
 * in JavaScript, lib/card.js): digits only once spaces and dashes are gone, 12 to 19 of them, the Luhn
 * checksum (ISO/IEC 7812-1 annex B), and an expiry month that has not ended.
 */
public final class CardCheck {

  private CardCheck() {
  }

  /** The digits of {@code number} without spaces or dashes; null when anything else is in it. */
  public static String digits(String number) {
    if (number == null) {
      return null;
    }
    StringBuilder digits = new StringBuilder(19);
    for (int i = 0; i < number.length(); i++) {
      char c = number.charAt(i);
      if (c >= '0' && c <= '9') {
        digits.append(c);
      } else if (c != ' ' && c != '-') {
        return null;
      }
    }
    return digits.toString();
  }

  /** ISO/IEC 7812-1 annex B: doubling every second digit from the right, the sum ends in 0. */
  public static boolean luhn(String digits) {
    int sum = 0;
    boolean twice = false;
    for (int i = digits.length() - 1; i >= 0; i--) {
      int d = digits.charAt(i) - '0';
      if (twice) {
        d *= 2;
        if (d > 9) {
          d -= 9;
        }
      }
      sum += d;
      twice = !twice;
    }
    return sum % 10 == 0;
  }

  /** A card is valid through the last day of its expiry month. */
  public static boolean expired(int month, int year, YearMonth now) {
    return YearMonth.of(year, month).isBefore(now);
  }

  /** The brand by the number's issuer prefix (IIN ranges of the four networks cards here mostly have). */
  public static String brand(String digits) {
    if (digits.startsWith("4")) {
      return "Visa";
    }
    int two = digits.length() >= 2 ? Integer.parseInt(digits.substring(0, 2)) : 0;
    int four = digits.length() >= 4 ? Integer.parseInt(digits.substring(0, 4)) : 0;
    if ((two >= 51 && two <= 55) || (four >= 2221 && four <= 2720)) {
      return "MasterCard";
    }
    if (two == 34 || two == 37) {
      return "American Express";
    }
    if (digits.startsWith("6011") || digits.startsWith("65")) {
      return "Discover";
    }
    return "Unknown";
  }

  /**
   * Why the card may not be sent, or null when it may.
   *
   * @param now the current month (UTC), from the caller's clock
   */
  public static String problem(String number, int month, int year, YearMonth now) {
    String digits = digits(number);
    if (digits == null || digits.length() < 12 || digits.length() > 19) {
      return "The card number must be 12 to 19 digits";
    }
    if (!luhn(digits)) {
      return "The card number is not valid (its check digit is wrong)";
    }
    if (month < 1 || month > 12) {
      return "The expiry month must be from 1 to 12";
    }
    if (year < 2000 || year > 9999) {
      return "The expiry year must have four digits";
    }
    if (expired(month, year, now)) {
      return "The card expired at the end of " + YearMonth.of(year, month);
    }
    return null;
  }
}
