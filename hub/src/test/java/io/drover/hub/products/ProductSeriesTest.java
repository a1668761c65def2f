package io.drover.hub.products;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.search.RequiredSearch;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class ProductSeriesTest {

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  @Test
  void theCapGivesTheLargestFleetsSeriesOfTheirOwnAndSumsTheRestAsOther() {
    ProductSeries series = new ProductSeries(registry, 2, true);

    series.update(List.of(
        new ProductSeries.Product(11, "small", 1, 1),
        new ProductSeries.Product(12, "large", 50, 7),
        new ProductSeries.Product(13, "middle", 20, 4)), 0);
    series.of(11).accepted();
    series.of(11).written();
    series.of(12).written();

    assertEquals(Set.of("12", "13", "other"), labelled("drover.product.devices.online"));
    assertEquals(Set.of("12", "13", "other"), labelled("drover.product"));
    assertEquals(7, online("12"));
    assertEquals(4, online("13"));
    assertEquals(1, online("other"), "the third product's devices online are summed as other");
    assertEquals(1, events("other", "accepted"));
    assertEquals(1, events("other", "written"));
    assertEquals(1, events("12", "written"));
    assertEquals("large", registry.get("drover.product").tag("product", "12").gauge().getId().getTag("slug"));
  }

  @Test
  void equalFleetsAreChosenByTheLowestIdSoEveryNodeChoosesTheSame() {
    ProductSeries series = new ProductSeries(registry, 1, true);

    series.update(List.of(new ProductSeries.Product(30, "c", 4, 0), new ProductSeries.Product(20, "b", 4, 0)), 0);

    assertEquals(Set.of(20), series.chosen());
  }

  @Test
  void aDeletedProductsSeriesAreRemovedAndItsNextEventsCountAsOther() {
    ProductSeries series = new ProductSeries(registry, 5, true);
    series.update(List.of(new ProductSeries.Product(11, "doomed", 3, 2), new ProductSeries.Product(12, "kept", 1, 1)), 0);
    series.of(11).dropped();
    assertEquals(1, events("11", "dropped"));

    series.update(List.of(new ProductSeries.Product(12, "kept", 1, 1)), 0);
    series.of(11).accepted();

    for (String name : List.of("drover.product", "drover.product.devices.online", "drover.product.events")) {
      assertTrue(registry.find(name).tag("product", "11").meters().isEmpty(), name + " of the deleted product is gone");
    }
    assertEquals(Set.of("12", "other"), labelled("drover.product.devices.online"));
    assertEquals(1, events("other", "accepted"));
  }

  @Test
  void aProductThatStaysKeepsItsCounters() {
    ProductSeries series = new ProductSeries(registry, 5, true);
    series.update(List.of(new ProductSeries.Product(11, "kept", 3, 2)), 0);
    ProductSeries.Series before = series.of(11);
    before.written();

    series.update(List.of(new ProductSeries.Product(11, "kept", 4, 3)), 5);

    assertSame(before, series.of(11));
    assertEquals(1, events("11", "written"));
    assertEquals(3, online("11"));
    assertEquals(5, online("other"), "devices online in a product the refresh did not read count as other");
  }

  @Test
  void aCapOfZeroMakesNoProductSeries() {
    ProductSeries series = new ProductSeries(registry, 0, true);

    series.update(List.of(new ProductSeries.Product(11, "any", 3, 2)), 0);

    assertTrue(series.off());
    assertNull(series.of(11));
    for (Meter meter : registry.getMeters()) {
      assertTrue(!meter.getId().getName().startsWith("drover.product"), meter.getId().toString());
    }
  }

  @Test
  void aNodeWithoutSessionsReportsNoDevicesOnline() {
    ProductSeries series = new ProductSeries(registry, 5, false);

    series.update(List.of(new ProductSeries.Product(11, "hub-only", 3, 0)), 0);

    assertTrue(registry.find("drover.product.devices.online").meters().isEmpty());
    assertEquals(Set.of("11", "other"), labelled("drover.product.events"));
  }

  @Test
  void eventsInNoProductAreNotCounted() {
    ProductSeries series = new ProductSeries(registry, 5, true);

    assertNull(series.of(null));
  }

  private Set<String> labelled(String name) {
    Set<String> products = new TreeSet<>();
    registry.find(name).meters().forEach(meter -> products.add(meter.getId().getTag("product")));
    return products;
  }

  private double online(String product) {
    return registry.get("drover.product.devices.online").tag("product", product).gauge().value();
  }

  private double events(String product, String outcome) {
    RequiredSearch search = registry.get("drover.product.events").tags("product", product, "outcome", outcome);
    return search.counter().count();
  }
}
