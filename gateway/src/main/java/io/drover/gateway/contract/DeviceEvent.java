package io.drover.gateway.contract;

/**
 * One published event, immutable: from a device, from the cloud itself ({@code spark/status}) or from
 * the API. {@code data} is UTF-8 text of at most {@link #MAX_DATA_BYTES} bytes, or null.
 */
public record DeviceEvent(String deviceId, String name, String data, long publishedAtMillis, int ttl, boolean isPublic) {

  /** Particle's limit on event data, in UTF-8 bytes. */
  public static final int MAX_DATA_BYTES = 1024;
  /** Particle's limit on an event name, in characters. */
  public static final int MAX_NAME_LENGTH = 64;
  public static final int DEFAULT_TTL = 60;
  /** The {@code coreid} of events the cloud makes itself. */
  public static final String CLOUD_PUBLISHER = "api";
  /** The cloud's own event about a device: online, offline, auto-update. No device may publish it. */
  public static final String STATUS = "spark/status";
  /** The cloud's event about a device's firmware update: started, success, failed. */
  public static final String FLASH_STATUS = "spark/flash/status";

  /**
   * Whether {@code text} from {@code start} to its end is a valid event name: 1 to 64 characters, none
   * of them a control character. A newline in a name would break the framing of every SSE stream it
   * reaches.
   */
  public static boolean isValidName(String text, int start) {
    int length = text.length() - start;
    if (length < 1 || length > MAX_NAME_LENGTH) {
      return false;
    }
    for (int i = start; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        return false;
      }
    }
    return true;
  }
}
