package io.drover.hub.events.filter;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits filter text into words: ASCII white space separates them, except inside double quotes, which are
 * dropped ({@code data:"door open"} is one word, {@code data:door open}). No regex: a filter is short,
 * but it is parsed on every stream open.
 */
final class FilterTokens {

  private FilterTokens() {
  }

  static List<String> split(String text) throws FilterSyntaxException {
    List<String> words = new ArrayList<>();
    StringBuilder word = new StringBuilder();
    boolean inWord = false;
    boolean quoted = false;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '"') {
        quoted = !quoted;
        inWord = true;
      } else if (!quoted && isSpace(c)) {
        if (inWord) {
          words.add(word.toString());
          word.setLength(0);
          inWord = false;
        }
      } else {
        word.append(c);
        inWord = true;
      }
    }
    if (quoted) {
      throw new FilterSyntaxException("A quote is not closed: end it with \"");
    }
    if (inWord) {
      words.add(word.toString());
    }
    return words;
  }

  /** ASCII white space only, spelled out so that the Console's tokenizer can say exactly the same. */
  private static boolean isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == 0x0b;
  }
}
