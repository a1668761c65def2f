package io.drover.loadtests.coap;

import io.drover.loadtests.swarm.DeviceCredentials;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.californium.core.CoapClient;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.eclipse.californium.core.coap.MessageObserverAdapter;
import org.eclipse.californium.core.coap.Request;
import org.eclipse.californium.core.coap.Response;
import org.eclipse.californium.core.network.CoapEndpoint;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.scandium.DTLSConnector;
import org.eclipse.californium.scandium.config.DtlsConnectorConfig;
import org.eclipse.californium.scandium.dtls.pskstore.AdvancedSinglePskStore;

/** One device: its own UDP socket, DTLS connector and CoAP endpoint, at most one request in flight. */
final class SwarmDevice {

  private static final Configuration CONFIG = CoapClientConfig.device();

  private final CoapEndpoint endpoint;
  private final String base;
  private final String eventUri;
  private final AtomicBoolean busy = new AtomicBoolean();

  SwarmDevice(DeviceCredentials credentials, String base, ScheduledExecutorService main, ScheduledExecutorService secondary,
      ExecutorService dtls) throws IOException {
    DTLSConnector connector = new DTLSConnector(DtlsConnectorConfig.builder(CONFIG)
        .setAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
        .setAdvancedPskStore(new AdvancedSinglePskStore(credentials.id(), credentials.secret().getBytes(StandardCharsets.US_ASCII)))
        .build());
    connector.setExecutor(dtls);
    endpoint = CoapEndpoint.builder().setConfiguration(CONFIG).setConnector(connector).build();
    endpoint.setExecutors(main, secondary);
    endpoint.start();
    this.base = base;
    this.eventUri = base + "/e/bench";
  }

  /** A CoAP ping (empty CON, answered RST) over a new DTLS session: true once the session works. */
  boolean handshake(long timeoutMs) {
    CoapClient client = new CoapClient(base);
    client.setEndpoint(endpoint);
    try {
      return client.ping(timeoutMs);
    } finally {
      client.shutdown();
    }
  }

  /** @return false when this device still waits for its previous answer */
  boolean sendOnce(byte[] payload, CoapSwarmCommand.RequestStats stats) {
    if (!busy.compareAndSet(false, true)) {
      return false;
    }
    send(payload, stats, () -> busy.set(false));
    return true;
  }

  /** Closed loop: a new request as soon as the previous is answered, until {@code deadline}. */
  void sendLoop(byte[] payload, CoapSwarmCommand.RequestStats stats, long deadline) {
    send(payload, stats, () -> {
      if (System.nanoTime() < deadline) {
        sendLoop(payload, stats, deadline);
      }
    });
  }

  private void send(byte[] payload, CoapSwarmCommand.RequestStats stats, Runnable done) {
    Request request = Request.newPost();
    request.setURI(eventUri);
    request.setPayload(payload);
    request.getOptions().setContentFormat(MediaTypeRegistry.TEXT_PLAIN);
    long start = System.nanoTime();
    request.addMessageObserver(new MessageObserverAdapter() {
      @Override
      public void onResponse(Response response) {
        stats.record(System.nanoTime() - start);
        (response.getCode() == ResponseCode.CHANGED ? stats.changed : stats.otherCodes).incrementAndGet();
        done.run();
      }

      @Override
      protected void failed() {
        stats.failed.incrementAndGet();
        done.run();
      }
    });
    stats.sent.incrementAndGet();
    endpoint.sendRequest(request);
  }

  void close() {
    endpoint.destroy();
  }
}
