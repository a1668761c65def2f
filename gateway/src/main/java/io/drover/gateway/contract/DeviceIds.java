package io.drover.gateway.contract;

/** Device IDs are 24 hexadecimal digits (12 bytes), written in lower case, as Particle's are. */
public final class DeviceIds {

  public static final int LENGTH = 24;

  private DeviceIds() {
  }

  /** @return the ID in canonical lower case, or null when {@code candidate} is not a device ID */
  public static String normalize(String candidate) {
    if (candidate == null || candidate.length() != LENGTH) {
      return null;
    }
    char[] chars = null;
    for (int i = 0; i < LENGTH; i++) {
      char given = candidate.charAt(i);
      char c = Character.toLowerCase(given);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        return null;
      }
      if (c != given && chars == null) {
        chars = candidate.toCharArray();
      }
      if (chars != null) {
        chars[i] = c;
      }
    }
    // an ID given in lower case already (as devices and the hub send it) is kept, not copied: a session
    // holds its device ID for as long as it lives, and the transport holds the one it was given
    return chars == null ? candidate : new String(chars);
  }
}
