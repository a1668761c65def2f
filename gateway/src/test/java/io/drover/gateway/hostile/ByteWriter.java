package io.drover.gateway.hostile;

import java.io.ByteArrayOutputStream;

/** Big-endian bytes for the wire formats the suite writes (MQTT, CoAP, DTLS records). */
final class ByteWriter {

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  ByteWriter u8(int value) {
    out.write(value & 0xff);
    return this;
  }

  ByteWriter u16(int value) {
    return u8(value >> 8).u8(value);
  }

  ByteWriter u24(int value) {
    return u8(value >> 16).u16(value);
  }

  ByteWriter u32(long value) {
    return u16((int) (value >> 16)).u16((int) value);
  }

  ByteWriter u48(long value) {
    return u16((int) (value >> 32)).u32(value);
  }

  /** MQTT's Variable Byte Integer, in the fewest bytes (MQTT 5 section 1.5.5). */
  ByteWriter varint(int value) {
    int rest = value;
    do {
      int digit = rest % 128;
      rest /= 128;
      u8(rest > 0 ? digit | 0x80 : digit);
    } while (rest > 0);
    return this;
  }

  ByteWriter bytes(byte[] bytes) {
    out.write(bytes, 0, bytes.length);
    return this;
  }

  int size() {
    return out.size();
  }

  byte[] toBytes() {
    return out.toByteArray();
  }
}
