package io.drover.loadtests;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Options as {@code --key value} or {@code --key=value}, read once into a command's settings record.
 * A key nobody read is a typo, so {@link #requireAllRead()} refuses it instead of ignoring it.
 */
public final class CommandLine {

  private final Map<String, String> values;
  private final Set<String> read = new HashSet<>();

  private CommandLine(Map<String, String> values) {
    this.values = values;
  }

  /** @throws IllegalArgumentException for a word that is not an option or an option without a value */
  public static CommandLine parse(List<String> args) {
    Map<String, String> values = new LinkedHashMap<>();
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      if (!arg.startsWith("--") || arg.length() == 2) {
        throw new IllegalArgumentException("expected an option like --key value, got '" + arg + "'");
      }
      int equals = arg.indexOf('=');
      if (equals > 0) {
        values.put(arg.substring(2, equals), arg.substring(equals + 1));
      } else if (arg.equals("--help")) {
        values.put("help", "true");
      } else if (i + 1 < args.size()) {
        values.put(arg.substring(2), args.get(++i));
      } else {
        throw new IllegalArgumentException("option " + arg + " needs a value");
      }
    }
    return new CommandLine(values);
  }

  public boolean helpRequested() {
    read.add("help");
    return values.containsKey("help");
  }

  public String text(String key, String fallback) {
    read.add(key);
    return values.getOrDefault(key, fallback);
  }

  public String requiredText(String key) {
    String value = text(key, null);
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException("--" + key + " is required");
    }
    return value;
  }

  public int integer(String key, int fallback, int min, int max) {
    String value = text(key, null);
    if (value == null) {
      return fallback;
    }
    try {
      int parsed = Integer.parseInt(value.trim().replace("_", ""));
      if (parsed >= min && parsed <= max) {
        return parsed;
      }
    } catch (NumberFormatException ignored) {
      // reported below with the range
    }
    throw new IllegalArgumentException("--" + key + " must be a whole number from " + min + " to " + max + ", got '" + value + "'");
  }

  public double decimal(String key, double fallback, double min, double max) {
    String value = text(key, null);
    if (value == null) {
      return fallback;
    }
    try {
      double parsed = Double.parseDouble(value.trim());
      if (parsed >= min && parsed <= max) {
        return parsed;
      }
    } catch (NumberFormatException ignored) {
      // reported below with the range
    }
    throw new IllegalArgumentException("--" + key + " must be a number from " + min + " to " + max + ", got '" + value + "'");
  }

  /** {@code true} or {@code false}, nothing else. */
  public boolean bool(String key, boolean fallback) {
    String value = text(key, null);
    if (value == null) {
      return fallback;
    }
    return switch (value.trim()) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new IllegalArgumentException("--" + key + " must be true or false, got '" + value + "'");
    };
  }

  public Path requiredPath(String key) {
    return Path.of(requiredText(key));
  }

  /** @return null when the option is absent */
  public Path optionalPath(String key) {
    String value = text(key, null);
    return value == null || value.isBlank() ? null : Path.of(value);
  }

  /** @throws IllegalArgumentException naming the options no setting asked for */
  public void requireAllRead() {
    Set<String> unknown = new HashSet<>(values.keySet());
    unknown.removeAll(read);
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException("unknown option(s): --" + String.join(", --", unknown));
    }
  }
}
