package io.drover.hub.tracker;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.eclipse.californium.core.CoapClient;
import org.eclipse.californium.core.CoapResource;
import org.eclipse.californium.core.CoapResponse;
import org.eclipse.californium.core.CoapServer;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.Request;
import org.eclipse.californium.core.config.CoapConfig;
import org.eclipse.californium.core.network.CoapEndpoint;
import org.eclipse.californium.core.server.resources.CoapExchange;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.elements.config.SystemConfig;
import org.eclipse.californium.elements.config.UdpConfig;
import org.eclipse.californium.scandium.DTLSConnector;
import org.eclipse.californium.scandium.config.DtlsConfig;
import org.eclipse.californium.scandium.config.DtlsConnectorConfig;
import org.eclipse.californium.scandium.dtls.pskstore.AdvancedSinglePskStore;

/**
 * A tracker over CoAP/DTLS (docs/device-protocol.md section 9): reports its checksum in {@code POST /h},
 * serves {@code PUT /cfg} where the settings arrive, and acknowledges them with {@code POST /cfg/ack}.
 */
final class CoapTrackerDevice implements AutoCloseable {

  final List<JsonObject> settingsReceived = new CopyOnWriteArrayList<>();
  final List<Integer> ackCodes = new CopyOnWriteArrayList<>();
  private final CoapEndpoint endpoint;
  private final CoapServer server;
  private final String base;
  volatile String running;

  CoapTrackerDevice(int port, String deviceId, String secret, String running) throws Exception {
    this.running = running;
    Configuration config = new Configuration(CoapConfig.DEFINITIONS, DtlsConfig.DEFINITIONS, UdpConfig.DEFINITIONS, SystemConfig.DEFINITIONS);
    config.set(DtlsConfig.DTLS_ROLE, DtlsConfig.DtlsRole.CLIENT_ONLY);
    config.set(DtlsConfig.DTLS_RETRANSMISSION_TIMEOUT, 300, TimeUnit.MILLISECONDS);
    DtlsConnectorConfig dtls = DtlsConnectorConfig.builder(config)
        .setAdvancedPskStore(new AdvancedSinglePskStore(deviceId, secret.getBytes(StandardCharsets.US_ASCII))).build();
    endpoint = CoapEndpoint.builder().setConfiguration(config).setConnector(new DTLSConnector(dtls)).build();
    server = new CoapServer(config);
    server.addEndpoint(endpoint);
    server.add(new CoapResource("h") {
      @Override
      public void handlePUT(CoapExchange exchange) {
        exchange.respond(ResponseCode.CHANGED);
      }
    });
    server.add(new CoapResource("cfg") {
      @Override
      public void handlePUT(CoapExchange exchange) {
        JsonObject pushed = new JsonObject(exchange.getRequestText());
        settingsReceived.add(pushed);
        exchange.respond(ResponseCode.CHANGED);
        // acknowledged from another thread: the device answers the PUT first, as firmware does
        new Thread(() -> {
          try {
            CoapResponse ack = post("/cfg/ack", new JsonObject().put("checksum", pushed.getString("checksum")).encode());
            ackCodes.add(ack == null ? -1 : ack.getCode().value);
            CoapTrackerDevice.this.running = pushed.getString("checksum");
          } catch (Exception e) {
            ackCodes.add(-1);
          }
        }).start();
      }
    });
    server.start();
    base = "coaps://127.0.0.1:" + port;
  }

  CoapResponse handshake(int productId) throws Exception {
    return post("/h", new JsonObject().put("product_id", productId).put("platform_id", TrackerFleet.TRACKER_PLATFORM)
        .put("config_checksum", running).encode());
  }

  CoapResponse post(String path, String payload) throws Exception {
    Request request = Request.newPost();
    request.setPayload(payload);
    CoapClient client = new CoapClient(base + path);
    client.setEndpoint(endpoint);
    client.setTimeout(5000L);
    try {
      return client.advanced(request);
    } finally {
      client.shutdown();
    }
  }

  @Override
  public void close() {
    server.destroy();
  }
}
