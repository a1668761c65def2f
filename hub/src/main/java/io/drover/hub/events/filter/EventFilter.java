package io.drover.hub.events.filter;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The Event Logs' filter language, parsed once into an immutable filter (the Console's
 * {@code lib/event-filter.js} implements the same rules; {@code event-filter-vectors.json} holds both
 * to them). Words are separated by spaces; double quotes keep spaces inside one word.
 *
 * <ul>
 *   <li>{@code device:ID} the event's device ID, or its device name, is ID (ignoring case)</li>
 *   <li>{@code event:NAME} the event's name contains NAME (ignoring case)</li>
 *   <li>{@code data:VALUE} the event's data contains VALUE (ignoring case)</li>
 *   <li>{@code range:MIN-MAX} the event's data is a decimal number from MIN to MAX</li>
 *   <li>any other word: found (ignoring case) in the name, the data, the device ID, the device name or
 *       the publishing time as the stream writes it ({@code 2015-07-18T00:12:18.174Z})</li>
 * </ul>
 *
 * Different modifiers and free words all have to match. Several modifiers of the same type are an OR:
 * {@code device:a device:b} takes events from either device. An empty filter takes every event.
 */
public final class EventFilter {

  public static final EventFilter ALL = new EventFilter(List.of(), List.of(), List.of(), List.of(), List.of());

  private static final DateTimeFormatter PUBLISHED_AT =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  private final String[] devices;
  private final String[] names;
  private final String[] data;
  private final NumberRange[] ranges;
  private final String[] words;

  private EventFilter(List<String> devices, List<String> names, List<String> data, List<NumberRange> ranges, List<String> words) {
    this.devices = devices.toArray(String[]::new);
    this.names = names.toArray(String[]::new);
    this.data = data.toArray(String[]::new);
    this.ranges = ranges.toArray(NumberRange[]::new);
    this.words = words.toArray(String[]::new);
  }

  /**
   * @param text the filter as the user wrote it; null or blank takes every event
   * @throws FilterSyntaxException saying what to change
   */
  public static EventFilter parse(String text) throws FilterSyntaxException {
    if (text == null || text.isBlank()) {
      return ALL;
    }
    List<String> devices = new ArrayList<>();
    List<String> names = new ArrayList<>();
    List<String> data = new ArrayList<>();
    List<NumberRange> ranges = new ArrayList<>();
    List<String> words = new ArrayList<>();
    for (String word : FilterTokens.split(text)) {
      int colon = word.indexOf(':');
      String key = colon > 0 ? word.substring(0, colon).toLowerCase(Locale.ROOT) : "";
      String value = colon > 0 ? word.substring(colon + 1) : word;
      List<String> target = switch (key) {
        case "device" -> devices;
        case "event" -> names;
        case "data" -> data;
        case "range" -> null;
        default -> words;
      };
      if (target == words) {
        words.add(word);
        continue;
      }
      if (value.isEmpty()) {
        throw new FilterSyntaxException(key + ": needs a value, as in " + example(key));
      }
      if (target == null) {
        ranges.add(NumberRange.parse(value));
      } else {
        target.add(value);
      }
    }
    return new EventFilter(devices, names, data, ranges, words);
  }

  /** Whether this filter holds modifiers of a kind: the device page refuses {@code device:}. */
  public boolean filtersByDevice() {
    return devices.length > 0;
  }

  public boolean isEmpty() {
    return devices.length == 0 && names.length == 0 && data.length == 0 && ranges.length == 0 && words.length == 0;
  }

  /**
   * Called on the event loop, per event and stream: no regex, no allocation but the date, which is
   * only written when a free word found nothing else.
   *
   * @param deviceName the publishing device's name, null when it has none (or for {@code api})
   */
  public boolean matches(String name, String eventData, String deviceId, String deviceName, long publishedAtMillis) {
    if (devices.length > 0 && !anyEquals(devices, deviceId, deviceName)) {
      return false;
    }
    if (names.length > 0 && !anyContained(names, name)) {
      return false;
    }
    if (data.length > 0 && !anyContained(data, eventData)) {
      return false;
    }
    if (ranges.length > 0 && !anyInRange(eventData)) {
      return false;
    }
    String date = null;
    for (String word : words) {
      if (Text.contains(name, word) || Text.contains(eventData, word) || Text.contains(deviceId, word) || Text.contains(deviceName, word)) {
        continue;
      }
      if (date == null) {
        date = PUBLISHED_AT.format(Instant.ofEpochMilli(publishedAtMillis));
      }
      if (!Text.contains(date, word)) {
        return false;
      }
    }
    return true;
  }

  private static boolean anyEquals(String[] expected, String deviceId, String deviceName) {
    for (String value : expected) {
      if (Text.equals(deviceId, value) || Text.equals(deviceName, value)) {
        return true;
      }
    }
    return false;
  }

  private static boolean anyContained(String[] needles, String haystack) {
    for (String needle : needles) {
      if (Text.contains(haystack, needle)) {
        return true;
      }
    }
    return false;
  }

  private boolean anyInRange(String eventData) {
    for (NumberRange range : ranges) {
      if (range.contains(eventData)) {
        return true;
      }
    }
    return false;
  }

  private static String example(String key) {
    return switch (key) {
      case "device" -> "device:34003d001647353236343012";
      case "event" -> "event:temperature";
      case "data" -> "data:device-is-ok";
      default -> "range:20-100";
    };
  }
}
