package io.drover.coap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.BindException;
import java.net.InetSocketAddress;
import java.security.KeyPair;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Particle listener on its own, against Particle's real virtual device (Device OS 6.2.0). */
class ParticleDeviceServerTest {

  private final Map<String, String> keys = new ConcurrentHashMap<>();
  private final List<String> hellos = new CopyOnWriteArrayList<>();
  private final List<String> refusals = new CopyOnWriteArrayList<>();
  private final List<String> events = new CopyOnWriteArrayList<>();
  private final List<String> ttls = new CopyOnWriteArrayList<>();
  private final List<String> applicationDescribes = new CopyOnWriteArrayList<>();
  private final List<io.drover.coap.particle.SystemDescribe> systemDescribes = new CopyOnWriteArrayList<>();
  private final List<String> pings = new CopyOnWriteArrayList<>();
  private final Map<String, DevicePeer> peers = new ConcurrentHashMap<>();
  private final List<String> subscriptions = new CopyOnWriteArrayList<>();
  private final List<String> deliveries = new CopyOnWriteArrayList<>();
  private KeyPair serverKey;
  private String host;
  private ParticleDeviceServer server;

  @BeforeEach
  void startServer() throws Exception {
    serverKey = VirtualParticleDevice.newKey();
    for (int attempt = 0; server == null; attempt++) {
      host = VirtualParticleDevice.freeLoopbackHost();
      ParticleDeviceServer candidate = ParticleDeviceServer.create(CoapSettings.defaults(host, 5684),
          DtlsServerIdentity.rawPublicKey(serverKey), credentials(), sessionEvents(), requests());
      try {
        candidate.start();
        server = candidate;
      } catch (IllegalStateException e) {
        candidate.stop();
        if (!(e.getCause() instanceof BindException) || attempt > 5) {
          throw e;
        }
      }
    }
  }

  @AfterEach
  void stopServer() {
    server.stop();
  }

  @Test
  void virtualDeviceShakesHandsWithConnectionIdCodePoint254AndSendsItsHello() throws Exception {
    String deviceId = VirtualParticleDevice.newDeviceId();
    KeyPair deviceKey = VirtualParticleDevice.newKey();
    keys.put(HexFormat.of().formatHex(deviceKey.getPublic().getEncoded()), deviceId);

    try (VirtualParticleDevice device = VirtualParticleDevice.start(deviceId, deviceKey, serverKey.getPublic(), host)) {
      boolean helloSeen = VirtualParticleDevice.await(Duration.ofSeconds(10), () -> !hellos.isEmpty());

      assertTrue(helloSeen, "no Hello within 10 s; the device said:\n" + device.log());
      assertEquals(deviceId + " " + deviceId + " platform 3", hellos.get(0), "the session is the key's device, and the Hello names it");
      assertEquals(List.of(), refusals);
    }
  }

  @Test
  void virtualDevicePublishesItsTickEventsAsTheKeysDevice() throws Exception {
    String deviceId = VirtualParticleDevice.newDeviceId();
    KeyPair deviceKey = VirtualParticleDevice.newKey();
    keys.put(HexFormat.of().formatHex(deviceKey.getPublic().getEncoded()), deviceId);

    try (VirtualParticleDevice device = VirtualParticleDevice.start(deviceId, deviceKey, serverKey.getPublic(), host)) {
      boolean ticked = VirtualParticleDevice.await(Duration.ofSeconds(25),
          () -> events.stream().anyMatch(event -> event.startsWith(deviceId + " vdev/tick=")));

      assertTrue(ticked, "no vdev/tick within 25 s; events " + events + "; the device said:\n" + device.log());
      assertTrue(events.contains(deviceId + " vdev/tick=1 CON"), "the first tick carries counter 1, confirmable: " + events);
      assertTrue(ttls.contains("vdev/tick ttl 60 cf -1"), "no Max-Age: the default TTL; no Content-Format: text: " + ttls);
    }
  }

  @Test
  void virtualDeviceDescribesItselfAndAnswersFunctionVariableAndSignalInDeviceOsShapes() throws Exception {
    String deviceId = VirtualParticleDevice.newDeviceId();
    KeyPair deviceKey = VirtualParticleDevice.newKey();
    keys.put(HexFormat.of().formatHex(deviceKey.getPublic().getEncoded()), deviceId);

    try (VirtualParticleDevice device = VirtualParticleDevice.start(deviceId, deviceKey, serverKey.getPublic(), host)) {
      try {
        assertTrue(VirtualParticleDevice.await(Duration.ofSeconds(15), () -> !applicationDescribes.isEmpty() && !systemDescribes.isEmpty()
            && peers.containsKey(deviceId)), "no describe or event within 15 s");
        assertEquals("{\"f\":[\"setName\"],\"v\":{\"counter\":2,\"name\":4,\"temp\":9}}", applicationDescribes.get(0));
        assertEquals(6200, systemDescribes.get(0).systemModuleVersion(), "Device OS 6.2.0's module version: " + systemDescribes.get(0));
        DevicePeer peer = peers.get(deviceId);

        CoapReply called = ParticleCalls.function(peer, "setName", "hello").get(10, TimeUnit.SECONDS);
        assertEquals(ResponseCode.CHANGED, called.code());
        assertEquals("5", ParticleCalls.returnValue(called.payload()), "setName returns its argument's length");
        CoapReply name = ParticleCalls.variable(peer, "name").get(10, TimeUnit.SECONDS);
        assertEquals("hello", ParticleCalls.value(name.payload(), ParticleCalls.STRING), "the function's argument, kept by the application");

        CoapReply temp = ParticleCalls.variable(peer, "temp").get(10, TimeUnit.SECONDS);
        assertEquals(ResponseCode.CONTENT, temp.code());
        assertEquals("21.5", ParticleCalls.value(temp.payload(), ParticleCalls.DOUBLE));
        CoapReply empty = ParticleCalls.function(peer, "setName", "").get(10, TimeUnit.SECONDS);
        assertEquals("0", ParticleCalls.returnValue(empty.payload()), "an empty argument is still an option");
        CoapReply unknown = ParticleCalls.variable(peer, "nothing").get(10, TimeUnit.SECONDS);
        assertEquals(ResponseCode.NOT_FOUND, unknown.code());

        CoapReply signal = ParticleCalls.signal(peer, true).get(10, TimeUnit.SECONDS);
        assertTrue(signal.isSuccess(), "signal answered " + signal.code());
        assertTrue(ParticleCalls.signal(peer, false).get(10, TimeUnit.SECONDS).isSuccess());
      } catch (AssertionError | java.util.concurrent.ExecutionException e) {
        throw new AssertionError(e.getMessage() + "\nthe device said:\n" + device.log(), e);
      }
    }
  }

  /**
   * Device OS sends its keep-alive ping after 25 s without hearing the cloud; the virtual device's tick
   * every 10 s is acknowledged, so it is heard from, and it need not ping. The session must outlast a
   * ping interval all the same: one Hello, ticks on both sides of the 25 s mark, and the device never
   * reconnected. Each ping it sent meanwhile was answered with an empty ACK (a Reset would end its
   * session and make it shake hands again: a second Hello). The ACK itself: {@link ParticlePingsTest}.
   */
  @Test
  void sessionOutlastsTheKeepAliveInterval() throws Exception {
    String deviceId = VirtualParticleDevice.newDeviceId();
    KeyPair deviceKey = VirtualParticleDevice.newKey();
    keys.put(HexFormat.of().formatHex(deviceKey.getPublic().getEncoded()), deviceId);

    try (VirtualParticleDevice device = VirtualParticleDevice.start(deviceId, deviceKey, serverKey.getPublic(), host)) {
      boolean ticking = VirtualParticleDevice.await(Duration.ofSeconds(40), () -> tickCount(deviceId) >= 3);

      assertTrue(ticking, "fewer than 3 ticks within 40 s: " + events + "; pings " + pings + "\n" + device.log());
      assertEquals(1, hellos.size(), "one session for more than 25 s: the device did not reconnect; pings " + pings);
      assertTrue(device.alive());
      assertTrue(pings.stream().allMatch(deviceId::equals), "every ping counted for its session's device: " + pings);
    }
  }

  /**
   * Fast legacy OTA against the real device: chunks 1 and 3 of the first round are dropped on purpose;
   * the device answers {@code PUT /u} with 4.00 and lists exactly them in a {@code GET /c}, gets them,
   * takes the file at the next {@code PUT /u}, and applies it (it re-executes itself on the new version).
   */
  @Test
  void fastOtaResendsTheChunksTheDeviceListsAsMissingAndTheDeviceAppliesTheModule() throws Exception {
    ParticleFirmwareUpdate update = flash((round, index) -> round == 0 && (index == 1 || index == 3), true, (update1, device) -> {
      assertTrue(update1.fast(), "the device took fast mode (its UpdateReady's flag)");
      assertEquals(List.of("1,3"), update1.listed, "the device listed exactly the dropped chunks, in one GET /c");
    });
    assertTrue(update.done().isDone());
  }

  /** Fast mode without a chunk lost: no {@code GET /c}, the first {@code PUT /u} is answered 2.04. */
  @Test
  void fastOtaWithNoChunkLostNeedsNoList() throws Exception {
    flash((round, index) -> false, true, (update, device) -> {
      assertTrue(update.fast());
      assertEquals(List.of(), update.listed, "nothing was missing");
    });
  }

  /** Acknowledged mode, still there for a device that answers without the fast flag: every chunk confirmed, nothing listed. */
  @Test
  void acknowledgedOtaStillUpdatesTheDevice() throws Exception {
    flash((round, index) -> false, false, (update, device) -> {
      assertTrue(!update.fast());
      assertEquals(List.of(), update.listed);
    });
  }

  /**
   * A chunk that never arrives, however often the device lists it: the update fails after {@link
   * ParticleFirmwareUpdate#MAX_ROUNDS} lists, saying so, and sends nothing more.
   */
  @Test
  void fastOtaFailsAfterTheBoundedNumberOfRounds() throws Exception {
    String deviceId = VirtualParticleDevice.newDeviceId();
    KeyPair deviceKey = VirtualParticleDevice.newKey();
    keys.put(HexFormat.of().formatHex(deviceKey.getPublic().getEncoded()), deviceId);
    try (VirtualParticleDevice device = VirtualParticleDevice.start(deviceId, deviceKey, serverKey.getPublic(), host)) {
      assertTrue(VirtualParticleDevice.await(Duration.ofSeconds(15), () -> peers.containsKey(deviceId)), "no event within 15 s");
      ParticleFirmwareUpdate update = ParticleFirmwareUpdate.start(peers.get(deviceId), new byte[3000], ParticleFirmwareUpdate.CHUNK_SIZE, true,
          (round, index) -> index == 2);
      java.util.concurrent.ExecutionException failed = org.junit.jupiter.api.Assertions.assertThrows(java.util.concurrent.ExecutionException.class,
          () -> update.done().get(60, TimeUnit.SECONDS), "the update fails");
      assertEquals("chunks still missing after " + ParticleFirmwareUpdate.MAX_ROUNDS + " rounds of resending", failed.getCause().getMessage(),
          "\nthe device said:\n" + device.log());
      assertEquals(ParticleFirmwareUpdate.MAX_ROUNDS, update.listed.size(), "each round the device listed the chunk again: " + update.listed);
      assertTrue(update.listed.stream().allMatch("2"::equals), update.listed.toString());
    }
  }

  /**
   * A second update while one is under way in the device's session is refused at once (Device OS would
   * answer its {@code POST /u} 5.03, "already in progress"), and the first goes on: the device's
   * {@code GET /c} reaches it and the device applies its module.
   */
  @Test
  void aSecondUpdateInTheSameSessionIsRefusedAndTheFirstGoesOn() throws Exception {
    List<ParticleFirmwareUpdate> second = new CopyOnWriteArrayList<>();
    flash((round, index) -> round == 0 && index == 2, true,
        (peer, device) -> second.add(ParticleFirmwareUpdate.start(peer, new byte[3000], ParticleFirmwareUpdate.CHUNK_SIZE, true, (round, index) -> false)),
        (update, device) -> {
          assertTrue(second.get(0).done().isCompletedExceptionally(), "refused at once");
          java.util.concurrent.ExecutionException failed = org.junit.jupiter.api.Assertions.assertThrows(
              java.util.concurrent.ExecutionException.class, () -> second.get(0).done().get());
          assertEquals("an update of this device is already under way in its session", failed.getCause().getMessage());
          assertEquals(List.of("2"), update.listed, "the device's list reached the first update");
          assertTrue(!device.log().contains("Firmware update is already in progress"), "the second sent nothing to the device");
        });
  }

  private ParticleFirmwareUpdate flash(ParticleFirmwareUpdate.Drop drop, boolean askFast,
      java.util.function.BiConsumer<ParticleFirmwareUpdate, VirtualParticleDevice> check) throws Exception {
    return flash(drop, askFast, (peer, device) -> { }, check);
  }

  /** What a test does with the device right after its update started. */
  private interface Started {
    void run(DevicePeer peer, VirtualParticleDevice device) throws Exception;
  }

  /** @param started what to do with the device right after the update started */
  private ParticleFirmwareUpdate flash(ParticleFirmwareUpdate.Drop drop, boolean askFast, Started started,
      java.util.function.BiConsumer<ParticleFirmwareUpdate, VirtualParticleDevice> check) throws Exception {
    String deviceId = VirtualParticleDevice.newDeviceId();
    KeyPair deviceKey = VirtualParticleDevice.newKey();
    keys.put(HexFormat.of().formatHex(deviceKey.getPublic().getEncoded()), deviceId);
    byte[] image = new byte[3000];
    for (int i = 0; i < image.length; i++) {
      image[i] = (byte) (i * 7 + 3);
    }
    byte[] module = ParticleModuleImages.userPart(VirtualParticleDevice.PLATFORM_ID, 7, image);
    java.nio.file.Path describe = java.nio.file.Files.createTempFile("vdev-describe", ".json");
    java.nio.file.Files.writeString(describe, "{\"p\":3,\"m\":[{\"f\":\"b\",\"n\":\"0\",\"v\":1000,\"d\":[]},"
        + "{\"f\":\"m\",\"n\":\"0\",\"v\":6200,\"d\":[]},{\"f\":\"u\",\"n\":\"1\",\"v\":6,\"d\":[]}]}");
    try (VirtualParticleDevice device = VirtualParticleDevice.start(deviceId, deviceKey, serverKey.getPublic(), host,
        List.of("--product_version=1", "--describe=" + describe))) {
      try {
        assertTrue(VirtualParticleDevice.await(Duration.ofSeconds(15), () -> peers.containsKey(deviceId)), "no event within 15 s");
        ParticleFirmwareUpdate update = ParticleFirmwareUpdate.start(peers.get(deviceId), module, ParticleFirmwareUpdate.CHUNK_SIZE, askFast, drop);
        started.run(peers.get(deviceId), device);
        update.done().get(30, TimeUnit.SECONDS);
        check.accept(update, device);
        assertTrue(VirtualParticleDevice.await(Duration.ofSeconds(15), () -> device.log().contains("Applying module update")),
            "the device applied the module");
        return update;
      } catch (AssertionError | java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        throw new AssertionError(e.getMessage() + "\nthe device said:\n" + device.log(), e);
      }
    } finally {
      java.nio.file.Files.deleteIfExists(describe);
    }
  }

  private long tickCount(String deviceId) {
    return events.stream().filter(event -> event.startsWith(deviceId + " vdev/tick=")).count();
  }

  @Test
  void virtualDeviceSubscribesAndAnswersTheEventDeliveredToIt() throws Exception {
    String deviceId = VirtualParticleDevice.newDeviceId();
    KeyPair deviceKey = VirtualParticleDevice.newKey();
    keys.put(HexFormat.of().formatHex(deviceKey.getPublic().getEncoded()), deviceId);

    try (VirtualParticleDevice device = VirtualParticleDevice.start(deviceId, deviceKey, serverKey.getPublic(), host)) {
      boolean answered = VirtualParticleDevice.await(Duration.ofSeconds(15), () -> events.contains(deviceId + " vdev/pong=ping-1 CON"));

      assertTrue(answered, "no vdev/pong within 15 s; subscriptions " + subscriptions + ", events " + events + "; the device said:\n"
          + device.log());
      assertTrue(subscriptions.contains(deviceId + " vdev/ping"), "the application's subscription: " + subscriptions);
      assertTrue(subscriptions.contains(deviceId + " spark"), "Device OS's own: " + subscriptions);
      assertEquals(List.of("acknowledged"), deliveries, "the device acknowledged the event");
    }
  }

  @Test
  void unregisteredKeyIsRefusedAtTheHandshake() throws Exception {
    try (VirtualParticleDevice device = VirtualParticleDevice.start(VirtualParticleDevice.newDeviceId(),
        VirtualParticleDevice.newKey(), serverKey.getPublic(), host)) {
      boolean refused = VirtualParticleDevice.await(Duration.ofSeconds(10), () -> !refusals.isEmpty());

      assertTrue(refused, "no refusal within 10 s; the device said:\n" + device.log());
      assertEquals("null:UNKNOWN_IDENTITY", refusals.get(0));
      assertEquals(List.of(), hellos, "no request gets through");
    }
  }

  private ParticleRequestHandler requests() {
    return new ParticleRequestHandler() {
      @Override
      public CompletionStage<CoapReply> onHello(DevicePeer peer, ParticleHello hello) {
        hellos.add(peer.deviceId() + " " + hello.deviceId() + " platform " + hello.platformId());
        return CompletableFuture.completedFuture(CoapReply.of(ResponseCode.CHANGED));
      }

      /** Answers 2.05, then sends the device a {@code vdev/ping} once it subscribed to it. */
      @Override
      public CompletionStage<CoapReply> onSubscribe(DevicePeer peer, String prefix) {
        subscriptions.add(peer.deviceId() + " " + prefix);
        if (prefix.equals("vdev/ping")) {
          CompletableFuture.delayedExecutor(200, java.util.concurrent.TimeUnit.MILLISECONDS).execute(() ->
              peer.deliverEvent("vdev/ping", "ping-1".getBytes(java.nio.charset.StandardCharsets.UTF_8))
                  .whenComplete((done, error) -> deliveries.add(error == null ? "acknowledged" : error.getMessage())));
        }
        return CompletableFuture.completedFuture(CoapReply.of(ResponseCode.CONTENT));
      }

      @Override
      public CompletionStage<CoapReply> onGoodbye(DevicePeer peer) {
        return CompletableFuture.completedFuture(CoapReply.of(ResponseCode.CHANGED));
      }

      @Override
      public CompletionStage<CoapReply> onEvent(DevicePeer peer, String name, byte[] data, boolean confirmable) {
        events.add(peer.deviceId() + " " + name + "=" + new String(data, java.nio.charset.StandardCharsets.UTF_8) + (confirmable ? " CON" : " NON"));
        return CompletableFuture.completedFuture(CoapReply.of(ResponseCode.CHANGED));
      }

      @Override
      public CompletionStage<CoapReply> onDescribe(DevicePeer peer, byte[] description) {
        return CompletableFuture.completedFuture(CoapReply.of(ResponseCode.NOT_FOUND));
      }

      @Override
      public CompletionStage<CoapReply> onEvent(DevicePeer peer, String name, byte[] data, boolean confirmable, int ttlSeconds, int contentFormat) {
        peers.put(peer.deviceId(), peer);
        ttls.add(name + " ttl " + ttlSeconds + " cf " + contentFormat);
        return onEvent(peer, name, data, confirmable);
      }

      @Override
      public CompletionStage<CoapReply> onApplicationDescribe(DevicePeer peer, byte[] json) {
        applicationDescribes.add(new String(json, java.nio.charset.StandardCharsets.UTF_8));
        return CompletableFuture.completedFuture(CoapReply.of(ResponseCode.CHANGED));
      }

      @Override
      public CompletionStage<CoapReply> onSystemDescribe(DevicePeer peer, io.drover.coap.particle.SystemDescribe system) {
        systemDescribes.add(system);
        return CompletableFuture.completedFuture(CoapReply.of(ResponseCode.CHANGED));
      }

      @Override
      public void onPing(DevicePeer peer) {
        pings.add(peer.deviceId());
      }
    };
  }

  private DeviceCredentials credentials() {
    return new DeviceCredentials() {
      @Override
      public CompletionStage<byte[]> presharedKey(String identity) {
        return CompletableFuture.completedFuture(null);
      }

      @Override
      public CompletionStage<String> deviceForPublicKey(byte[] subjectPublicKeyInfo) {
        return CompletableFuture.supplyAsync(() -> keys.get(HexFormat.of().formatHex(subjectPublicKeyInfo)));
      }

      @Override
      public CompletionStage<String> deviceForCertificate(List<byte[]> chainDer, InetSocketAddress peer) {
        return CompletableFuture.failedFuture(new CertificateRefused(CertificateRefused.Reason.UNTRUSTED, "raw keys only"));
      }
    };
  }

  private DtlsSessionEvents sessionEvents() {
    return new DtlsSessionEvents() {
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
    };
  }
}
