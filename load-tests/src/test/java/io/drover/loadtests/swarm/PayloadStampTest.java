package io.drover.loadtests.swarm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PayloadStampTest {

  @Test
  void aStampedPayloadKeepsItsSizeAndReadsBackItsTime() {
    long micros = 1_764_998_400_123_456L;

    String payload = PayloadStamp.stamp(PayloadStamp.template(100), micros).toString(StandardCharsets.US_ASCII);

    assertEquals(100, payload.length());
    assertEquals("1764998400123456 xxx", payload.substring(0, 20));
    assertEquals(micros, PayloadStamp.read("{\"data\":\"" + payload, 9));
  }

  @Test
  void anUnstampedPayloadReadsAsNoStamp() {
    assertEquals(-1, PayloadStamp.read("x".repeat(100), 0));
    assertEquals(-1, PayloadStamp.read("1764998400123456", 0));
    assertEquals(-1, PayloadStamp.read("176499840012345x rest", 0));
  }

  @Test
  void aPayloadTooShortForTheStampIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> new PublishPlan(10, 0, PayloadStamp.LENGTH - 1, "load", 10, true));
  }
}
