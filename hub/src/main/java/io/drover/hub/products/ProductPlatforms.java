package io.drover.hub.products;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The device types a product can hold (Particle's Device OS platform IDs), by ID and by name. A product
 * holds one device type; the Asset Tracker (26) makes a tracker product.
 */
public final class ProductPlatforms {

  public static final int TRACKER = 26;
  private static final Map<Integer, String> NAMES = new LinkedHashMap<>();

  static {
    NAMES.put(0, "core");
    // Device OS built for Linux: the virtual device (../shared/tools/particle-vdev), a test and development peer
    NAMES.put(3, "gcc");
    NAMES.put(6, "photon");
    NAMES.put(8, "p1");
    NAMES.put(10, "electron");
    NAMES.put(12, "argon");
    NAMES.put(13, "boron");
    NAMES.put(14, "xenon");
    NAMES.put(22, "asom");
    NAMES.put(23, "bsom");
    NAMES.put(25, "b5som");
    NAMES.put(TRACKER, "tracker");
    NAMES.put(32, "p2");
  }

  private ProductPlatforms() {
  }

  /** @return the platform's short name ("bsom"), null when the ID is no known platform */
  public static String name(int platformId) {
    return NAMES.get(platformId);
  }

  /**
   * A platform given as its ID or its name, as a form or JSON sends it: {@code 13}, {@code "13"},
   * {@code "boron"}, {@code "B SoM"}, {@code "Asset Tracker"}.
   *
   * @return null when it names no known platform
   */
  public static Integer parse(Object given) {
    if (given instanceof Number number) {
      return NAMES.containsKey(number.intValue()) && number.doubleValue() == number.intValue() ? number.intValue() : null;
    }
    if (!(given instanceof String text)) {
      return null;
    }
    String key = text.trim().toLowerCase(Locale.ROOT).replaceAll("[\\s_-]+", "");
    if (key.matches("[0-9]{1,4}")) {
      return parse(Integer.parseInt(key));
    }
    if (key.equals("assettracker") || key.equals("trackerone")) {
      return TRACKER;
    }
    if (key.equals("photon2")) {
      return 32;
    }
    for (Map.Entry<Integer, String> entry : NAMES.entrySet()) {
      if (entry.getValue().equals(key)) {
        return entry.getKey();
      }
    }
    return null;
  }

  /** "standard" or "tracker", the products.type of a product of this platform. */
  public static String productType(int platformId) {
    return platformId == TRACKER ? "tracker" : "standard";
  }

  /** Every known platform, ID to name, in ID order (the Console's device type select). */
  public static Map<Integer, String> all() {
    return java.util.Collections.unmodifiableMap(NAMES);
  }
}
