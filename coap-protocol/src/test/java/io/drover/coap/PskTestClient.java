package io.drover.coap;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.eclipse.californium.core.CoapClient;
import org.eclipse.californium.core.CoapResponse;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.eclipse.californium.core.config.CoapConfig;
import org.eclipse.californium.core.network.CoapEndpoint;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.elements.config.SystemConfig;
import org.eclipse.californium.elements.config.UdpConfig;
import org.eclipse.californium.scandium.DTLSConnector;
import org.eclipse.californium.scandium.config.DtlsConfig;
import org.eclipse.californium.scandium.config.DtlsConnectorConfig;
import org.eclipse.californium.scandium.dtls.pskstore.AdvancedSinglePskStore;

/** A device made of Californium's own client: PSK over DTLS on loopback, short handshake timeouts. */
final class PskTestClient implements AutoCloseable {

  private final CoapEndpoint endpoint;
  private final int port;

  PskTestClient(int port, String identity, String key) {
    this.port = port;
    Configuration config = new Configuration(CoapConfig.DEFINITIONS, DtlsConfig.DEFINITIONS, UdpConfig.DEFINITIONS, SystemConfig.DEFINITIONS);
    config.set(DtlsConfig.DTLS_ROLE, DtlsConfig.DtlsRole.CLIENT_ONLY);
    config.set(DtlsConfig.DTLS_RETRANSMISSION_TIMEOUT, 300, TimeUnit.MILLISECONDS);
    config.set(DtlsConfig.DTLS_MAX_RETRANSMISSIONS, 2);
    DtlsConnectorConfig dtls = DtlsConnectorConfig.builder(config)
        .setAdvancedPskStore(new AdvancedSinglePskStore(identity, key.getBytes(StandardCharsets.US_ASCII)))
        .build();
    endpoint = CoapEndpoint.builder().setConfiguration(config).setConnector(new DTLSConnector(dtls)).build();
  }

  /** @return the response, or null when none came within 5 s or the handshake failed */
  CoapResponse post(String path, String payload, boolean confirmable) throws Exception {
    CoapClient client = new CoapClient("coaps://127.0.0.1:" + port + path);
    client.setEndpoint(endpoint);
    client.setTimeout(5000L);
    if (!confirmable) {
      client.useNONs();
    }
    try {
      return client.post(payload.getBytes(StandardCharsets.UTF_8), MediaTypeRegistry.TEXT_PLAIN);
    } catch (java.io.IOException handshakeFailed) {
      return null;
    } finally {
      client.shutdown();
    }
  }

  @Override
  public void close() {
    endpoint.destroy();
  }
}
