package io.drover.hub.firmware;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
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
 * A CoAP/DTLS device that fetches firmware block by block itself, as a constrained device does: its
 * endpoint's transparent blockwise handling is off (MAX_RESOURCE_BODY_SIZE 0), so each GET returns
 * exactly the Block2 block asked for. It serves {@code PUT /h}, where the cloud's "flash now"
 * arrives. One instance is one DTLS session.
 */
public final class CoapFirmwareDevice implements AutoCloseable {

  private final CoapEndpoint endpoint;
  private final CoapServer server;
  private final String base;
  /** What the cloud sent to this device's {@code PUT /h}. */
  public final List<String> handshakeNotices = new CopyOnWriteArrayList<>();

  public CoapFirmwareDevice(int port, String deviceId, String secret) throws Exception {
    Configuration config = new Configuration(CoapConfig.DEFINITIONS, DtlsConfig.DEFINITIONS, UdpConfig.DEFINITIONS, SystemConfig.DEFINITIONS);
    config.set(DtlsConfig.DTLS_ROLE, DtlsConfig.DtlsRole.CLIENT_ONLY);
    config.set(DtlsConfig.DTLS_RETRANSMISSION_TIMEOUT, 300, TimeUnit.MILLISECONDS);
    config.set(CoapConfig.MAX_RESOURCE_BODY_SIZE, 0);
    DtlsConnectorConfig dtls = DtlsConnectorConfig.builder(config)
        .setAdvancedPskStore(new AdvancedSinglePskStore(deviceId, secret.getBytes(StandardCharsets.US_ASCII))).build();
    endpoint = CoapEndpoint.builder().setConfiguration(config).setConnector(new DTLSConnector(dtls)).build();
    server = new CoapServer(config);
    server.addEndpoint(endpoint);
    server.add(new CoapResource("h") {
      @Override
      public void handlePUT(CoapExchange exchange) {
        handshakeNotices.add(exchange.getRequestText());
        exchange.respond(ResponseCode.CHANGED);
      }
    });
    server.start();
    base = "coaps://127.0.0.1:" + port;
  }

  public CoapResponse post(String path, String payload) throws Exception {
    Request request = Request.newPost();
    request.setPayload(payload);
    return send(path, request);
  }

  /** One Block2 block (RFC 7959) of 512 bytes, asked for by number: random access, as a resuming device asks. */
  public CoapResponse block(int version, int num) throws Exception {
    Request request = Request.newGet();
    request.getOptions().setBlock2(5, false, num);
    return send("/fw/" + version, request);
  }

  private CoapResponse send(String path, Request request) throws Exception {
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
