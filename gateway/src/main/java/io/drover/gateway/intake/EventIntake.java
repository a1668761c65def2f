package io.drover.gateway.intake;

import io.drover.gateway.contract.DeviceEvent;
import io.drover.gateway.contract.DeviceFailure;
import io.drover.gateway.contract.DeviceFailure.Kind;
import io.vertx.core.buffer.Buffer;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The checks every device event passes, whatever its transport (MQTT's {@code e/{name}}, CoAP's
 * {@code POST /e/{name}}), before it becomes a {@link DeviceEvent}. One per session: it holds the
 * session's UTF-8 decoder. Not thread-safe: used on the session's context.
 */
public final class EventIntake {

  private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
      .onMalformedInput(CodingErrorAction.REPORT)
      .onUnmappableCharacter(CodingErrorAction.REPORT);

  /**
   * @param name the event name as the device sent it (the topic or path after {@code e/})
   * @throws DeviceFailure BAD_TOPIC, NOT_ALLOWED, PAYLOAD_TOO_LARGE or MALFORMED_PAYLOAD, saying why
   */
  public DeviceEvent check(String deviceId, String name, Buffer data) {
    return check(deviceId, name, data, DeviceEvent.DEFAULT_TTL);
  }

  /** As {@link #check(String, String, Buffer)}, with the event's TTL in seconds as the device gave it. */
  public DeviceEvent check(String deviceId, String name, Buffer data, int ttlSeconds) {
    if (!DeviceEvent.isValidName(name, 0)) {
      throw new DeviceFailure(Kind.BAD_TOPIC,
          "event name must be 1 to " + DeviceEvent.MAX_NAME_LENGTH + " characters, none of them control characters");
    }
    if (name.startsWith(DeviceEvent.STATUS)) {
      throw new DeviceFailure(Kind.NOT_ALLOWED, "spark/status is the cloud's own event: a device cannot publish it");
    }
    if (data.length() > DeviceEvent.MAX_DATA_BYTES) {
      throw new DeviceFailure(Kind.PAYLOAD_TOO_LARGE, "event data is " + data.length() + " bytes; the limit is " + DeviceEvent.MAX_DATA_BYTES);
    }
    String text = data.length() == 0 ? null : text(data.getBytes());
    if (text != null && text.indexOf('\u0000') >= 0) {
      // valid UTF-8, but no text store (PostgreSQL included) holds it
      throw new DeviceFailure(Kind.MALFORMED_PAYLOAD, "event data must not contain U+0000");
    }
    return new DeviceEvent(deviceId, name, text, System.currentTimeMillis(), ttlSeconds, false);
  }

  /**
   * The payload as text. Most payloads are ASCII: those become a String at once, with no decoder,
   * CharBuffer or char[] between (the decoder's buffers were the largest allocation per event in a JFR
   * profile of the ingest benchmark); any other byte (U+0000 included) goes through the strict decoder.
   */
  private String text(byte[] bytes) {
    for (byte b : bytes) {
      if (b <= 0) {
        try {
          return utf8.decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
          throw new DeviceFailure(Kind.MALFORMED_PAYLOAD, "event data must be UTF-8 text");
        }
      }
    }
    return new String(bytes, StandardCharsets.US_ASCII);
  }
}
