package io.drover.coap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.californium.core.CoapClient;
import org.eclipse.californium.core.CoapResource;
import org.eclipse.californium.core.CoapResponse;
import org.eclipse.californium.core.CoapServer;
import org.eclipse.californium.core.coap.CoAP.Code;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Californium's protocol stage on one executor of the caller's (the gateway's session context), with
 * the node sending requests to devices as a settings push does: from that executor, after a hand-over
 * to another thread and back, while the same devices keep sending confirmable requests of their own.
 * Every request either way must be answered: none may be lost between Scandium's threads, the stage
 * and the stage's timers.
 */
class ProtocolStageRequestsTest {

  private static final int DEVICES = 8;
  private static final int REQUESTS_PER_DEVICE = 25;
  private static final byte[] KEY = "00112233445566778899aabbccddeeff".getBytes(StandardCharsets.US_ASCII);

  private final ExecutorService stage = Executors.newSingleThreadExecutor(r -> new Thread(r, "session-context"));
  private final ExecutorService hub = Executors.newFixedThreadPool(2, r -> new Thread(r, "hub"));
  private final ExecutorService devices = Executors.newFixedThreadPool(DEVICES);
  private final List<CoapServer> deviceServers = new CopyOnWriteArrayList<>();
  private DeviceServer server;

  @AfterEach
  void stop() throws InterruptedException {
    devices.shutdownNow();
    deviceServers.forEach(CoapServer::destroy);
    if (server != null) {
      server.stop();
    }
    stage.shutdown();
    hub.shutdown();
    stage.awaitTermination(5, TimeUnit.SECONDS);
  }

  @Test
  void requestsToDevicesSentFromTheStageAreAllAnsweredWhileTheDevicesKeepSending() throws Exception {
    AtomicInteger pushed = new AtomicInteger();
    AtomicInteger answered = new AtomicInteger();
    List<String> failures = new CopyOnWriteArrayList<>();
    Map<String, byte[]> keys = new ConcurrentHashMap<>();
    server = DeviceServer.builder(CoapSettings.defaults("127.0.0.1", 0))
        .credentials(new DeviceCredentials() {
          @Override
          public CompletionStage<byte[]> presharedKey(String identity) {
            return CompletableFuture.supplyAsync(() -> keys.get(identity), stage);
          }

          @Override
          public CompletionStage<String> deviceForPublicKey(byte[] subjectPublicKeyInfo) {
            return CompletableFuture.completedFuture(null);
          }

          @Override
          public CompletionStage<String> deviceForCertificate(List<byte[]> chainDer, InetSocketAddress peer) {
            return CompletableFuture.completedFuture(null);
          }
        })
        .sessionEvents(new DtlsSessionEvents() {
          @Override
          public void handshakeRefused(String identity, Refusal refusal, InetSocketAddress peer) {
            failures.add("handshake refused: " + identity);
          }

          @Override
          public void certificateRefused(CertificateRefused refusal, InetSocketAddress peer) {
          }

          @Override
          public void sessionEnded(String identity, String sessionId) {
          }
        })
        .requests(new DeviceRequestHandler() {
          @Override
          public CompletionStage<CoapReply> onEvent(DevicePeer peer, String name, byte[] data, boolean confirmable) {
            CompletableFuture<CoapReply> reply = new CompletableFuture<>();
            // as in the gateway: the hub answers on a thread of its own, then the session's context
            // answers the device and sends it a request of the node's (a settings push)
            hub.execute(() -> stage.execute(() -> {
              reply.complete(CoapReply.of(ResponseCode.CHANGED));
              pushed.incrementAndGet();
              peer.request(Code.PUT, "cfg", ("{\"for\":\"" + name + "\"}").getBytes(StandardCharsets.UTF_8)).whenComplete((answer, error) -> {
                if (answer != null && answer.code() == ResponseCode.CHANGED) {
                  answered.incrementAndGet();
                } else {
                  failures.add(peer.deviceId() + " " + name + ": " + (answer == null ? error : answer.code()));
                }
              });
            }));
            return reply;
          }

          @Override
          public CompletionStage<CoapReply> onDescribe(DevicePeer peer, byte[] description) {
            return CompletableFuture.completedFuture(CoapReply.of(ResponseCode.CHANGED));
          }
        })
        .protocolStage(stage)
        .build();
    server.start();

    List<Future<Integer>> sending = new ArrayList<>();
    for (int d = 0; d < DEVICES; d++) {
      String deviceId = String.format("%024x", d + 1);
      keys.put(deviceId, KEY);
      CoapEndpoint endpoint = deviceEndpoint(deviceId);
      sending.add(devices.submit(() -> {
        int unanswered = 0;
        for (int i = 0; i < REQUESTS_PER_DEVICE; i++) {
          CoapClient client = new CoapClient("coaps://127.0.0.1:" + server.securePort() + "/e/n" + i);
          client.setEndpoint(endpoint);
          client.setTimeout(10_000L);
          CoapResponse response = client.post("1".getBytes(StandardCharsets.UTF_8), MediaTypeRegistry.TEXT_PLAIN);
          client.shutdown();
          if (response == null || response.getCode() != ResponseCode.CHANGED) {
            unanswered++;
          }
        }
        return unanswered;
      }));
    }
    for (Future<Integer> device : sending) {
      assertEquals(0, device.get(120, TimeUnit.SECONDS), "the devices' own requests are all answered 2.04");
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (answered.get() + failures.size() < DEVICES * REQUESTS_PER_DEVICE && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }

    assertEquals(List.of(), failures);
    assertEquals(DEVICES * REQUESTS_PER_DEVICE, pushed.get());
    assertEquals(DEVICES * REQUESTS_PER_DEVICE, answered.get(), "every request the node sent was answered");
  }

  /** A device: Californium's DTLS client with a {@code /cfg} resource that answers PUT 2.04 at once. */
  private CoapEndpoint deviceEndpoint(String deviceId) {
    Configuration config = new Configuration(CoapConfig.DEFINITIONS, DtlsConfig.DEFINITIONS, UdpConfig.DEFINITIONS, SystemConfig.DEFINITIONS);
    config.set(DtlsConfig.DTLS_ROLE, DtlsConfig.DtlsRole.CLIENT_ONLY);
    config.set(DtlsConfig.DTLS_RETRANSMISSION_TIMEOUT, 300, TimeUnit.MILLISECONDS);
    DtlsConnectorConfig dtls = DtlsConnectorConfig.builder(config).setAdvancedPskStore(new AdvancedSinglePskStore(deviceId, KEY)).build();
    CoapEndpoint endpoint = CoapEndpoint.builder().setConfiguration(config).setConnector(new DTLSConnector(dtls)).build();
    CoapServer device = new CoapServer(config);
    device.addEndpoint(endpoint);
    device.add(new CoapResource("cfg") {
      @Override
      public void handlePUT(CoapExchange exchange) {
        exchange.respond(ResponseCode.CHANGED);
      }
    });
    device.start();
    deviceServers.add(device);
    assertNotNull(endpoint.getAddress());
    return endpoint;
  }
}
