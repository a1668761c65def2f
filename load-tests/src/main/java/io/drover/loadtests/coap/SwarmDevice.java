package io.drover.loadtests.coap;

import io.drover.loadtests.swarm.DeviceCredentials;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
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
  /** Intended send times of requests waiting for the one in flight; guards {@link #busy} too. */
  private final ArrayDeque<Long> backlog = new ArrayDeque<>();
  private boolean busy;

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

  /**
   * Open loop: a request due at {@code intendedNanos} (the pacer's schedule). Sent at once when the
   * device has no request in flight, otherwise queued behind the one in flight and sent as soon as
   * that is answered (CoAP's NSTART = 1). Either way its latency is counted from {@code intendedNanos},
   * so the time a request waits for its turn is in the figure, not left out (coordinated omission).
   *
   * @return false when the request was queued behind another
   */
  boolean offer(long intendedNanos, byte[] payload, CoapSwarmCommand.RequestStats stats) {
    synchronized (backlog) {
      if (busy) {
        backlog.addLast(intendedNanos);
        return false;
      }
      busy = true;
    }
    send(payload, stats, intendedNanos, () -> next(payload, stats));
    return true;
  }

  private void next(byte[] payload, CoapSwarmCommand.RequestStats stats) {
    long intended;
    synchronized (backlog) {
      if (backlog.isEmpty()) {
        busy = false;
        return;
      }
      intended = backlog.removeFirst();
    }
    send(payload, stats, intended, () -> next(payload, stats));
  }

  /** Requests still queued, never sent: when the drain ends before the backlog does. */
  int backlog() {
    synchronized (backlog) {
      return backlog.size();
    }
  }

  /** Closed loop: a new request as soon as the previous is answered, until {@code deadline}. */
  void sendLoop(byte[] payload, CoapSwarmCommand.RequestStats stats, long deadline) {
    send(payload, stats, System.nanoTime(), () -> {
      if (System.nanoTime() < deadline) {
        sendLoop(payload, stats, deadline);
      }
    });
  }

  /** Sends one CON; its answer is timed from {@code intendedNanos} and, apart, from the moment it was sent. */
  private void send(byte[] payload, CoapSwarmCommand.RequestStats stats, long intendedNanos, Runnable done) {
    Request request = Request.newPost();
    request.setURI(eventUri);
    request.setPayload(payload);
    request.getOptions().setContentFormat(MediaTypeRegistry.TEXT_PLAIN);
    long start = System.nanoTime();
    request.addMessageObserver(new MessageObserverAdapter() {
      @Override
      public void onResponse(Response response) {
        stats.answered(System.nanoTime(), intendedNanos, start, response.getCode() == ResponseCode.CHANGED);
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
