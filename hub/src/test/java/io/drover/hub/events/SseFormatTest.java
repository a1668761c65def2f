package io.drover.hub.events;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.drover.gateway.contract.DeviceEvent;
import io.drover.hub.devices.DeviceDirectory;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The hand-written frames against what Vert.x's Jackson encoding and a DateTimeFormatter write (the
 * way frames were made before): byte for byte, for data with every kind of character a device can send.
 */
class SseFormatTest {

  private static final DateTimeFormatter PUBLISHED_AT =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  @Test
  void framesAreWhatJacksonWrites() {
    Random random = new Random(17);
    for (int i = 0; i < 20_000; i++) {
      String data = i % 50 == 0 ? null : text(random);
      long millis = i % 7 == 0 ? random.nextLong(0, 253_402_300_799_999L) : 1_700_000_000_000L + random.nextInt(1_000_000_000);
      DeviceEvent event = new DeviceEvent("0123456789abcdef01234567", "temp/" + i, data, millis, 60 + i % 3, i % 2 == 0);
      JsonObject fields = new JsonObject()
          .put("data", data)
          .put("ttl", event.ttl())
          .put("published_at", PUBLISHED_AT.format(Instant.ofEpochMilli(millis)))
          .put("coreid", event.deviceId());
      assertEquals("id: " + i + "\nevent: temp/" + i + "\ndata: " + fields.encode() + "\n\n", SseFormat.frame(i, event), "event " + i);

      Long owner = i % 3 == 0 ? null : (long) i;
      DeviceDirectory.ProductPlace place = i % 5 == 0 ? null : new DeviceDirectory.ProductPlace(i % 4 == 0 ? 9 : 7, i % 6 == 0 ? null : i);
      JsonObject product = fields.copy()
          .put("userid", owner == null ? null : owner.toString())
          .put("version", place != null && place.productId() == 7 ? place.firmwareVersion() : null)
          .put("public", event.isPublic())
          .put("productID", 7);
      assertEquals("id: " + i + "\nevent: temp/" + i + "\ndata: " + product.encode() + "\n\n",
          SseFormat.productFrame(i, event, owner, 7, place), "product event " + i);
    }
  }

  /**
   * The streams write the frames' bytes, made without a String between: the same as the frame's text in
   * UTF-8, for every kind of character, a lone surrogate (an API publish's JSON may carry one) included.
   */
  @Test
  void frameBytesAreTheFrameInUtf8() {
    Random random = new Random(23);
    for (int i = 0; i < 20_000; i++) {
      String data = i % 50 == 0 ? null : text(random) + (i % 3 == 0 ? "\uD83C" : i % 3 == 1 ? "\uDF00x\uD83C\uD83C" : "");
      DeviceEvent event = new DeviceEvent("0123456789abcdef01234567", "temp/é" + i, data, 1_700_000_000_000L + i, 60, i % 2 == 0);
      assertArrayEquals(SseFormat.frame(i, event).getBytes(StandardCharsets.UTF_8), SseFormat.frameBytes(i, event).getBytes(), "event " + i);
      Long owner = i % 3 == 0 ? null : (long) i;
      DeviceDirectory.ProductPlace place = i % 5 == 0 ? null : new DeviceDirectory.ProductPlace(7, i);
      assertArrayEquals(SseFormat.productFrame(i, event, owner, 7, place).getBytes(StandardCharsets.UTF_8),
          SseFormat.productFrameBytes(i, event, owner, 7, place).getBytes(), "product event " + i);
    }
  }

  /** Up to 64 characters: ASCII, control characters, quotes and backslashes, accents, emoji (surrogate pairs). */
  private static String text(Random random) {
    StringBuilder text = new StringBuilder();
    int length = random.nextInt(65);
    for (int i = 0; i < length; i++) {
      switch (random.nextInt(6)) {
        case 0 -> text.append((char) random.nextInt(0x20));
        case 1 -> text.append("\"\\/".charAt(random.nextInt(3)));
        case 2 -> text.append((char) (0xA0 + random.nextInt(0x700)));
        case 3 -> text.appendCodePoint(0x1F300 + random.nextInt(0x300));
        case 4 -> text.append((char) 0x7F);
        default -> text.append((char) (0x20 + random.nextInt(0x5F)));
      }
    }
    return text.toString();
  }
}
