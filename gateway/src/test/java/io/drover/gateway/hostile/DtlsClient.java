package io.drover.gateway.hostile;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.californium.elements.AddressEndpointContext;
import org.eclipse.californium.elements.MessageCallback;
import org.eclipse.californium.elements.RawData;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.elements.config.SystemConfig;
import org.eclipse.californium.elements.config.UdpConfig;
import org.eclipse.californium.scandium.DTLSConnector;
import org.eclipse.californium.scandium.config.DtlsConfig;
import org.eclipse.californium.scandium.config.DtlsConnectorConfig;
import org.eclipse.californium.scandium.dtls.pskstore.AdvancedSinglePskStore;

/**
 * A device's DTLS session with a pre-shared key (docs/device-protocol.md section 7.1), over which the
 * suite sends CoAP as raw bytes, without Californium's CoAP stack in the way, and receives what the
 * node sends back, as raw bytes too. The session is made by the first send.
 */
final class DtlsClient implements AutoCloseable {

  private final DTLSConnector connector;
  private final AddressEndpointContext gateway;
  private final LinkedBlockingQueue<byte[]> received = new LinkedBlockingQueue<>();
  private volatile Throwable lastSendError;
  /** The next message ID for a clean request or a probe: above the hostile ones, each used once until they wrap. */
  private int nextMessageId = CoapMessages.HOSTILE_MESSAGE_IDS;

  DtlsClient(int port, String identity, String secret) throws IOException {
    Configuration config = new Configuration(DtlsConfig.DEFINITIONS, UdpConfig.DEFINITIONS, SystemConfig.DEFINITIONS);
    config.set(DtlsConfig.DTLS_ROLE, DtlsConfig.DtlsRole.CLIENT_ONLY);
    config.set(DtlsConfig.DTLS_RETRANSMISSION_TIMEOUT, 500, TimeUnit.MILLISECONDS);
    config.set(DtlsConfig.DTLS_MAX_RETRANSMISSIONS, 4);
    connector = new DTLSConnector(DtlsConnectorConfig.builder(config)
        .setAdvancedPskStore(new AdvancedSinglePskStore(identity, secret.getBytes(StandardCharsets.US_ASCII)))
        .setLoggingTag("hostile-client")
        .build());
    connector.setRawDataReceiver(data -> received.add(data.getBytes()));
    connector.start();
    gateway = new AddressEndpointContext(new InetSocketAddress("127.0.0.1", port));
  }

  void send(byte[] datagram) {
    connector.send(RawData.outbound(datagram, gateway, new MessageCallback() {
      @Override
      public void onConnecting() {
      }

      @Override
      public void onDtlsRetransmission(int flight) {
      }

      @Override
      public void onContextEstablished(org.eclipse.californium.elements.EndpointContext context) {
      }

      @Override
      public void onSent() {
      }

      @Override
      public void onError(Throwable error) {
        lastSendError = error;
      }
    }, false));
  }

  int nextMessageId() {
    int id = nextMessageId;
    nextMessageId = id == 0xffff ? CoapMessages.HOSTILE_MESSAGE_IDS : id + 1;
    return id;
  }

  /** @return the next datagram received, or null when none came by {@code deadlineNanos} */
  byte[] receive(long deadlineNanos) throws InterruptedException {
    return received.poll(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
  }

  /** Why the last send failed (the handshake, say), for a hang's report; null when none did. */
  Throwable lastSendError() {
    return lastSendError;
  }

  @Override
  public void close() {
    connector.destroy();
  }
}
