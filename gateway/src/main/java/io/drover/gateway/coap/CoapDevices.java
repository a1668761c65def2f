package io.drover.gateway.coap;

import io.drover.coap.CertificateRefused;
import io.drover.coap.CoapReply;
import io.drover.coap.DevicePeer;
import io.drover.coap.ParticleHello;
import io.drover.coap.particle.SystemDescribe;
import io.drover.gateway.contract.AuthenticatedDevice;
import io.drover.gateway.contract.CertificateAuthentication;
import io.drover.gateway.contract.CertificateRefusal;
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
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;

/**
 * One shard's part of the CoAP session table: answers key lookups from the hub, ends a session when its
 * DTLS session ends, and hands each request to the step of its device's {@link LiveSession}, mapping the
 * outcome to a CoAP code ({@link CoapReplies}). Every method runs on the shard's context ({@link CoapShard});
 * {@link CoapShards} brings the calls of Californium's and Scandium's threads here.
 */
final class CoapDevices {

  private final Context context;
  private final SessionPipeline pipeline;
  private final Duration idleTimeout;
  /** The DTLS bytes of each peer address, which a session adopts (a SIM's data usage). */
  private final CoapWireMeter wireMeter;
  /** The live session of each device on this shard, by device ID. */
  private final Map<String, CoapPeerLink> live = new HashMap<>();
  /**
   * DTLS sessions whose Particle Hello named another device than their key's: no request over them opens
   * a session. Each leaves with its DTLS session ({@link #sessionEnded}), which the refusal ends.
   */
  private final Set<String> refusedDtlsSessions = new HashSet<>();
  /**
   * The variable types of each Particle DTLS session's latest application describe, by DTLS session ID:
   * Device OS describes itself once per session, and a session that went idle and opens again over the
   * same DTLS session still reads its variables in them. Each leaves with its DTLS session ({@link #sessionEnded}).
   */
  private final Map<String, Map<String, Integer>> particleVariables = new HashMap<>();
  /** Set by {@link #closeAll}: the listener is stopping, so no session opens any more. */
  private boolean closed;

  CoapDevices(Context context, SessionPipeline pipeline, Duration idleTimeout, CoapWireMeter wireMeter) {
    this.wireMeter = wireMeter;
    this.context = context;
    this.pipeline = pipeline;
    this.idleTimeout = idleTimeout;
  }

  /** @return the device's key for the DTLS handshake, or null when the identity is no known device */
  Future<byte[]> presharedKey(String identity) {
    String deviceId = DeviceIds.normalize(identity);
    return deviceId == null ? Future.succeededFuture() : pipeline.hub().presharedKey(deviceId);
  }

  Future<String> deviceForPublicKey(byte[] subjectPublicKeyInfo) {
    return pipeline.hub().deviceForPublicKey(subjectPublicKeyInfo);
  }

  /**
   * The device an X.509 certificate names, asked of the hub through the pipeline. A DTLS handshake has
   * no device ID of its own, so the certificate alone says which device it is.
   *
   * @return fails with {@link CertificateRefused} when the hub refuses the certificate, with the
   *     DeviceFailure when it could not answer
   */
  Future<String> deviceForCertificate(List<byte[]> chain, InetSocketAddress peer) {
    String remote = peer == null ? null : peer.getAddress().getHostAddress();
    return pipeline.authenticateCertificate(new CertificateAuthentication(chain, null, pipeline.protocol(), remote))
        .map(AuthenticatedDevice::deviceId)
        .recover(cause -> {
          DeviceFailure failure = DeviceFailure.from(cause);
          return Future.failedFuture(failure.kind() == Kind.BAD_CERTIFICATE
              ? new CertificateRefused(CoapReplies.dtlsReason(CertificateRefusal.of(failure)), failure.getMessage())
              : failure);
        });
  }

  /** A session that is still the device's live one ends with its DTLS session. */
  void sessionEnded(String identity, String dtlsSessionId) {
    refusedDtlsSessions.remove(dtlsSessionId);
    particleVariables.remove(dtlsSessionId);
    CoapPeerLink link = live.get(DeviceIds.normalize(identity));
    if (link != null && link.dtlsSessionId().equals(dtlsSessionId)) {
      link.close("DTLS session ended");
    }
  }

  Future<CoapReply> onEvent(DevicePeer peer, String name, byte[] data, boolean confirmable) {
    return reply(peer, session -> session.onEvent(name, Buffer.buffer(data), confirmable).map(done -> CoapReply.of(ResponseCode.CHANGED)));
  }

  Future<CoapReply> onDescribe(DevicePeer peer, byte[] description) {
    return reply(peer, session -> session.onDescribe(Buffer.buffer(description)).map(done -> CoapReply.of(ResponseCode.CHANGED)));
  }

  /** {@code POST /h}: the answer says whether an update follows (section 8.4). */
  Future<CoapReply> onHandshake(DevicePeer peer, byte[] handshake) {
    return reply(peer, session -> session.onHandshake(Buffer.buffer(handshake))
        .map(answer -> new CoapReply(ResponseCode.CHANGED, answer.toJson().toBuffer().getBytes())));
  }

  /**
   * A Particle device's Hello opens its session (online, as a Drover device's first request does). The
   * key of the DTLS handshake says who the device is; a Hello naming another device is refused: its DTLS
   * session ends, and no request over it opens a session (one that raced ahead of the Hello is closed).
   */
  Future<CoapReply> onParticleHello(DevicePeer peer, ParticleHello hello) {
    String deviceId = DeviceIds.normalize(peer.deviceId());
    if (deviceId != null && !deviceId.equals(hello.deviceId())) {
      refusedDtlsSessions.add(peer.sessionId());
      CoapPeerLink raced = live.get(deviceId);
      if (raced != null && raced.dtlsSessionId().equals(peer.sessionId())) {
        raced.close("the Hello names another device");
      }
      peer.endSession();
      pipeline.metrics().eventRejected(Kind.MALFORMED_IDENTITY);
      return Future.succeededFuture(CoapReplies.refusal(Kind.MALFORMED_IDENTITY,
          "the Hello names device " + hello.deviceId() + ", the key is device " + deviceId + "'s"));
    }
    return reply(peer, session -> {
      // Device OS sends its platform ID as product ID unless its firmware names a product (before 4.0):
      // the cloud's record says which product the device is in; 0xFFFF is "no product firmware version"
      boolean namesProduct = hello.productId() != 0 && hello.productId() != 0xFFFF && hello.productId() != hello.platformId();
      int version = hello.productFirmwareVersion() == 0xFFFF ? 0 : hello.productFirmwareVersion();
      session.onReportedHandshake(namesProduct ? hello.productId() : null, version, hello.platformId());
      return Future.succeededFuture(CoapReply.of(ResponseCode.CHANGED));
    });
  }

  /** A Particle device's {@code GET /e/{prefix}}: 2.05 once its owner's matching events are delivered to it. */
  Future<CoapReply> onParticleSubscribe(DevicePeer peer, String prefix) {
    return reply(peer, session -> session.onSubscribe(prefix).map(done -> CoapReply.of(ResponseCode.CONTENT)));
  }

  /**
   * A Particle device's event: its Max-Age is the TTL. Device OS gives data that is not text a
   * Content-Format (42 binary, 60 CBOR, 65001 JSON as CBOR); an event is text, so that is refused as
   * {@code malformed_payload} (4.15) instead of stored as bytes it is not.
   */
  Future<CoapReply> onParticleEvent(DevicePeer peer, String name, byte[] data, boolean confirmable, int ttlSeconds, int contentFormat) {
    return reply(peer, session -> (isText(contentFormat)
        ? session.onEvent(name, Buffer.buffer(data), confirmable, ttlSeconds)
        : session.<Void>onUnreadableData("event data of Content-Format " + contentFormat + " is not text; only text events are stored"))
        .map(done -> CoapReply.of(ResponseCode.CHANGED)));
  }

  /** No Content-Format, text/plain (0) or application/json (50). */
  private static boolean isText(int contentFormat) {
    return contentFormat == -1 || contentFormat == 0 || contentFormat == 50;
  }

  /**
   * A Particle device's application describe, read as a Drover description ({@link ParticleDescription})
   * and handed to the session's one describe step; once that took it, the link reads variables in its types.
   */
  Future<CoapReply> onParticleApplicationDescribe(DevicePeer peer, byte[] json) {
    return reply(peer, session -> {
      ParticleDescription description;
      try {
        description = ParticleDescription.read(json);
      } catch (DeviceFailure malformed) {
        return session.onUnreadableData(malformed.getMessage());
      }
      return session.onDescribe(description.description()).map(done -> {
        particleVariables.put(peer.sessionId(), description.variableTypes());
        CoapPeerLink link = live.get(session.deviceId());
        if (link != null && link.session() == session) {
          link.particleVariables(description.variableTypes());
        }
        return CoapReply.of(ResponseCode.CHANGED);
      });
    });
  }

  /**
   * A Particle device's system describe: Device OS's module version (6200 for 6.2.0) becomes its
   * {@code system_firmware_version}. A describe without Device OS among its modules changes nothing.
   */
  Future<CoapReply> onParticleSystemDescribe(DevicePeer peer, SystemDescribe system) {
    int version = system.systemModuleVersion();
    return reply(peer, session -> (version < 0 ? Future.<Void>succeededFuture() : session.onSystemFirmware(Integer.toString(version)))
        .map(done -> CoapReply.of(ResponseCode.CHANGED)));
  }

  /** A Particle device's keep-alive ping, answered already: the device was heard (and is online again if it had gone idle). */
  void onParticlePing(DevicePeer peer) {
    if (!closed) {
      sessionOf(peer);
    }
  }

  /** A Particle device's goodbye ends its session at once (offline), instead of after the idle timeout. */
  Future<CoapReply> onParticleGoodbye(DevicePeer peer) {
    CoapPeerLink link = live.get(DeviceIds.normalize(peer.deviceId()));
    if (link != null && link.dtlsSessionId().equals(peer.sessionId())) {
      link.close("goodbye");
    }
    return Future.succeededFuture(CoapReply.of(ResponseCode.CHANGED));
  }

  /** {@code GET /fw/{version}}: the offered binary, whole; the resource cuts the Block2 block asked for. */
  Future<CoapReply> onFirmware(DevicePeer peer, int version) {
    return reply(peer, session -> {
      Buffer binary = session.firmwareBinary(version);
      return Future.succeededFuture(binary == null
          ? CoapReply.of(ResponseCode.FORBIDDEN, "version " + version + " is not offered to this device: POST /h first")
          : new CoapReply(ResponseCode.CONTENT, binary.getBytes()));
    });
  }

  Future<CoapReply> onConfigAck(DevicePeer peer, byte[] ack) {
    return reply(peer, session -> session.onTrackerConfigAck(Buffer.buffer(ack)).map(done -> CoapReply.of(ResponseCode.CHANGED)));
  }

  Future<CoapReply> onFirmwareResult(DevicePeer peer, byte[] result) {
    return reply(peer, session -> session.onFirmwareStep("result", Buffer.buffer(result)).map(done -> CoapReply.of(ResponseCode.CHANGED)));
  }

  /** Runs a step of the peer's session; a refusal becomes its CoAP code with the reason as diagnostic payload. */
  private Future<CoapReply> reply(DevicePeer peer, Function<LiveSession, Future<CoapReply>> step) {
    if (closed) {
      return Future.succeededFuture(CoapReplies.refusal(Kind.UNAVAILABLE, "the listener is stopping"));
    }
    LiveSession session = sessionOf(peer);
    if (session == null) {
      pipeline.metrics().eventRejected(Kind.MALFORMED_IDENTITY);
      return Future.succeededFuture(CoapReplies.refusal(Kind.MALFORMED_IDENTITY, "the PSK identity is not a device ID, or the session's Hello named another device"));
    }
    return step.apply(session).recover(cause -> {
      DeviceFailure failure = DeviceFailure.from(cause);
      return Future.succeededFuture(CoapReplies.refusal(failure.kind(), failure.getMessage()));
    });
  }

  /**
   * The device's live session, opened by its first request over a DTLS session. A request over a newer
   * DTLS session (the device shook hands again) opens a new session, which takes over the old one.
   */
  private LiveSession sessionOf(DevicePeer peer) {
    String deviceId = DeviceIds.normalize(peer.deviceId());
    if (deviceId == null || refusedDtlsSessions.contains(peer.sessionId())) {
      return null;
    }
    CoapPeerLink link = live.get(deviceId);
    if (link == null || link.session().isClosed() || !link.dtlsSessionId().equals(peer.sessionId())) {
      link = new CoapPeerLink(peer, context, this::forget, wireMeter.adopt(peer.address()));
      Map<String, Integer> described = particleVariables.get(peer.sessionId());
      if (described != null) {
        // the same DTLS session after an idle close: a Particle device does not describe itself again
        link.particleVariables(described);
      }
      live.put(deviceId, link);
      // once per DTLS session: the certificate it was authenticated with, should the hub revoke it
      byte[] certificate = peer.certificate();
      link.attach(pipeline.open(deviceId, certificate == null ? null : CertificateAuthentication.fingerprint(certificate), context, link));
    }
    link.heard(peer);
    return link.session();
  }

  private void forget(CoapPeerLink link) {
    live.remove(link.session().deviceId(), link);
    wireMeter.release(link.address(), link.wireBytes());
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

  /** The listener is stopping: ends every session, and a request still on its way is answered 5.03. */
  void closeAll() {
    closed = true;
    for (CoapPeerLink link : new ArrayList<>(live.values())) {
      link.close("listener stopping");
    }
  }
}
