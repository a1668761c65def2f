package io.drover.hub.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a node runs. The hub keeps the fleet (API, Console, database, event storage); the gateway
 * terminates device sessions and speaks to the hub only over the event bus. One machine runs both.
 */
public record NodeRoles(boolean hub, boolean gateway) {

  public static final NodeRoles BOTH = new NodeRoles(true, true);

  /** @return null unless {@code text} is "hub", "gateway" or both, separated by a comma */
  public static NodeRoles parse(String text) {
    boolean hub = false;
    boolean gateway = false;
    for (String part : text.split(",")) {
      switch (part.trim().toLowerCase(Locale.ROOT)) {
        case "hub" -> hub = true;
        case "gateway" -> gateway = true;
        default -> {
          return null;
        }
      }
    }
    return hub || gateway ? new NodeRoles(hub, gateway) : null;
  }

  /** {@code "hub,gateway"}, as a member attribute and on /health. */
  @Override
  public String toString() {
    List<String> names = new ArrayList<>(2);
    if (hub) {
      names.add("hub");
    }
    if (gateway) {
      names.add("gateway");
    }
    return String.join(",", names);
  }
}
