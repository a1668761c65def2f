package io.drover.loadtests.swarm;

/**
 * What a swarm device with {@code --answer-calls} offers the API (device-protocol.md section 4.4): one
 * function and two variables, answered at once without state, so that a call measures the cloud's
 * round trip and not the device.
 */
final class DeviceCalls {

  /** Published to {@code d} after subscribing to {@code c/#}. */
  static final String DESCRIPTION = "{\"f\":[\"led\"],\"v\":{\"temp\":\"double\",\"uptime\":\"int\"}}";
  static final String COMMANDS = "c/#";
  static final String CLAIM_CODE_TOPIC = "e/spark/device/claim/code";

  private DeviceCalls() {
  }

  /**
   * The answer's topic and payload for a cloud message, or null when the message asks for none (a
   * signal, settings, anything not a call or read). {@code c/f/led/ID} returns 1; {@code c/v/temp/ID}
   * 21.5; {@code c/v/uptime/ID} the seconds since {@code connectedAtNanos}; an unknown name -1 or an empty string.
   */
  static String[] answer(String topic, long connectedAtNanos) {
    // c/f/{function}/{requestId} or c/v/{variable}/{requestId}: split once, no regex
    if (topic.length() < 6 || topic.charAt(0) != 'c' || topic.charAt(1) != '/' || topic.charAt(3) != '/') {
      return null;
    }
    char kind = topic.charAt(2);
    int slash = topic.indexOf('/', 4);
    if ((kind != 'f' && kind != 'v') || slash < 0 || slash == topic.length() - 1) {
      return null;
    }
    String name = topic.substring(4, slash);
    String requestId = topic.substring(slash + 1);
    String value;
    if (kind == 'f') {
      value = name.equals("led") ? "1" : "-1";
    } else if (name.equals("temp")) {
      value = "21.5";
    } else if (name.equals("uptime")) {
      value = Long.toString((System.nanoTime() - connectedAtNanos) / 1_000_000_000L);
    } else {
      value = "";
    }
    return new String[] {"r/" + requestId, value};
  }
}
