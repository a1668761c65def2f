package io.drover.hub.integrations.delivery;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.drover.gateway.contract.DeviceEvent;
import io.drover.hub.events.LiveEvent;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Particle's trigger rules, matched in memory: prefix, scope (account, product), device, hook events, disabled. */
class IntegrationIndexTest {

  private static final String DEVICE = "0123456789abcdef01234567";
  private static final String OTHER = "fedcba9876543210fedcba98";
  private final DeliveryCounts counts = new DeliveryCounts();
  private final IntegrationIndex index = new IntegrationIndex(counts);

  private static Integration integration(String id, Long user, Integer product, String event, String device, boolean disabled) {
    return new Integration(id, user, product, event, device, disabled,
        Webhook.compile(id, new JsonObject().put("url", "https://example.com/"), new JsonObject(), product != null));
  }

  /** The ids matched, in any order (the index keeps no order among an account's integrations). */
  private String[] matched(LiveEvent event) {
    String[] ids = index.match(event);
    if (ids != null) {
      java.util.Arrays.sort(ids);
    }
    return ids;
  }

  private static LiveEvent event(String device, String name, Long owner, Integer product) {
    return new LiveEvent(1, new DeviceEvent(device, name, "1", 0, 60, false), owner, product);
  }

  @Test
  void matchesByCaseSensitivePrefixInTheEventsAccountAndProduct() {
    index.replaceAll(List.of(
        integration("sandbox", 7L, null, "temp", null, false),
        integration("device-only", 7L, null, "temp", OTHER, false),
        integration("product", null, 1001, "te", null, false),
        integration("other-account", 8L, null, "temp", null, false),
        integration("other-product", null, 1002, "temp", null, false)));

    assertArrayEquals(new String[] {"product", "sandbox"}, matched(event(DEVICE, "temperature", 7L, 1001)));
    assertArrayEquals(new String[] {"product"}, matched(event(DEVICE, "temperature", null, 1001)), "an unclaimed product device");
    assertArrayEquals(new String[] {"device-only", "sandbox"}, matched(event(OTHER, "temp", 7L, null)));
    assertNull(index.match(event(DEVICE, "Temperature", 7L, 1001)), "case-sensitive");
    assertNull(index.match(event(DEVICE, "tem", 7L, null)), "a prefix of the prefix does not match");
    assertArrayEquals(new String[] {"sandbox"}, matched(event(DeviceEvent.CLOUD_PUBLISHER, "temp", 7L, null)), "the account's own API events");
  }

  @Test
  void hookEventsNeverTriggerAndDisabledOnesAreCountedAsSkipped() {
    index.replaceAll(List.of(integration("all", 7L, null, "h", null, false), integration("paused", 7L, null, "temp", null, true)));

    assertNull(index.match(event(DEVICE, "hook-response/temp/0", 7L, null)));
    assertNull(index.match(event(DEVICE, "temp", 7L, null)));
    assertNull(index.match(event(DEVICE, "temp", 7L, null)));
    assertEquals(2, counts.unflushed("paused", DeliveryCounts.SKIPPED));
  }

  @Test
  void aChangedRowReplacesItsOldSelfAndADeletedOneGoes() {
    index.replaceAll(List.of(integration("a", 7L, null, "temp", null, false)));
    index.put("a", integration("a", 7L, null, "humidity", null, false));
    assertNull(index.match(event(DEVICE, "temp", 7L, null)));
    assertArrayEquals(new String[] {"a"}, index.match(event(DEVICE, "humidity", 7L, null)));
    index.put("a", null);
    assertNull(index.match(event(DEVICE, "humidity", 7L, null)));
    assertEquals(0, index.size());
  }
}
