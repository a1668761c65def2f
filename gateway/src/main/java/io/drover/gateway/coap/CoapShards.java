package io.drover.gateway.coap;

import io.drover.coap.CertificateRefused;
import io.drover.coap.CoapReply;
import io.drover.coap.DeviceCredentials;
import io.drover.coap.DevicePeer;
import io.drover.coap.ParticleHello;
import io.drover.coap.ParticleRequestHandler;
import io.drover.coap.particle.SystemDescribe;
import io.drover.coap.DtlsSessionEvents;
import io.drover.gateway.contract.DeviceFailure.Kind;
import io.drover.gateway.pipeline.SessionPipeline;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Where Californium's and Scandium's calls meet the session table, which is split over
 * {@code coap.executors} {@link CoapShard}s by a stable hash of the device ID. Every method is called on a
 * Californium or Scandium thread and returns at once: the key lookup, the request and the end of a DTLS
 * session of one device all hop to the one shard that owns its sessions, so a device's state stays on one
 * context. Counting and refusing a handshake need no session and are done here.
 */
final class CoapShards implements ParticleRequestHandler, DtlsSessionEvents, DeviceCredentials {

  private final List<CoapShard> shards;
  private final SessionPipeline pipeline;

  CoapShards(List<CoapShard> shards, SessionPipeline pipeline) {
    if (shards.isEmpty()) {
      throw new IllegalArgumentException("at least one shard");
    }
    this.shards = List.copyOf(shards);
    this.pipeline = pipeline;
  }

  /**
   * The shard of a device: the hash of its ID in lower case, as {@code DeviceIds.normalize} writes it,
   * computed without making that string. An identity that is no device ID lands anywhere and is refused there.
   */
  static int shardOf(String identity, int shards) {
    if (shards == 1 || identity == null) {
      return 0;
    }
    int hash = 0;
    for (int i = 0; i < identity.length(); i++) {
      hash = 31 * hash + Character.toLowerCase(identity.charAt(i));
    }
    return Math.floorMod(hash, shards);
  }

  private CoapShard owner(String identity) {
    return shards.get(shardOf(identity, shards.size()));
  }

  @Override
  public CompletionStage<byte[]> presharedKey(String identity) {
    return owner(identity).ask(devices -> devices.presharedKey(identity));
  }

  /** No device is known before the answer, so any shard asks: spread by the key. */
  @Override
  public CompletionStage<String> deviceForPublicKey(byte[] subjectPublicKeyInfo) {
    CoapShard any = shards.get(Math.floorMod(Arrays.hashCode(subjectPublicKeyInfo), shards.size()));
    return any.ask(devices -> devices.deviceForPublicKey(subjectPublicKeyInfo));
  }

  /** No device is known before the answer either: spread by the device's own certificate. */
  @Override
  public CompletionStage<String> deviceForCertificate(List<byte[]> chainDer, InetSocketAddress peer) {
    CoapShard any = shards.get(Math.floorMod(Arrays.hashCode(chainDer.get(0)), shards.size()));
    return any.ask(devices -> devices.deviceForCertificate(chainDer, peer));
  }

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

  @Override
  public void certificateRefused(CertificateRefused refusal, InetSocketAddress peer) {
    pipeline.certificateRefused(CoapReplies.refusalOf(refusal.reason()), null, peer, refusal.getMessage());
  }

  @Override
  public void resumptionRefused(CertificateRefused refusal, InetSocketAddress peer) {
    pipeline.resumptionRefused(CoapReplies.refusalOf(refusal.reason()), peer, refusal.getMessage());
  }

  @Override
  public void sessionEnded(String identity, String dtlsSessionId) {
    owner(identity).run(devices -> devices.sessionEnded(identity, dtlsSessionId));
  }

  @Override
  public CompletionStage<CoapReply> onEvent(DevicePeer peer, String name, byte[] data, boolean confirmable) {
    return owner(peer.deviceId()).ask(devices -> devices.onEvent(peer, name, data, confirmable));
  }

  @Override
  public CompletionStage<CoapReply> onDescribe(DevicePeer peer, byte[] description) {
    return owner(peer.deviceId()).ask(devices -> devices.onDescribe(peer, description));
  }

  @Override
  public CompletionStage<CoapReply> onHandshake(DevicePeer peer, byte[] handshake) {
    return owner(peer.deviceId()).ask(devices -> devices.onHandshake(peer, handshake));
  }

  @Override
  public CompletionStage<CoapReply> onFirmware(DevicePeer peer, int version) {
    return owner(peer.deviceId()).ask(devices -> devices.onFirmware(peer, version));
  }

  @Override
  public CompletionStage<CoapReply> onConfigAck(DevicePeer peer, byte[] ack) {
    return owner(peer.deviceId()).ask(devices -> devices.onConfigAck(peer, ack));
  }

  @Override
  public CompletionStage<CoapReply> onFirmwareResult(DevicePeer peer, byte[] result) {
    return owner(peer.deviceId()).ask(devices -> devices.onFirmwareResult(peer, result));
  }

  @Override
  public CompletionStage<CoapReply> onHello(DevicePeer peer, ParticleHello hello) {
    return owner(peer.deviceId()).ask(devices -> devices.onParticleHello(peer, hello));
  }

  @Override
  public CompletionStage<CoapReply> onSubscribe(DevicePeer peer, String prefix) {
    return owner(peer.deviceId()).ask(devices -> devices.onParticleSubscribe(peer, prefix));
  }

  @Override
  public CompletionStage<CoapReply> onGoodbye(DevicePeer peer) {
    return owner(peer.deviceId()).ask(devices -> devices.onParticleGoodbye(peer));
  }

  @Override
  public CompletionStage<CoapReply> onEvent(DevicePeer peer, String name, byte[] data, boolean confirmable, int ttlSeconds, int contentFormat) {
    return owner(peer.deviceId()).ask(devices -> devices.onParticleEvent(peer, name, data, confirmable, ttlSeconds, contentFormat));
  }

  @Override
  public CompletionStage<CoapReply> onApplicationDescribe(DevicePeer peer, byte[] json) {
    return owner(peer.deviceId()).ask(devices -> devices.onParticleApplicationDescribe(peer, json));
  }

  @Override
  public CompletionStage<CoapReply> onSystemDescribe(DevicePeer peer, SystemDescribe system) {
    return owner(peer.deviceId()).ask(devices -> devices.onParticleSystemDescribe(peer, system));
  }

  @Override
  public void onPing(DevicePeer peer) {
    owner(peer.deviceId()).run(devices -> devices.onParticlePing(peer));
  }
}
