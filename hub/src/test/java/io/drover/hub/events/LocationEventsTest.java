package io.drover.hub.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.gateway.contract.BusAddresses;
import io.drover.gateway.contract.DeviceEvent;
import io.drover.gateway.contract.DeviceEventCodec;
import io.drover.hub.HubAddresses;
import io.drover.hub.support.TestNode;
import io.drover.hub.support.TestNode.DeviceIdentity;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Only the events named {@code loc} are handed to the location address: the tracker's recorder, on an
 * event loop of its own, is not handed (and woken for) every other event the node accepts.
 */
class LocationEventsTest {

  @Test
  void onlyLocationEventsReachTheLocationAddress() throws Exception {
    try (TestNode node = TestNode.start()) {
      DeviceIdentity device = node.provisionDevice();
      // beside the node's recorder: a send goes to one of the two consumers in turn, so this one sees about half the loc events
      List<String> names = new CopyOnWriteArrayList<>();
      MessageConsumer<LiveEvent> watcher = node.eventBus().<LiveEvent>localConsumer(HubAddresses.LOCATION_EVENTS,
          message -> names.add(message.body().event().name()));
      watcher.completion().await(5, TimeUnit.SECONDS);
      DeliveryOptions options = new DeliveryOptions().setCodecName(DeviceEventCodec.NAME);
      for (int i = 0; i < 10; i++) {
        for (String name : List.of("temperature", HubAddresses.LOCATION_EVENT, "locations")) {
          node.eventBus().request(BusAddresses.PUBLISH_EVENT,
              new DeviceEvent(device.id(), name, "{}", System.currentTimeMillis(), DeviceEvent.DEFAULT_TTL, false), options)
              .await(10, TimeUnit.SECONDS);
        }
      }
      TestNode.eventually(Duration.ofSeconds(5), () -> names.size() >= 3, "loc events at the location address");
      assertTrue(names.stream().allMatch(HubAddresses.LOCATION_EVENT::equals), "only loc events, got " + names);
      assertTrue(names.size() <= 10);
      assertEquals(10, node.countEvents(device.id(), "temperature"), "the other events are written as ever");
    }
  }
}
