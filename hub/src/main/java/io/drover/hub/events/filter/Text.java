package io.drover.hub.events.filter;

/** Case-insensitive search without allocating: the hot path runs it per event and stream. */
final class Text {

  private Text() {
  }

  /** Whether {@code haystack} holds {@code needle}, ignoring case; a null haystack holds nothing. */
  static boolean contains(String haystack, String needle) {
    if (haystack == null) {
      return false;
    }
    int last = haystack.length() - needle.length();
    for (int i = 0; i <= last; i++) {
      if (haystack.regionMatches(true, i, needle, 0, needle.length())) {
        return true;
      }
    }
    return false;
  }

  static boolean equals(String value, String expected) {
    return value != null && value.equalsIgnoreCase(expected);
  }
}
