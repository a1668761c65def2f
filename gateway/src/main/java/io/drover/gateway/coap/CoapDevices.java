package io.drover.gateway.coap;

import io.drover.coap.CoapReply;
import io.drover.coap.CoapSettings;
import io.drover.coap.DeviceCredentials;
import io.drover.coap.DevicePeer;
import io.drover.coap.DeviceRequestHandler;
import io.drover.coap.DtlsSessionEvents;
import io.drover.gateway.contract.DeviceFailure.Kind;
import io.drover.gateway.contract.DeviceIds;
import io.drover.gateway.config.ConfigClient;
import io.drover.gateway.firmware.FirmwareClient;
import io.drover.gateway.session.DeviceSessions;
import io.drover.gateway.session.GatewayMetrics;
import io.drover.gateway.session.HubClient;
import io.vertx.core.Context;
import io.vertx.core.Future;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's side of the CoAP server: answers key lookups from the hub, turns DTLS session events
 * into online/offline, and hands each request to its device's {@link CoapDeviceSession}. The session
 * table belongs to the listener's context; Scandium's callbacks hop onto it and return at once.
 */
final class CoapDevices implements DeviceRequestHandler, DtlsSessionEvents, DeviceCredentials {

  private static final Logger LOG = LoggerFactory.getLogger(CoapDevices.class);
  /** How long a handshake waits for the hub's firmware answer (the MQTT side uses mqtt.hub-timeout). */
  private static final java.time.Duration FIRMWARE_TIMEOUT = java.time.Duration.ofSeconds(5);

  private final Context context;
  private final CoapSettings settings;
  private final DeviceSessions sessions;
  private final HubClient hub;
  private final GatewayMetrics metrics;
  private final FirmwareClient firmware;
  private final ConfigClient config;
  /** The live session of each device on this listener, by device ID. */
  private final Map<String, CoapDeviceSession> live = new HashMap<>();

  CoapDevices(Context context, CoapSettings settings, DeviceSessions sessions, HubClient hub, GatewayMetrics metrics) {
    this.context = context;
    this.settings = settings;
    this.sessions = sessions;
    this.hub = hub;
    this.metrics = metrics;
    this.firmware = new FirmwareClient(context.owner().eventBus(), FIRMWARE_TIMEOUT);
    this.config = new ConfigClient(context.owner(), FIRMWARE_TIMEOUT);
  }

  /** Called on a Scandium thread; the hub is asked from the listener's context. */
  @Override
  public CompletionStage<byte[]> presharedKey(String identity) {
    CompletableFuture<byte[]> key = new CompletableFuture<>();
    String deviceId = DeviceIds.normalize(identity);
    if (deviceId == null) {
      key.complete(null);
      return key;
    }
    context.runOnContext(ignored -> hub.presharedKey(deviceId).onComplete(found -> {
      if (found.succeeded()) {
        key.complete(found.result());
      } else {
        key.completeExceptionally(found.cause());
      }
    }));
    return key;
  }

  /** Called on a Scandium thread; the hub is asked from the listener's context. */
  @Override
  public CompletionStage<String> deviceForPublicKey(byte[] subjectPublicKeyInfo) {
    CompletableFuture<String> device = new CompletableFuture<>();
    context.runOnContext(ignored -> hub.deviceForPublicKey(subjectPublicKeyInfo).onComplete(found -> {
      if (found.succeeded()) {
        device.complete(found.result());
      } else {
        device.completeExceptionally(found.cause());
      }
    }));
    return device;
  }

  /** Called on a Scandium thread. */
  @Override
  public void recordDropped() {
    metrics.recordDropped();
  }

  @Override
  public void malformedMessage() {
    metrics.malformedMessage();
  }

  @Override
  public void handshakeRefused(String identity, Refusal refusal, InetSocketAddress peer) {
    Kind kind = switch (refusal) {
      case UNKNOWN_IDENTITY -> Kind.UNKNOWN_DEVICE;
      case WRONG_KEY -> Kind.BAD_CREDENTIALS;
      case LOOKUP_FAILED -> Kind.UNAVAILABLE;
    };
    metrics.connectRejected(kind);
    LOG.info("handshake refused [identity: {}, remote: {}, reason: {}]", identity, peer, kind.metricName());
  }

  /** Called on a Scandium thread: a session that is still the device's live one ends with it. */
  @Override
  public void sessionEnded(String identity, String dtlsSessionId) {
    String deviceId = DeviceIds.normalize(identity);
    context.runOnContext(ignored -> {
      CoapDeviceSession session = live.get(deviceId);
      if (session != null && session.dtlsSessionId().equals(dtlsSessionId)) {
        session.close("DTLS session ended");
      }
    });
  }

  @Override
  public CompletionStage<CoapReply> onEvent(DevicePeer peer, String name, byte[] data, boolean confirmable) {
    CoapDeviceSession session = sessionOf(peer);
    Future<CoapReply> reply = session == null ? notADevice() : session.onEvent(name, data, confirmable);
    return reply.toCompletionStage();
  }

  @Override
  public CompletionStage<CoapReply> onDescribe(DevicePeer peer, byte[] description) {
    CoapDeviceSession session = sessionOf(peer);
    Future<CoapReply> reply = session == null ? notADevice() : session.onDescribe(description);
    return reply.toCompletionStage();
  }

  @Override
  public CompletionStage<CoapReply> onHandshake(DevicePeer peer, byte[] handshake) {
    CoapDeviceSession session = sessionOf(peer);
    return (session == null ? notADevice() : session.onHandshake(handshake)).toCompletionStage();
  }

  @Override
  public CompletionStage<CoapReply> onFirmware(DevicePeer peer, int version) {
    CoapDeviceSession session = sessionOf(peer);
    return (session == null ? notADevice() : session.onFirmware(version)).toCompletionStage();
  }

  @Override
  public CompletionStage<CoapReply> onConfigAck(DevicePeer peer, byte[] ack) {
    CoapDeviceSession session = sessionOf(peer);
    return (session == null ? notADevice() : session.onConfigAck(ack)).toCompletionStage();
  }

  @Override
  public CompletionStage<CoapReply> onFirmwareResult(DevicePeer peer, byte[] result) {
    CoapDeviceSession session = sessionOf(peer);
    return (session == null ? notADevice() : session.onFirmwareResult(result)).toCompletionStage();
  }

  /**
   * The device's live session, opened by its first request over a DTLS session. A request over a newer
   * DTLS session (the device shook hands again) opens a new session, which takes over the old one.
   */
  private CoapDeviceSession sessionOf(DevicePeer peer) {
    String deviceId = DeviceIds.normalize(peer.deviceId());
    if (deviceId == null) {
      return null;
    }
    CoapDeviceSession session = live.get(deviceId);
    if (session == null || session.isClosed() || !session.dtlsSessionId().equals(peer.sessionId())) {
      session = new CoapDeviceSession(deviceId, peer, context, sessions, hub, firmware, config, metrics, settings.requestsPerSecondPerDevice(), this::forget);
      live.put(deviceId, session);
      session.open();
    }
    session.heard(peer);
    return session;
  }

  private Future<CoapReply> notADevice() {
    metrics.eventRejected(Kind.MALFORMED_IDENTITY);
    return Future.succeededFuture(CoapReplies.refusal(Kind.MALFORMED_IDENTITY, "the PSK identity is not a device ID"));
  }

  private void forget(CoapDeviceSession session) {
    live.remove(session.deviceId(), session);
  }

  /** Reports offline every device silent for longer than the idle timeout. */
  void closeIdle() {
    long cutoff = System.nanoTime() - settings.idleTimeout().toNanos();
    List<CoapDeviceSession> idle = new ArrayList<>();
    for (CoapDeviceSession session : live.values()) {
      if (session.isIdleSince(cutoff)) {
        idle.add(session);
      }
    }
    for (CoapDeviceSession session : idle) {
      session.close("idle for " + settings.idleTimeout().toSeconds() + " s");
    }
  }

  void closeAll() {
    for (CoapDeviceSession session : new ArrayList<>(live.values())) {
      session.close("listener stopping");
    }
  }
}
