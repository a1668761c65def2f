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
    char[] chars = new char[LENGTH];
    for (int i = 0; i < LENGTH; i++) {
      char c = Character.toLowerCase(candidate.charAt(i));
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        return null;
      }
      chars[i] = c;
    }
    return new String(chars);
  }
}
