package io.drover.gateway.support;

/**
 * What a device saw in answer to one of its messages, written as the wire says it: {@code "PUBACK"},
 * {@code "PUBACK 0x90 + c/err bad_topic"}, {@code "disconnected"}, {@code "4.29"}, {@code "2.04"}. The
 * devices write what they observed; the contract test writes what it expects in the same words, so a
 * mismatch reads as the two answers side by side.
 */
public record WireAnswer(String text) {

  /** An MQTT 5 reason code, or a CONNACK code, as two hex digits. */
  public static String hex(int code) {
    return String.format("0x%02X", code);
  }

  @Override
  public String toString() {
    return text;
  }
}
