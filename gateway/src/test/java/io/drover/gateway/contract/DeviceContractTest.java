package io.drover.gateway.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import org.junit.jupiter.api.Test;

class DeviceContractTest {

  @Test
  void deviceIdsAreTwentyFourHexDigitsInLowerCase() {
    assertEquals("0123456789abcdef01234567", DeviceIds.normalize("0123456789ABCDEF01234567"));
    assertNull(DeviceIds.normalize("0123456789abcdef0123456"));
    assertNull(DeviceIds.normalize("0123456789abcdef0123456g"));
    assertNull(DeviceIds.normalize(null));
  }

  @Test
  void eventsCrossTheClusterAsJsonAndStayTheSameObjectLocally() {
    DeviceEventCodec codec = new DeviceEventCodec();
    DeviceEvent event = new DeviceEvent("0123456789abcdef01234567", "temp", "21.5", 1_700_000_000_123L, 60, false);
    Buffer wire = Buffer.buffer("prefix");

    codec.encodeToWire(wire, event);

    assertEquals(event, codec.decodeFromWire(6, wire));
    assertSame(event, codec.transform(event));
  }

  @Test
  void sessionNoticesCrossTheClusterAsJsonAndStayTheSameObjectLocally() {
    SessionNoticeCodec codec = new SessionNoticeCodec();
    SessionNotice opened = new SessionNotice("0123456789abcdef01234567", "a1b2c3d4-1z", "a1b2c3d4-node", SessionNotice.State.OPENED, "mqtt",
        "127.0.0.1", 1_700_000_000_123L);
    SessionNotice closed = new SessionNotice("0123456789abcdef01234567", "a1b2c3d4-1z", "a1b2c3d4-node", SessionNotice.State.CLOSED, "coap",
        null, 1_700_000_000_456L);
    Buffer wire = Buffer.buffer("prefix");

    codec.encodeToWire(wire, opened);
    int second = wire.length();
    codec.encodeToWire(wire, closed);

    assertEquals(opened, codec.decodeFromWire(6, wire));
    assertEquals(closed, codec.decodeFromWire(second, wire));
    assertEquals(opened.toJson(), new io.vertx.core.json.JsonObject(wire.slice(10, second)), "the wire form is the notice's JSON");
    assertSame(opened, codec.transform(opened));
  }

  @Test
  void busFailuresKeepTheirKindAndEverythingElseMeansUnavailable() {
    var badCredentials = DeviceFailure.from(new ReplyException(ReplyFailure.RECIPIENT_FAILURE, DeviceFailure.Kind.BAD_CREDENTIALS.busCode(), "wrong secret"));
    assertEquals(DeviceFailure.Kind.BAD_CREDENTIALS, badCredentials.kind());
    assertEquals(DeviceFailure.Kind.UNAVAILABLE, DeviceFailure.from(new ReplyException(ReplyFailure.TIMEOUT, "timeout")).kind());
    assertEquals(DeviceFailure.Kind.UNAVAILABLE, DeviceFailure.from(new ReplyException(ReplyFailure.NO_HANDLERS, "none")).kind());
  }
}
