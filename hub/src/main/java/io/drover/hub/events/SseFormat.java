package io.drover.hub.events;

import io.drover.gateway.contract.DeviceEvent;
import io.drover.hub.devices.DeviceDirectory;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.impl.buffer.VertxByteBufAllocator;
import io.vertx.core.internal.buffer.BufferInternal;
import java.time.LocalDateTime;
import java.time.ZoneOffset;

/**
 * Particle's Server-Sent Events wire format for events (see cloud-api.md, "Events").
 *
 * <p>A frame is written by hand into one StringBuilder, not through a JsonObject, Jackson and a
 * DateTimeFormatter: every event that any stream takes is formatted here (once per event, whatever
 * the number of streams), and in a profile of the ingest benchmark that route was about a tenth of
 * the node's event-loop samples. The JSON it writes is what Vert.x's Jackson encoding wrote, field
 * for field and escape for escape ({@code SseFormatTest} holds the two side by side).
 *
 * <p>The streams take a frame as bytes ({@link #frameBytes}, {@link #productFrameBytes}): UTF-8 encoded
 * straight from the thread's reused builder into a buffer of its exact size, with no String between (at
 * 20,000 events/s the frame's builder, its String and their copy into a buffer were about a fifth of
 * everything the node allocated, and so of its young collections).
 */
final class SseFormat {

  /** The first thing a stream sends: a comment, which clients take as "the stream is open". */
  static final String OPENING = ":ok\n\n";
  /** A bare newline: keeps proxies and particle-api-js (which drops a stream silent for 15 s) content. */
  static final String KEEP_ALIVE = "\n";

  private static final char[] HEX = "0123456789ABCDEF".toCharArray();
  /**
   * Each thread's builder, emptied for every frame: frames are made on event loops, one at a time, and
   * each is done with its builder (copied out as bytes or as a String) before the next begins.
   */
  private static final ThreadLocal<StringBuilder> BUILDER = ThreadLocal.withInitial(() -> new StringBuilder(512));

  private SseFormat() {
  }

  /**
   * {@code id: ID\nevent: NAME\ndata: {...}\n\n}: the id is what a reconnecting client sends back as
   * Last-Event-ID. Event names never hold control characters: the gateway refuses them.
   */
  static String frame(long id, DeviceEvent event) {
    return plain(id, event).toString();
  }

  /** {@link #frame} as UTF-8 bytes, read-only once made: the same buffer may be queued for many streams. */
  static Buffer frameBytes(long id, DeviceEvent event) {
    return utf8(plain(id, event));
  }

  /** {@link #productFrame} as UTF-8 bytes, read-only once made. */
  static Buffer productFrameBytes(long id, DeviceEvent event, Long ownerId, int productId, DeviceDirectory.ProductPlace place) {
    return utf8(product(id, event, ownerId, productId, place));
  }

  private static StringBuilder plain(long id, DeviceEvent event) {
    return fields(head(id, event), event).append("}\n\n");
  }

  /**
   * The text in a buffer of its exact UTF-8 size. Vert.x's own heap buffer, whose reference count a
   * write does not touch, so it may be written again (to the next stream). A lone surrogate becomes
   * '?', as String.getBytes writes it.
   */
  private static Buffer utf8(CharSequence text) {
    int size = ByteBufUtil.utf8Bytes(text);
    ByteBuf bytes = VertxByteBufAllocator.DEFAULT.heapBuffer(size, size);
    ByteBufUtil.reserveAndWriteUtf8(bytes, text, size);
    return BufferInternal.buffer(bytes);
  }

  /**
   * A product stream's frame: the device's owner ({@code userid}, null when unclaimed), the product
   * firmware version it last reported ({@code version}, null when none is known, or when the device
   * is no longer in the product), {@code public} and {@code productID} follow the fields every stream has.
   *
   * @param place the device's product now, from the directory (null: in none)
   */
  static String productFrame(long id, DeviceEvent event, Long ownerId, int productId, DeviceDirectory.ProductPlace place) {
    return product(id, event, ownerId, productId, place).toString();
  }

  private static StringBuilder product(long id, DeviceEvent event, Long ownerId, int productId, DeviceDirectory.ProductPlace place) {
    StringBuilder frame = fields(head(id, event), event).append(",\"userid\":");
    if (ownerId == null) {
      frame.append("null");
    } else {
      frame.append('"').append(ownerId.longValue()).append('"');
    }
    Integer version = place != null && place.productId() == productId ? place.firmwareVersion() : null;
    frame.append(",\"version\":").append(version == null ? "null" : version.toString());
    return frame.append(",\"public\":").append(event.isPublic())
        .append(",\"productID\":").append(productId)
        .append("}\n\n");
  }

  private static StringBuilder head(long id, DeviceEvent event) {
    String data = event.data();
    StringBuilder frame = BUILDER.get();
    frame.setLength(0);
    frame.ensureCapacity(160 + event.name().length() + (data == null ? 0 : data.length() + (data.length() >> 3)));
    return frame.append("id: ").append(id).append("\nevent: ").append(event.name()).append("\ndata: {");
  }

  /** {@code "data":...,"ttl":...,"published_at":"...","coreid":"..."}, without the closing brace. */
  private static StringBuilder fields(StringBuilder frame, DeviceEvent event) {
    frame.append("\"data\":");
    string(frame, event.data());
    frame.append(",\"ttl\":").append(event.ttl()).append(",\"published_at\":\"");
    publishedAt(frame, event.publishedAtMillis());
    frame.append("\",\"coreid\":");
    return string(frame, event.deviceId());
  }

  /** Always three fractional digits, as Particle writes them: 2015-07-18T00:12:18.174Z. */
  static StringBuilder publishedAt(StringBuilder out, long millis) {
    LocalDateTime time = LocalDateTime.ofEpochSecond(Math.floorDiv(millis, 1000), 0, ZoneOffset.UTC);
    int year = time.getYear();
    if (year < 0 || year > 9999) {
      // outside what four digits hold: no device clock says so; written as the JDK writes it
      return out.append(time).append('.').append(pad3((int) Math.floorMod(millis, 1000))).append('Z');
    }
    digits(out, year, 4).append('-');
    digits(out, time.getMonthValue(), 2).append('-');
    digits(out, time.getDayOfMonth(), 2).append('T');
    digits(out, time.getHour(), 2).append(':');
    digits(out, time.getMinute(), 2).append(':');
    digits(out, time.getSecond(), 2).append('.');
    return digits(out, (int) Math.floorMod(millis, 1000), 3).append('Z');
  }

  private static String pad3(int n) {
    return n < 10 ? "00" + n : n < 100 ? "0" + n : Integer.toString(n);
  }

  private static StringBuilder digits(StringBuilder out, int value, int width) {
    for (int divisor = width == 4 ? 1000 : width == 3 ? 100 : 10; divisor > 0; divisor /= 10) {
      out.append((char) ('0' + value / divisor % 10));
    }
    return out;
  }

  /** A JSON string (or null) escaped as Jackson escapes by default: quote, backslash and control characters. */
  static StringBuilder string(StringBuilder out, String value) {
    if (value == null) {
      return out.append("null");
    }
    out.append('"');
    int start = 0;
    int length = value.length();
    for (int i = 0; i < length; i++) {
      char c = value.charAt(i);
      if (c >= 0x20 && c != '"' && c != '\\') {
        continue;
      }
      out.append(value, start, i).append('\\');
      switch (c) {
        case '"', '\\' -> out.append(c);
        case '\b' -> out.append('b');
        case '\t' -> out.append('t');
        case '\n' -> out.append('n');
        case '\f' -> out.append('f');
        case '\r' -> out.append('r');
        default -> out.append("u00").append(HEX[c >> 4]).append(HEX[c & 0xF]);
      }
      start = i + 1;
    }
    return out.append(value, start, length).append('"');
  }
}
