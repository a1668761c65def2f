package io.drover.hub.products;

import java.text.Normalizer;
import java.util.Locale;
import java.util.regex.Pattern;

/** Product slugs: lower-case letters, digits and dashes, not all digits (those read as product IDs). */
final class Slugs {

  private static final Pattern VALID = Pattern.compile("^[a-z0-9][a-z0-9-]{0,62}$");
  /** Room left for a "-NN" suffix when a slug made from a name is taken. */
  private static final int MADE_MAX = 56;

  private Slugs() {
  }

  static boolean isValid(String slug) {
    return VALID.matcher(slug).matches() && !slug.chars().allMatch(Character::isDigit);
  }

  /** "Smart Lamp (EU)" becomes "smart-lamp-eu"; a name without letters or digits becomes "product". */
  static String fromName(String name) {
    String plain = Normalizer.normalize(name, Normalizer.Form.NFD).replaceAll("\\p{M}", "").toLowerCase(Locale.ROOT);
    String slug = plain.replaceAll("[^a-z0-9]+", "-").replaceAll("^-+|-+$", "");
    if (slug.length() > MADE_MAX) {
      slug = slug.substring(0, MADE_MAX).replaceAll("-+$", "");
    }
    if (slug.isEmpty()) {
      return "product";
    }
    return slug.chars().allMatch(Character::isDigit) ? "product-" + slug : slug;
  }
}
