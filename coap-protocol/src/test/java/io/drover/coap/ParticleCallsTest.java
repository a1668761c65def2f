package io.drover.coap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.eclipse.californium.core.coap.OptionSet;
import org.junit.jupiter.api.Test;

/** Device OS's answers read as text, and an event's Max-Age read as its TTL. */
class ParticleCallsTest {

  @Test
  void valuesAreReadInTheirDescribedType() {
    assertEquals("21.5", ParticleCalls.value(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putDouble(21.5).array(), ParticleCalls.DOUBLE),
        "a double in the device's own (little-endian) order");
    assertEquals("-7", ParticleCalls.value(ByteBuffer.allocate(4).putInt(-7).array(), ParticleCalls.INT), "an int32 big-endian");
    assertEquals("true", ParticleCalls.value(new byte[] {1}, ParticleCalls.BOOLEAN));
    assertEquals("false", ParticleCalls.value(new byte[] {0}, ParticleCalls.BOOLEAN));
    assertEquals("vdev", ParticleCalls.value("vdev".getBytes(StandardCharsets.UTF_8), ParticleCalls.STRING));
    assertEquals("42", ParticleCalls.returnValue(new byte[] {0, 0, 0, 42}));
  }

  @Test
  void answersThatDoNotFitTheirTypeAreRefused() {
    assertEquals("a double is 8 bytes, not 4",
        assertThrows(IllegalArgumentException.class, () -> ParticleCalls.value(new byte[4], ParticleCalls.DOUBLE)).getMessage());
    assertEquals("variable type 3 is none of Device OS's",
        assertThrows(IllegalArgumentException.class, () -> ParticleCalls.value(new byte[4], 3)).getMessage());
    assertEquals("a function's return value is 4 bytes, not 2",
        assertThrows(IllegalArgumentException.class, () -> ParticleCalls.returnValue(new byte[2])).getMessage());
  }

  @Test
  void maxAgeIsTheEventsTtlAndSixtyWithoutIt() {
    assertEquals(300, ParticleDeviceServer.ttlSeconds(new OptionSet().setMaxAge(300)));
    assertEquals(60, ParticleDeviceServer.ttlSeconds(new OptionSet()), "Device OS leaves Max-Age out for the default");
    assertEquals(Integer.MAX_VALUE, ParticleDeviceServer.ttlSeconds(new OptionSet().setMaxAge(0xffffffffL)), "a u32 beyond an int is capped");
  }
}
