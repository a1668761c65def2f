package io.drover.hub.launcher;

import io.drover.coap.ParticleServerKey;
import io.drover.hub.devices.DtlsServerKey;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.List;

/**
 * {@code drover particle-server-key --address HOST --out FILE [--data-dir=DIR]}: writes the
 * {@code server_key.der} a Particle device needs to connect to this node (what {@code particle keys server}
 * puts on a real device): the node's DTLS public key, and the address the device connects to on UDP 5684.
 */
final class ParticleServerKeyCommand {

  static final String NAME = "particle-server-key";

  private ParticleServerKeyCommand() {
  }

  static String usage() {
    return """
        Usage: drover particle-server-key --address HOST --out FILE [--data-dir=DIR]

        Writes FILE, the server_key.der a Particle device (Device OS) pins for its cloud: this node's
        DTLS public key (DATA_DIR/coap-server-key, made if the node never ran) and HOST, the IPv4 address
        or host name the device connects to on UDP 5684 (particle.host, or the address in front of it).
        Put it on a device with `particle keys server FILE` (USB, DFU mode), or give it to the virtual
        device's --server_key. DIR defaults to ./drover-data, as for the node. Nothing is overwritten.
        """;
  }

  /** @throws ConfigException for a bad argument; the message says which */
  static void run(List<String> args, PrintStream out) throws IOException {
    String address = null;
    String file = null;
    String dataDir = "./drover-data";
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      if (arg.equals("--help") || arg.equals("-h")) {
        out.print(usage());
        return;
      }
      int equals = arg.indexOf('=');
      String key;
      String value;
      if (arg.startsWith("--") && equals > 0) {
        key = arg.substring(2, equals);
        value = arg.substring(equals + 1);
      } else if (arg.startsWith("--") && i + 1 < args.size()) {
        key = arg.substring(2);
        value = args.get(++i);
      } else {
        throw new ConfigException(NAME + ": unexpected argument '" + arg + "'\n" + usage());
      }
      switch (key) {
        case "address" -> address = value;
        case "out" -> file = value;
        case "data-dir" -> dataDir = value;
        default -> throw new ConfigException(NAME + ": unknown option --" + key + "\n" + usage());
      }
    }
    if (address == null || file == null) {
      throw new ConfigException(NAME + " needs --address and --out\n" + usage());
    }
    Path target = Path.of(file).toAbsolutePath().normalize();
    if (Files.exists(target)) {
      throw new ConfigException(NAME + ": " + target + " exists already; move it away first (nothing is overwritten)");
    }
    KeyPair key = DtlsServerKey.loadAtStart(Path.of(dataDir).toAbsolutePath().normalize().resolve(DtlsServerKey.FILE_NAME));
    byte[] serverKey;
    try {
      serverKey = ParticleServerKey.encode(key.getPublic(), address.trim());
    } catch (IllegalArgumentException e) {
      throw new ConfigException(NAME + ": " + e.getMessage());
    }
    Files.write(target, serverKey);
    out.println("wrote " + target + " (" + serverKey.length + " bytes: this node's key, and " + address.trim() + " on UDP 5684)");
  }
}
