package io.drover.gateway.mqtt;

/**
 * The device-relative topic scheme of docs/device-protocol.md. A device is authenticated, so its
 * topics never carry its ID: {@code e/temperature} from device X is X's event "temperature". No
 * device ever receives another device's messages; the gateway is the only publisher to a device.
 */
final class MqttTopics {

  /** Device to cloud: an event; the rest of the topic is the event name. */
  static final String EVENT_PREFIX = "e/";
  /** Device to cloud: the functions and variables the device has (JSON). */
  static final String DESCRIBE = "d";
  /** Device to cloud: the answer to request ID {@code r/{id}}. */
  static final String REPLY_PREFIX = "r/";
  /** Cloud to device: a notice that a message was refused. */
  static final String ERROR_NOTICE = "c/err";
  /** Cloud to device: call function {@code c/f/{name}/{id}}, the argument as payload. */
  static final String FUNCTION_PREFIX = "c/f/";
  /** Cloud to device: read variable {@code c/v/{name}/{id}}. */
  static final String VARIABLE_PREFIX = "c/v/";
  /** Cloud to device: signal on ("1") or off ("0"). */
  static final String SIGNAL = "c/s";
  /** Device to cloud: the handshake (JSON), right after connecting; the cloud answers on {@code c/h}. */
  static final String HANDSHAKE = "h";
  /** Cloud to device: the handshake's answer. */
  static final String HANDSHAKE_ANSWER = "c/h";
  /** Cloud to device: a firmware update's offer; chunks follow on {@code c/fw/chunk/{offset}/{crc32}}. */
  static final String FIRMWARE_OFFER = "c/fw/offer";
  /** Cloud to device: Asset Tracker settings whose checksum differs from the device's. */
  static final String TRACKER_CONFIG = "c/cfg";
  /** Device to cloud: a firmware update's steps, {@code fw/ready}, {@code fw/ack}, {@code fw/nak}, {@code fw/result}. */
  static final String FIRMWARE_PREFIX = "fw/";

  /** Cloud to device: a cloud event, {@code c/e/{name}} with the data as payload (an integration's answer). */
  static final String EVENT_PREFIX_TO_DEVICE = "c/e/";

  /** Device to cloud: {@code cfg/ack}, the checksum of the Asset Tracker settings it applied. */
  static final String CONFIG_ACK = "cfg/ack";

  private MqttTopics() {
  }

  /** {@code c/fw/chunk/{offset}/{crc32}}, the CRC-32 in eight lower-case hex digits. */
  static String firmwareChunk(int offset, long crc32) {
    return "c/fw/chunk/" + offset + "/" + String.format("%08x", crc32);
  }

  /**
   * Which topic filters a device may subscribe to: its cloud-to-device namespace {@code c/...}, or
   * {@code #} (everything the cloud sends it).
   */
  static boolean isAllowedFilter(String filter) {
    return filter.equals("#") || filter.equals("c/#") || (filter.startsWith("c/") && isValidFilter(filter));
  }

  /** MQTT 3.1.1 section 4.7.1: '#' only last and alone in its level, '+' alone in its level. */
  private static boolean isValidFilter(String filter) {
    int levelStart = 0;
    for (int i = 0; i <= filter.length(); i++) {
      if (i == filter.length() || filter.charAt(i) == '/') {
        String level = filter.substring(levelStart, i);
        boolean hasWildcard = level.indexOf('#') >= 0 || level.indexOf('+') >= 0;
        if (hasWildcard && level.length() != 1) {
          return false;
        }
        if (level.equals("#") && i != filter.length()) {
          return false;
        }
        levelStart = i + 1;
      }
    }
    return true;
  }

  /** Whether a granted filter matches a cloud-to-device topic (which never holds wildcards). */
  static boolean matches(String filter, String topic) {
    int f = 0;
    int t = 0;
    while (f < filter.length()) {
      char c = filter.charAt(f);
      if (c == '#') {
        return true;
      }
      if (c == '+') {
        while (t < topic.length() && topic.charAt(t) != '/') {
          t++;
        }
        f++;
        continue;
      }
      if (t >= topic.length() || topic.charAt(t) != c) {
        // "c/#" also matches "c" itself (MQTT 3.1.1 section 4.7.1.2)
        return t == topic.length() && filter.startsWith("/#", f);
      }
      f++;
      t++;
    }
    return t == topic.length();
  }
}
