package io.drover.gateway.coap;

import io.drover.coap.CoapReply;
import io.drover.coap.DeviceCredentials;
import io.drover.coap.DevicePeer;
import io.drover.coap.DeviceRequestHandler;
import io.drover.coap.DtlsSessionEvents;
import io.drover.gateway.contract.DeviceFailure;
import io.drover.gateway.contract.DeviceFailure.Kind;
import io.drover.gateway.contract.DeviceIds;
import io.drover.gateway.pipeline.LiveSession;
import io.drover.gateway.pipeline.SessionPipeline;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;

/**
 * The gateway's side of the CoAP server: answers key lookups from the hub, turns DTLS session events
 * into online/offline, and hands each request to the step of its device's {@link LiveSession}, mapping
 * the outcome to a CoAP code ({@link CoapReplies}). The session table belongs to the listener's
 * context; Scandium's callbacks hop onto it and return at once.
 */
final class CoapDevices implements DeviceRequestHandler, DtlsSessionEvents, DeviceCredentials {

  private final Context context;
  private final SessionPipeline pipeline;
  private final Duration idleTimeout;
  /** The live session of each device on this listener, by device ID. */
  private final Map<String, CoapPeerLink> live = new HashMap<>();

  CoapDevices(Context context, SessionPipeline pipeline, Duration idleTimeout) {
    this.context = context;
    this.pipeline = pipeline;
    this.idleTimeout = idleTimeout;
  }

  /** Called on a Scandium thread; the hub is asked from the listener's context. */
  @Override
  public CompletionStage<byte[]> presharedKey(String identity) {
    String deviceId = DeviceIds.normalize(identity);
    if (deviceId == null) {
      return CompletableFuture.completedFuture(null);
    }
    return onContext(() -> pipeline.hub().presharedKey(deviceId));
  }

  /** Called on a Scandium thread; the hub is asked from the listener's context. */
  @Override
  public CompletionStage<String> deviceForPublicKey(byte[] subjectPublicKeyInfo) {
    return onContext(() -> pipeline.hub().deviceForPublicKey(subjectPublicKeyInfo));
  }

  /** Called on a Scandium thread. */
  @Override
  public void recordDropped() {
    pipeline.metrics().recordDropped();
  }

  @Override
  public void malformedMessage() {
    pipeline.metrics().malformedMessage();
  }

  @Override
  public void handshakeRefused(String identity, Refusal refusal, InetSocketAddress peer) {
    Kind kind = switch (refusal) {
      case UNKNOWN_IDENTITY -> Kind.UNKNOWN_DEVICE;
      case WRONG_KEY -> Kind.BAD_CREDENTIALS;
      case LOOKUP_FAILED -> Kind.UNAVAILABLE;
    };
    pipeline.connectRefused(kind, identity, peer, "DTLS handshake refused");
  }

  /** Called on a Scandium thread: a session that is still the device's live one ends with it. */
  @Override
  public void sessionEnded(String identity, String dtlsSessionId) {
    String deviceId = DeviceIds.normalize(identity);
    context.runOnContext(ignored -> {
      CoapPeerLink link = live.get(deviceId);
      if (link != null && link.dtlsSessionId().equals(dtlsSessionId)) {
        link.close("DTLS session ended");
      }
    });
  }

  @Override
  public CompletionStage<CoapReply> onEvent(DevicePeer peer, String name, byte[] data, boolean confirmable) {
    return reply(peer, session -> session.onEvent(name, Buffer.buffer(data), confirmable).map(done -> CoapReply.of(ResponseCode.CHANGED)));
  }

  @Override
  public CompletionStage<CoapReply> onDescribe(DevicePeer peer, byte[] description) {
    return reply(peer, session -> session.onDescribe(Buffer.buffer(description)).map(done -> CoapReply.of(ResponseCode.CHANGED)));
  }

  /** {@code POST /h}: the answer says whether an update follows (section 8.4). */
  @Override
  public CompletionStage<CoapReply> onHandshake(DevicePeer peer, byte[] handshake) {
    return reply(peer, session -> session.onHandshake(Buffer.buffer(handshake))
        .map(answer -> new CoapReply(ResponseCode.CHANGED, answer.toJson().toBuffer().getBytes())));
  }

  /** {@code GET /fw/{version}}: the offered binary, whole; the resource cuts the Block2 block asked for. */
  @Override
  public CompletionStage<CoapReply> onFirmware(DevicePeer peer, int version) {
    return reply(peer, session -> {
      Buffer binary = session.firmwareBinary(version);
      return Future.succeededFuture(binary == null
          ? CoapReply.of(ResponseCode.FORBIDDEN, "version " + version + " is not offered to this device: POST /h first")
          : new CoapReply(ResponseCode.CONTENT, binary.getBytes()));
    });
  }

  @Override
  public CompletionStage<CoapReply> onConfigAck(DevicePeer peer, byte[] ack) {
    return reply(peer, session -> session.onTrackerConfigAck(Buffer.buffer(ack)).map(done -> CoapReply.of(ResponseCode.CHANGED)));
  }

  @Override
  public CompletionStage<CoapReply> onFirmwareResult(DevicePeer peer, byte[] result) {
    return reply(peer, session -> session.onFirmwareStep("result", Buffer.buffer(result)).map(done -> CoapReply.of(ResponseCode.CHANGED)));
  }

  /** Runs a step of the peer's session; a refusal becomes its CoAP code with the reason as diagnostic payload. */
  private CompletionStage<CoapReply> reply(DevicePeer peer, Function<LiveSession, Future<CoapReply>> step) {
    LiveSession session = sessionOf(peer);
    if (session == null) {
      pipeline.metrics().eventRejected(Kind.MALFORMED_IDENTITY);
      return CompletableFuture.completedFuture(CoapReplies.refusal(Kind.MALFORMED_IDENTITY, "the PSK identity is not a device ID"));
    }
    return step.apply(session)
        .recover(cause -> {
          DeviceFailure failure = DeviceFailure.from(cause);
          return Future.succeededFuture(CoapReplies.refusal(failure.kind(), failure.getMessage()));
        })
        .toCompletionStage();
  }

  /**
   * The device's live session, opened by its first request over a DTLS session. A request over a newer
   * DTLS session (the device shook hands again) opens a new session, which takes over the old one.
   */
  private LiveSession sessionOf(DevicePeer peer) {
    String deviceId = DeviceIds.normalize(peer.deviceId());
    if (deviceId == null) {
      return null;
    }
    CoapPeerLink link = live.get(deviceId);
    if (link == null || link.session().isClosed() || !link.dtlsSessionId().equals(peer.sessionId())) {
      link = new CoapPeerLink(peer, context, this::forget);
      live.put(deviceId, link);
      link.attach(pipeline.open(deviceId, context, link));
    }
    link.heard(peer);
    return link.session();
  }

  private void forget(CoapPeerLink link) {
    live.remove(link.session().deviceId(), link);
  }

  /** Reports offline every device silent for longer than the idle timeout. */
  void closeIdle() {
    long cutoff = System.nanoTime() - idleTimeout.toNanos();
    List<CoapPeerLink> idle = new ArrayList<>();
    for (CoapPeerLink link : live.values()) {
      if (link.isIdleSince(cutoff)) {
        idle.add(link);
      }
    }
    for (CoapPeerLink link : idle) {
      link.close("idle for " + idleTimeout.toSeconds() + " s");
    }
  }

  void closeAll() {
    for (CoapPeerLink link : new ArrayList<>(live.values())) {
      link.close("listener stopping");
    }
  }

  private <T> CompletionStage<T> onContext(java.util.function.Supplier<Future<T>> ask) {
    CompletableFuture<T> answer = new CompletableFuture<>();
    context.runOnContext(ignored -> ask.get().onComplete(found -> {
      if (found.succeeded()) {
        answer.complete(found.result());
      } else {
        answer.completeExceptionally(found.cause());
      }
    }));
    return answer;
  }
}
