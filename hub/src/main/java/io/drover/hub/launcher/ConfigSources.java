package io.drover.hub.launcher;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads configuration values from their three sources, later ones winning: a JSON file
 * ({@code --config FILE}, nested objects or dotted keys), environment variables ({@code DROVER_...}),
 * then flags ({@code --key=value} or {@code --key value}). Remembers where each value came from, so a
 * bad one can be named precisely.
 */
final class ConfigSources {

  record Value(String text, String source) {
  }

  private final Map<String, Value> values = new LinkedHashMap<>();
  private boolean helpRequested;

  static ConfigSources read(List<String> args, Map<String, String> environment) {
    ConfigSources sources = new ConfigSources();
    for (ConfigOption option : ConfigOption.ALL) {
      sources.values.put(option.key(), new Value(option.defaultValue(), "the default"));
    }
    Map<String, String> flags = parseFlags(args, sources);
    String configFile = flags.remove("config");
    if (configFile == null) {
      configFile = environment.get("DROVER_CONFIG");
    }
    if (configFile != null) {
      sources.readFile(Path.of(configFile));
    }
    for (ConfigOption option : ConfigOption.ALL) {
      String value = environment.get(option.environmentVariable());
      if (value != null) {
        sources.values.put(option.key(), new Value(value, "environment variable " + option.environmentVariable()));
      }
    }
    flags.forEach((key, value) -> sources.values.put(key, new Value(value, "flag --" + key)));
    return sources;
  }

  private static Map<String, String> parseFlags(List<String> args, ConfigSources sources) {
    Map<String, String> flags = new LinkedHashMap<>();
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      if (arg.equals("--help") || arg.equals("-h")) {
        sources.helpRequested = true;
        continue;
      }
      if (!arg.startsWith("--")) {
        throw new ConfigException("unexpected argument '" + arg + "' (options look like --key=value; see --help)");
      }
      String key;
      String value;
      int equals = arg.indexOf('=');
      if (equals > 0) {
        key = arg.substring(2, equals);
        value = arg.substring(equals + 1);
      } else {
        key = arg.substring(2);
        if (i + 1 >= args.size()) {
          throw new ConfigException("option --" + key + " needs a value");
        }
        value = args.get(++i);
      }
      if (!key.equals("config") && ConfigOption.find(key) == null) {
        throw new ConfigException("unknown option --" + key + " (see --help)");
      }
      flags.put(key, value);
    }
    return flags;
  }

  private void readFile(Path file) {
    JsonObject json;
    try {
      json = new JsonObject(Files.readString(file));
    } catch (IOException e) {
      throw new ConfigException("cannot read config file " + file + ": " + e.getMessage());
    } catch (DecodeException e) {
      throw new ConfigException("config file " + file + " is not a JSON object: " + e.getMessage());
    }
    flatten("", json, file);
  }

  private void flatten(String prefix, JsonObject json, Path file) {
    for (Map.Entry<String, Object> entry : json) {
      String key = prefix + entry.getKey();
      if (entry.getValue() instanceof JsonObject nested) {
        flatten(key + ".", nested, file);
      } else if (ConfigOption.find(key) == null) {
        throw new ConfigException("unknown key '" + key + "' in config file " + file + " (see --help)");
      } else {
        values.put(key, new Value(String.valueOf(entry.getValue()), "config file " + file));
      }
    }
  }

  boolean helpRequested() {
    return helpRequested;
  }

  Value get(String key) {
    return values.get(key);
  }
}
