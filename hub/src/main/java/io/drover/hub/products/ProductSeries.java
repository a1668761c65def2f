package io.drover.hub.products;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The product-labelled series, bounded: at most {@code metrics.product-labels} products get series of
 * their own ({@code product} = the product's ID), chosen at each {@link #update} as the largest fleets
 * (most devices, then the lowest ID: every hub node, reading the same database, picks the same ones);
 * every other product is summed under {@code product="other"}. A product that leaves the chosen set,
 * deleted or outgrown, has its series removed. A cap of 0 makes no series at all.
 *
 * <ul>
 *   <li>{@code drover_product_events_total{product, outcome}}: {@code accepted} (into the hub's write
 *       queue), {@code written} (committed), {@code dropped} (refused by the hub, whatever the reason);
 *       counted by the hub node that took the event, so summing the nodes counts each event once;</li>
 *   <li>{@code drover_product_devices_online{product}}: devices with a live session on this node (a node
 *       with the gateway role); each session lives on one node, so the sum over nodes is the fleet's;</li>
 *   <li>{@code drover_product{product, slug}}: always 1, names the product for the dashboards.</li>
 * </ul>
 *
 * <p>Threads: {@link #of} is called per event on the events verticle's event loop and only reads a map
 * published whole by {@link #update}, which one refresh at a time calls.
 */
public final class ProductSeries {

  public static final String OTHER = "other";
  private static final Comparator<Product> LARGEST_FLEETS_FIRST =
      Comparator.comparingLong(Product::fleetSize).reversed().thenComparingInt(Product::id);

  private final MeterRegistry registry;
  private final int cap;
  private final boolean countsOnline;
  /** The chosen products' series, replaced whole at each update: the hot path reads it without a lock. */
  private volatile Map<Integer, Series> chosen = Map.of();
  /** Null when the cap is 0. */
  private final Series other;

  /**
   * @param cap {@code metrics.product-labels}: products with series of their own; 0 for no series
   * @param countsOnline whether this node holds device sessions (the gateway role), so reports devices online
   */
  public ProductSeries(MeterRegistry registry, int cap, boolean countsOnline) {
    this.registry = registry;
    this.cap = cap;
    this.countsOnline = countsOnline;
    this.other = cap == 0 ? null : new Series(OTHER, OTHER);
  }

  /** {@code metrics.product-labels=0}: no product series at all. */
  public boolean off() {
    return other == null;
  }

  /** A product the hub knows, as a refresh found it. */
  public record Product(int id, String slug, long fleetSize, long online) {
  }

  /**
   * The series an event of {@code productId} counts in: its own, else {@code other}; null for an
   * event in no product, or when the cap is 0. A lookup, nothing allocated.
   */
  public Series of(Integer productId) {
    if (productId == null || other == null) {
      return null;
    }
    Series series = chosen.get(productId);
    return series == null ? other : series;
  }

  /**
   * Chooses the products with series of their own among {@code products} (every product the database
   * has), removes the series of those no longer chosen, and sets devices online.
   *
   * @param onlineInNoneKnown devices online in a product missing from {@code products} (made or deleted
   *     since it was read): counted under {@code other}
   */
  public synchronized void update(List<Product> products, long onlineInNoneKnown) {
    if (other == null) {
      return;
    }
    List<Product> ranked = new ArrayList<>(products);
    ranked.sort(LARGEST_FLEETS_FIRST);
    Map<Integer, Series> next = new HashMap<>();
    Map<Integer, Series> previous = chosen;
    long otherOnline = onlineInNoneKnown;
    for (int i = 0; i < ranked.size(); i++) {
      Product product = ranked.get(i);
      if (i >= cap) {
        otherOnline += product.online();
        continue;
      }
      Series series = previous.get(product.id());
      if (series != null && !series.slug.equals(product.slug())) {
        // a product's slug does not change today; if it ever does, its name series must follow
        series.remove();
        series = null;
      }
      if (series == null) {
        series = new Series(Integer.toString(product.id()), product.slug());
      }
      series.online.set(product.online());
      next.put(product.id(), series);
    }
    other.online.set(otherOnline);
    chosen = Map.copyOf(next);
    for (Map.Entry<Integer, Series> entry : previous.entrySet()) {
      if (next.get(entry.getKey()) != entry.getValue()) {
        entry.getValue().remove();
      }
    }
  }

  /** The product IDs with series of their own now, for tests and logs. */
  public java.util.Set<Integer> chosen() {
    return chosen.keySet();
  }

  /** One product's series (or {@code other}'s). */
  public final class Series {

    private final String slug;
    private final Counter accepted;
    private final Counter written;
    private final Counter dropped;
    private final AtomicLong online = new AtomicLong();
    private final List<Meter> meters = new ArrayList<>(5);

    private Series(String product, String slug) {
      this.slug = slug;
      accepted = events(product, "accepted");
      written = events(product, "written");
      dropped = events(product, "dropped");
      meters.add(Gauge.builder("drover.product", () -> 1)
          .description("Always 1: names a product with series of its own (its slug), for the dashboards")
          .tags("product", product, "slug", slug)
          .register(registry));
      if (countsOnline) {
        meters.add(Gauge.builder("drover.product.devices.online", online, AtomicLong::get)
            .description("Devices of the product with a live session on this node (other: the products past metrics.product-labels)")
            .tag("product", product)
            .register(registry));
      }
    }

    private Counter events(String product, String outcome) {
      Counter counter = Counter.builder("drover.product.events")
          .description("A product's events the hub accepted, wrote or dropped (other: the products past metrics.product-labels)")
          .tags("product", product, "outcome", outcome)
          .register(registry);
      meters.add(counter);
      return counter;
    }

    public void accepted() {
      accepted.increment();
    }

    public void written() {
      written.increment();
    }

    public void dropped() {
      dropped.increment();
    }

    private void remove() {
      for (Meter meter : meters) {
        registry.remove(meter);
      }
    }
  }
}
