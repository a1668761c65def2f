package io.drover.loadtests.coap;

import io.drover.loadtests.CommandLine;
import io.drover.loadtests.LoopbackTarget;
import io.drover.loadtests.swarm.DeviceCredentials;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.eclipse.californium.core.CoapResource;
import org.eclipse.californium.core.CoapServer;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.network.CoapEndpoint;
import org.eclipse.californium.core.server.resources.CoapExchange;
import org.eclipse.californium.core.server.resources.Resource;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.scandium.DTLSConnector;
import org.eclipse.californium.scandium.config.DtlsConnectorConfig;
import org.eclipse.californium.scandium.dtls.pskstore.AdvancedMultiPskStore;

/**
 * {@code coap-baseline}: a bare Californium DTLS 1.2 PSK server with one resource, {@code POST /e/{name}}
 * answered 2.04 at once, and the devices' keys in memory. The peer the CoAP swarm measures Drover
 * against. Prints {@code {"port":P}} once it listens and stops by itself after {@code --max-s}.
 */
public final class BaselineCommand {

  private static final String HELP = """
      Usage: java -jar drover-swarm.jar coap-baseline --devices FILE [options]

        --devices FILE   'id secret' lines (from provision); each id is a PSK identity, its secret
                         as ASCII the key, as on a Drover node
        --count N        devices read from the file (default: 20000)
        --host H         loopback address to bind (default: 127.0.0.1)
        --port P         UDP port, 0 picks a free one (default: 0)
        --max-s S        stops by itself after this many seconds (default: 3600)
      """;

  private BaselineCommand() {
  }

  public static int run(CommandLine options) {
    if (options.helpRequested()) {
      System.err.print(HELP);
      return 0;
    }
    Path file = options.requiredPath("devices");
    int count = options.integer("count", 20_000, 1, 1_000_000);
    String host = LoopbackTarget.require(options.text("host", "127.0.0.1"), "host");
    int port = options.integer("port", 0, 0, 65_535);
    int maxSeconds = options.integer("max-s", 3600, 1, 86_400);
    options.requireAllRead();

    List<DeviceCredentials> devices = DeviceCredentials.read(file, 0, count);
    AdvancedMultiPskStore keys = new AdvancedMultiPskStore();
    for (DeviceCredentials device : devices) {
      keys.setKey(device.id(), device.secret().getBytes(StandardCharsets.US_ASCII));
    }
    Configuration config = CoapClientConfig.baselineServer();
    DTLSConnector connector = new DTLSConnector(DtlsConnectorConfig.builder(config)
        .setAddress(new InetSocketAddress(host, port))
        .setAdvancedPskStore(keys)
        .build());
    CoapEndpoint endpoint = CoapEndpoint.builder().setConfiguration(config).setConnector(connector).build();
    CoapServer server = new CoapServer(config);
    server.addEndpoint(endpoint);
    server.add(new EventResource());
    server.start();
    if (!endpoint.isStarted()) {
      System.err.println("coap-baseline: the endpoint did not start");
      return 1;
    }
    System.out.println("{\"port\":" + endpoint.getAddress().getPort() + ",\"devices\":" + devices.size() + "}");
    System.out.flush();
    try {
      Thread.sleep(maxSeconds * 1000L);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    server.destroy();
    return 0;
  }

  /** {@code /e} and any name below it: a POST is answered 2.04 Changed at once, nothing stored. */
  private static final class EventResource extends CoapResource {

    EventResource() {
      super("e");
    }

    @Override
    public Resource getChild(String name) {
      return this;
    }

    @Override
    public void handlePOST(CoapExchange exchange) {
      exchange.respond(ResponseCode.CHANGED);
    }
  }
}
