package io.drover.gateway.intake;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.drover.gateway.contract.DeviceEvent;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

class EventIntakeTest {

  @Test
  void theTtlTheDeviceGaveIsTheEventsAndTheDefaultIsSixty() {
    EventIntake intake = new EventIntake();

    DeviceEvent withMaxAge = intake.check("0123456789abcdef01234567", "vdev/tick", Buffer.buffer("1"), 300);
    DeviceEvent plain = intake.check("0123456789abcdef01234567", "vdev/tick", Buffer.buffer("1"));

    assertEquals(300, withMaxAge.ttl(), "a Particle device's Max-Age");
    assertEquals(DeviceEvent.DEFAULT_TTL, plain.ttl());
    assertEquals(60, DeviceEvent.DEFAULT_TTL);
  }
}
