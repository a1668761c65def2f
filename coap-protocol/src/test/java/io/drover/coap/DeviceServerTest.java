package io.drover.coap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.eclipse.californium.core.CoapResponse;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.config.CoapConfig;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.elements.config.SystemConfig;
import org.eclipse.californium.elements.config.UdpConfig;
import org.eclipse.californium.scandium.config.DtlsConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The DTLS server on its own, with Californium's client over loopback UDP. */
class DeviceServerTest {

  private static final String DEVICE = "0123456789abcdef01234567";
  private static final String KEY = "00112233445566778899aabbccddeeff";

  private final List<String> events = new CopyOnWriteArrayList<>();
  private final List<String> refusals = new CopyOnWriteArrayList<>();
  private final List<String> handlerThreads = new CopyOnWriteArrayList<>();
  private ExecutorService keyLookups;
  private DeviceServer server;

  @BeforeEach
  void startServer() {
    keyLookups = Executors.newSingleThreadExecutor(r -> new Thread(r, "key-lookups"));
    server = builder().build();
    server.start();
  }

  private DeviceServer.Builder builder() {
    Map<String, byte[]> keys = Map.of(DEVICE, KEY.getBytes(StandardCharsets.US_ASCII));
    return DeviceServer.builder(CoapSettings.defaults("127.0.0.1", 0))
        // answered later, from another thread, as the hub answers over the bus
        .credentials(new DeviceCredentials() {
          @Override
          public CompletionStage<byte[]> presharedKey(String identity) {
            return CompletableFuture.supplyAsync(() -> keys.get(identity), keyLookups);
          }

          @Override
          public CompletionStage<String> deviceForPublicKey(byte[] subjectPublicKeyInfo) {
            return CompletableFuture.completedFuture(null);
          }

          @Override
          public CompletionStage<String> deviceForCertificate(List<byte[]> chainDer, InetSocketAddress peer) {
            return CompletableFuture.failedFuture(new CertificateRefused(CertificateRefused.Reason.UNTRUSTED, "no device CA here"));
          }
        })
        .sessionEvents(new DtlsSessionEvents() {
          @Override
          public void handshakeRefused(String identity, Refusal refusal, InetSocketAddress peer) {
            refusals.add(identity + ":" + refusal);
          }

          @Override
          public void certificateRefused(CertificateRefused refusal, InetSocketAddress peer) {
            refusals.add("certificate:" + refusal.reason());
          }

          @Override
          public void sessionEnded(String identity, String sessionId) {
          }
        })
        .requests(new DeviceRequestHandler() {
          @Override
          public CompletionStage<CoapReply> onEvent(DevicePeer peer, String name, byte[] data, boolean confirmable) {
            handlerThreads.add(Thread.currentThread().getName());
            events.add(peer.deviceId() + " " + name + "=" + new String(data, StandardCharsets.UTF_8) + (confirmable ? " CON" : " NON"));
            return CompletableFuture.supplyAsync(() -> CoapReply.of(ResponseCode.CHANGED), keyLookups);
          }

          @Override
          public CompletionStage<CoapReply> onDescribe(DevicePeer peer, byte[] description) {
            return CompletableFuture.completedFuture(CoapReply.of(ResponseCode.CHANGED));
          }
        });
  }

  @AfterEach
  void stopServer() throws InterruptedException {
    server.stop();
    keyLookups.shutdown();
    keyLookups.awaitTermination(5, TimeUnit.SECONDS);
  }

  @Test
  void confirmableEventOverPskIsAcknowledgedWithChangedOnceTheHandlerAnswers() throws Exception {
    try (PskTestClient device = new PskTestClient(server.securePort(), DEVICE, KEY)) {
      CoapResponse response = device.post("/e/temp", "21.5", true);

      assertNotNull(response, "no response");
      assertEquals(ResponseCode.CHANGED, response.getCode());
      assertEquals(List.of(DEVICE + " temp=21.5 CON"), events);
      assertEquals(1, handlerThreads.size());
      assertTrue(handlerThreads.get(0).startsWith("CoapServer"), "the handler is called on the protocol-stage thread, the resource pinned to no executor: " + handlerThreads);
    }
  }

  @Test
  void withAProtocolStageGivenTheHandlerRunsOnItAndTheConfirmableIsStillAnswered() throws Exception {
    server.stop();
    ExecutorService stage = Executors.newSingleThreadExecutor(r -> new Thread(r, "session-context"));
    try {
      server = builder().protocolStage(stage).build();
      server.start();
      try (PskTestClient device = new PskTestClient(server.securePort(), DEVICE, KEY)) {
        CoapResponse response = device.post("/e/temp", "21.5", true);

        assertNotNull(response, "no response");
        assertEquals(ResponseCode.CHANGED, response.getCode());
        assertEquals(List.of(DEVICE + " temp=21.5 CON"), events);
        assertEquals(List.of("session-context"), handlerThreads, "the handler is called on the given protocol stage");
      }
    } finally {
      stage.shutdown();
    }
  }

  @Test
  void eventNameWithSlashesArrivesWhole() throws Exception {
    try (PskTestClient device = new PskTestClient(server.securePort(), DEVICE, KEY)) {
      CoapResponse response = device.post("/e/garden/soil/moisture", "40", false);

      assertNotNull(response, "no response");
      assertEquals(List.of(DEVICE + " garden/soil/moisture=40 NON"), events);
    }
  }

  @Test
  void threadCountsOfZeroKeepCaliforniumsDefaultsAndOthersAreMapped() {
    CoapSettings defaults = CoapSettings.defaults("127.0.0.1", 0);
    Configuration untouched = DeviceServer.configuration(defaults);
    Configuration bare = new Configuration(CoapConfig.DEFINITIONS, DtlsConfig.DEFINITIONS, UdpConfig.DEFINITIONS, SystemConfig.DEFINITIONS);
    assertEquals(bare.get(DtlsConfig.DTLS_RECEIVER_THREAD_COUNT), untouched.get(DtlsConfig.DTLS_RECEIVER_THREAD_COUNT));
    assertEquals(bare.get(DtlsConfig.DTLS_CONNECTOR_THREAD_COUNT), untouched.get(DtlsConfig.DTLS_CONNECTOR_THREAD_COUNT));
    assertEquals(bare.get(CoapConfig.PROTOCOL_STAGE_THREAD_COUNT), untouched.get(CoapConfig.PROTOCOL_STAGE_THREAD_COUNT));

    CoapSettings tuned = new CoapSettings(defaults.host(), 0, 0, false, defaults.maxConnections(), defaults.maxActivePeers(),
        defaults.staleSessionThreshold(), defaults.udpReceiveBufferBytes(),
        defaults.exchangeLifetime(), defaults.idleTimeout(), new CoapThreads(2, 3, 4, 5));
    Configuration mapped = DeviceServer.configuration(tuned);
    assertEquals(3, mapped.get(DtlsConfig.DTLS_RECEIVER_THREAD_COUNT));
    assertEquals(4, mapped.get(DtlsConfig.DTLS_CONNECTOR_THREAD_COUNT));
    assertEquals(5, mapped.get(CoapConfig.PROTOCOL_STAGE_THREAD_COUNT));
  }

  @Test
  void plainCoapIsOffByDefault() {
    assertEquals(-1, server.plainPort());
  }

  @Test
  void plainCoapWhenEnabledCarriesNoIdentitySoDeviceResourcesAnswerUnauthorized() throws Exception {
    CoapSettings defaults = CoapSettings.defaults("127.0.0.1", 0);
    CoapSettings plainOn = new CoapSettings(defaults.host(), 0, 0, true, defaults.maxConnections(), defaults.maxActivePeers(),
        defaults.staleSessionThreshold(), defaults.udpReceiveBufferBytes(),
        defaults.exchangeLifetime(), defaults.idleTimeout(), defaults.threads());
    DeviceServer plain = DeviceServer.builder(plainOn)
        .credentials(new DeviceCredentials() {
          @Override
          public CompletionStage<byte[]> presharedKey(String identity) {
            return CompletableFuture.completedFuture(null);
          }

          @Override
          public CompletionStage<String> deviceForPublicKey(byte[] subjectPublicKeyInfo) {
            return CompletableFuture.completedFuture(null);
          }

          @Override
          public CompletionStage<String> deviceForCertificate(List<byte[]> chainDer, InetSocketAddress peer) {
            return CompletableFuture.failedFuture(new CertificateRefused(CertificateRefused.Reason.UNTRUSTED, "no device CA here"));
          }
        })
        .sessionEvents(new DtlsSessionEvents() {
          @Override
          public void handshakeRefused(String identity, Refusal refusal, InetSocketAddress peer) {
          }

          @Override
          public void certificateRefused(CertificateRefused refusal, InetSocketAddress peer) {
            refusals.add("certificate:" + refusal.reason());
          }

          @Override
          public void sessionEnded(String identity, String sessionId) {
          }
        })
        .requests(new DeviceRequestHandler() {
          @Override
          public CompletionStage<CoapReply> onEvent(DevicePeer peer, String name, byte[] data, boolean confirmable) {
            events.add(name);
            return CompletableFuture.completedFuture(CoapReply.of(ResponseCode.CHANGED));
          }

          @Override
          public CompletionStage<CoapReply> onDescribe(DevicePeer peer, byte[] description) {
            return CompletableFuture.completedFuture(CoapReply.of(ResponseCode.CHANGED));
          }
        })
        .build();
    plain.start();
    org.eclipse.californium.core.CoapClient client = new org.eclipse.californium.core.CoapClient("coap://127.0.0.1:" + plain.plainPort() + "/e/temp");
    try {
      client.setTimeout(5000L);
      CoapResponse response = client.post("1", org.eclipse.californium.core.coap.MediaTypeRegistry.TEXT_PLAIN);

      assertNotNull(response, "no response");
      assertEquals(ResponseCode.UNAUTHORIZED, response.getCode());
      assertTrue(events.isEmpty(), "the handler never saw it");
    } finally {
      client.shutdown();
      plain.stop();
    }
  }

  @Test
  void unknownIdentityFailsTheHandshakeAndIsReported() throws Exception {
    try (PskTestClient device = new PskTestClient(server.securePort(), "ffffffffffffffffffffffff", KEY)) {
      assertNull(device.post("/e/temp", "1", true));
    }
    assertTrue(events.isEmpty());
    assertEquals(List.of("ffffffffffffffffffffffff:UNKNOWN_IDENTITY"), refusals);
  }

  @Test
  void wrongKeyFailsTheHandshakeAndIsReportedOnce() throws Exception {
    try (PskTestClient device = new PskTestClient(server.securePort(), DEVICE, "ffeeddccbbaa99887766554433221100")) {
      assertNull(device.post("/e/temp", "1", true));
    }
    assertTrue(events.isEmpty());
    assertEquals(List.of(DEVICE + ":WRONG_KEY"), refusals);
  }
}
