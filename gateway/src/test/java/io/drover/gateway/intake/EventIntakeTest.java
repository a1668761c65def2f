package io.drover.gateway.intake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.drover.gateway.contract.DeviceEvent;
import io.drover.gateway.contract.DeviceFailure;
import io.vertx.core.buffer.Buffer;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.Random;
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

  /**
   * The payload's text is what a strict UTF-8 decoder makes of it, for ASCII and any other bytes alike;
   * bytes it refuses, and U+0000, are refused as MALFORMED_PAYLOAD. Random payloads, most of them ASCII
   * with a stray byte here and there, are held against the JDK's strict decoder.
   */
  @Test
  void theTextIsWhatAStrictUtf8DecoderMakesOfThePayload() {
    EventIntake intake = new EventIntake();
    long seed = new Random().nextLong();
    Random random = new Random(seed);
    for (int i = 0; i < 20_000; i++) {
      byte[] bytes = new byte[1 + random.nextInt(200)];
      for (int j = 0; j < bytes.length; j++) {
        bytes[j] = random.nextInt(50) == 0 ? (byte) random.nextInt(256) : (byte) (0x20 + random.nextInt(0x5f));
      }
      String expected = strict(bytes);
      String actual = textOf(intake, bytes);
      assertEquals(expected, actual, "seed " + seed + ", payload " + java.util.HexFormat.of().formatHex(bytes));
    }
    assertEquals("température 21 °C", textOf(intake, "température 21 °C".getBytes(StandardCharsets.UTF_8)));
    assertEquals("plain", textOf(intake, "plain".getBytes(StandardCharsets.US_ASCII)));
    assertEquals("refused", textOf(intake, new byte[] {'a', 0, 'b'}), "U+0000 in ASCII");
    assertEquals("refused", textOf(intake, new byte[] {'a', (byte) 0xc3}), "a sequence cut short");
    assertNull(intake.check("0123456789abcdef01234567", "vdev/tick", Buffer.buffer()).data(), "no payload, no data");
  }

  private static String textOf(EventIntake intake, byte[] bytes) {
    try {
      return intake.check("0123456789abcdef01234567", "vdev/tick", Buffer.buffer(bytes)).data();
    } catch (DeviceFailure failure) {
      assertEquals(DeviceFailure.Kind.MALFORMED_PAYLOAD, failure.kind());
      return "refused";
    }
  }

  private static String strict(byte[] bytes) {
    try {
      String text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
      return text.indexOf('\u0000') >= 0 ? "refused" : text;
    } catch (CharacterCodingException e) {
      return "refused";
    }
  }
}
