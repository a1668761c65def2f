package io.drover.hub.firmware;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code bin/drover-firmware wrap --product N --version V --platform P in.bin out.bin}: wraps any
 * payload into a valid firmware binary; {@code bin/drover-firmware inspect file.bin} prints a
 * binary's header as JSON after checking it.
 */
public final class FirmwareTool {

  private static final String USAGE = """
      Usage: drover-firmware wrap --product N --version V --platform P IN OUT
             drover-firmware inspect FILE
      """;

  private FirmwareTool() {
  }

  public static void main(String[] args) {
    System.exit(run(List.of(args)));
  }

  static int run(List<String> args) {
    try {
      if (args.size() == 2 && args.get(0).equals("inspect")) {
        FirmwareBinary binary = FirmwareBinary.parse(Files.readAllBytes(Path.of(args.get(1))));
        System.out.printf("{\"product_id\":%d,\"version\":%d,\"platform_id\":%d,\"payload_length\":%d,\"sha256\":\"%s\"}%n",
            binary.productId(), binary.version(), binary.platformId(), binary.payload().length, binary.sha256Hex());
        return 0;
      }
      if (args.isEmpty() || !args.get(0).equals("wrap")) {
        System.err.print(USAGE);
        return 2;
      }
      Map<String, Integer> options = new HashMap<>();
      List<String> files = new java.util.ArrayList<>();
      for (int i = 1; i < args.size(); i++) {
        String arg = args.get(i);
        if (arg.startsWith("--")) {
          if (i + 1 >= args.size()) {
            throw new IllegalArgumentException(arg + " needs a value");
          }
          options.put(arg.substring(2), Integer.parseInt(args.get(++i)));
        } else {
          files.add(arg);
        }
      }
      for (String required : List.of("product", "version", "platform")) {
        if (!options.containsKey(required)) {
          throw new IllegalArgumentException("--" + required + " is required");
        }
      }
      if (files.size() != 2) {
        throw new IllegalArgumentException("give the input and the output file");
      }
      byte[] binary = FirmwareBinary.wrap(options.get("product"), options.get("version"), options.get("platform"),
          Files.readAllBytes(Path.of(files.get(0))));
      Files.write(Path.of(files.get(1)), binary);
      return 0;
    } catch (FirmwareBinary.InvalidBinary | IOException e) {
      System.err.println("drover-firmware: " + e.getMessage());
      return 1;
    } catch (IllegalArgumentException e) {
      System.err.println("drover-firmware: " + e.getMessage() + "\n" + USAGE);
      return 2;
    }
  }
}
