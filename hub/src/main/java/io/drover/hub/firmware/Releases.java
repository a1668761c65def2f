package io.drover.hub.firmware;

import java.util.HashMap;
import java.util.Map;

/**
 * A product's releases at one moment: the default release, the version released to each group, and
 * the staged rollout gating the newest of them, if any.
 * Immutable, swapped whole when a release changes, so a handshake reads one consistent set.
 *
 * @param productDefault the default release's version, or 0 when there is none
 */
public record Releases(int productDefault, Map<String, Integer> byGroup, Rollout rollout) {

  public static final Releases NONE = new Releases(0, Map.of());

  public Releases {
    byGroup = Map.copyOf(byGroup);
  }

  /** Releases with no staged rollout gating them. */
  public Releases(int productDefault, Map<String, Integer> byGroup) {
    this(productDefault, byGroup, null);
  }

  /**
   * The releases after {@code PUT .../firmware/release {version, product_default, groups}}: the
   * version becomes (or stops being) the default, and is released to exactly {@code groups} (groups
   * listed lose what they had; groups not listed lose this version). A plain release ends any
   * staged rollout.
   */
  public Releases with(int version, boolean asDefault, Iterable<String> groups) {
    Map<String, Integer> next = new HashMap<>();
    byGroup.forEach((group, released) -> {
      if (released != version) {
        next.put(group, released);
      }
    });
    for (String group : groups) {
      next.put(group, version);
    }
    int nextDefault = asDefault ? version : productDefault == version ? 0 : productDefault;
    return new Releases(nextDefault, next);
  }

  public int releasedTo(String group) {
    Integer version = byGroup.get(group);
    return version == null ? 0 : version;
  }
}
