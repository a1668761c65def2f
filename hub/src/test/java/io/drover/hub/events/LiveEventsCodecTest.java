package io.drover.hub.events;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.drover.gateway.contract.DeviceEvent;
import io.vertx.core.buffer.Buffer;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A batch of live events crosses the cluster's wire whole: every event, its stamps and their order. */
class LiveEventsCodecTest {

  @Test
  void aBatchDecodesFromTheWireAsItWasEncodedAfterWhatPrecedesIt() {
    LiveEvents batch = new LiveEvents(List.of(
        new LiveEvent(41, new DeviceEvent("0123456789abcdef01234567", "temp", "21.5", 1_700_000_000_000L, 60, false), 7L, null),
        new LiveEvent(42, new DeviceEvent("api", "hook-response/x", null, 1_700_000_000_001L, 60, true), null, 3),
        new LiveEvent(43, new DeviceEvent("0123456789abcdef01234568", "été", "naïve \u2603 data", 1_700_000_000_002L, 3600, false), 9L, 12)));
    LiveEventsCodec codec = new LiveEventsCodec();
    // the bus writes its own header before the body
    Buffer wire = Buffer.buffer("header");
    codec.encodeToWire(wire, batch);

    assertEquals(batch, codec.decodeFromWire(6, wire));
    Buffer empty = Buffer.buffer();
    codec.encodeToWire(empty, new LiveEvents(List.of()));
    assertEquals(new LiveEvents(List.of()), codec.decodeFromWire(0, empty));
  }
}
