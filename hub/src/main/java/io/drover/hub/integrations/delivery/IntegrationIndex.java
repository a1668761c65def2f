package io.drover.hub.integrations.delivery;

import io.drover.hub.events.LiveEvent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Every integration of the cluster, in memory on each hub node, so that matching an event costs no SQL:
 * loaded at start, then one row reloaded at each {@code hub.integrations.changed}. Read on the events
 * verticle's event loop at every accepted event, written on the delivery verticle's when a row
 * changes: the maps are immutable snapshots swapped whole (changes are rare, reads are many), so a
 * reader never locks and never sees half a change.
 *
 * <p>Scope (Particle's rule, docs {@code webhooks.md}, "Sequence of events"): a sandbox integration
 * hears the events of its account's devices, product devices claimed to the account included, and
 * those the account publishes itself through the API (with Particle a {@code particle publish} is the
 * usual way to try a webhook); a product integration hears every device of the product's fleet. An
 * event whose name starts with {@code hook-} never triggers one (a hook's answers would trigger it
 * again). A disabled integration that matches is counted as skipped and gets no outbox row.
 */
public final class IntegrationIndex {

  private static final Integration[] NONE = new Integration[0];

  private volatile Snapshot snapshot = new Snapshot(Map.of(), Map.of(), Map.of());
  private final DeliveryCounts counts;

  IntegrationIndex(DeliveryCounts counts) {
    this.counts = counts;
  }

  /**
   * The ids of the enabled integrations {@code event} triggers, null when none. Called on the events
   * verticle's event loop for each accepted event: no allocation when nothing matches.
   */
  public String[] match(LiveEvent event) {
    String name = event.event().name();
    if (name.startsWith("hook-")) {
      return null;
    }
    Snapshot current = snapshot;
    if (current.byId.isEmpty()) {
      return null;
    }
    String device = event.event().deviceId();
    Integration[] sandbox = event.ownerId() == null ? NONE : current.byUser.getOrDefault(event.ownerId(), NONE);
    Integration[] product = event.productId() == null ? NONE : current.byProduct.getOrDefault(event.productId(), NONE);
    int matched = 0;
    for (Integration integration : sandbox) {
      matched += accepts(integration, device, name) ? 1 : 0;
    }
    for (Integration integration : product) {
      matched += accepts(integration, device, name) ? 1 : 0;
    }
    if (matched == 0) {
      return null;
    }
    String[] ids = new String[matched];
    int i = 0;
    for (Integration integration : sandbox) {
      if (integration.matches(device, name) && !integration.disabled()) {
        ids[i++] = integration.id();
      }
    }
    for (Integration integration : product) {
      if (integration.matches(device, name) && !integration.disabled()) {
        ids[i++] = integration.id();
      }
    }
    return ids;
  }

  /** Whether it is to be delivered; a disabled one that matches is counted as skipped. */
  private boolean accepts(Integration integration, String device, String name) {
    if (!integration.matches(device, name)) {
      return false;
    }
    if (integration.disabled()) {
      counts.skipped(integration.id());
      return false;
    }
    return true;
  }

  Integration get(String id) {
    return snapshot.byId.get(id);
  }

  int size() {
    return snapshot.byId.size();
  }

  /** Replaces everything (at start). Called on the delivery verticle's event loop. */
  void replaceAll(List<Integration> all) {
    Map<String, Integration> byId = new HashMap<>();
    for (Integration integration : all) {
      byId.put(integration.id(), integration);
    }
    snapshot = Snapshot.of(byId);
  }

  /** One row changed: {@code integration} null when it was deleted. Called on the delivery verticle's event loop. */
  void put(String id, Integration integration) {
    Map<String, Integration> byId = new HashMap<>(snapshot.byId);
    if (integration == null) {
      byId.remove(id);
    } else {
      byId.put(id, integration);
    }
    snapshot = Snapshot.of(byId);
  }

  /**
   * An owner's integrations replaced by {@code now} (none: the owner was deleted and its rows cascaded).
   * Called on the delivery verticle's event loop.
   */
  void putOwner(Long userId, Integer productId, List<Integration> now) {
    Map<String, Integration> byId = new HashMap<>(snapshot.byId);
    byId.values().removeIf(integration -> userId != null ? userId.equals(integration.userId()) : productId.equals(integration.productId()));
    for (Integration integration : now) {
      byId.put(integration.id(), integration);
    }
    snapshot = Snapshot.of(byId);
  }

  private record Snapshot(Map<String, Integration> byId, Map<Long, Integration[]> byUser, Map<Integer, Integration[]> byProduct) {

    static Snapshot of(Map<String, Integration> byId) {
      Map<Long, List<Integration>> users = new HashMap<>();
      Map<Integer, List<Integration>> products = new HashMap<>();
      for (Integration integration : byId.values()) {
        if (integration.userId() != null) {
          users.computeIfAbsent(integration.userId(), k -> new ArrayList<>()).add(integration);
        } else if (integration.productId() != null) {
          products.computeIfAbsent(integration.productId(), k -> new ArrayList<>()).add(integration);
        }
      }
      Map<Long, Integration[]> byUser = new HashMap<>();
      users.forEach((user, list) -> byUser.put(user, list.toArray(NONE)));
      Map<Integer, Integration[]> byProduct = new HashMap<>();
      products.forEach((product, list) -> byProduct.put(product, list.toArray(NONE)));
      return new Snapshot(Map.copyOf(byId), byUser, byProduct);
    }
  }
}
