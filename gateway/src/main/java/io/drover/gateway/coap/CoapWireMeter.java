package io.drover.gateway.coap;

import io.drover.coap.DatagramMeter;
import io.drover.gateway.pipeline.WireBytes;
import java.net.InetSocketAddress;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The DTLS datagrams of each peer address, counted from its first one (the handshake comes before any
 * session) into the {@link WireBytes} its session adopts at its first request. Bounded: at most
 * {@code maxPeers} addresses are counted at once, and one no session adopted within
 * {@value #UNADOPTED_SECONDS} s (a handshake that failed, a scanner) is swept away, so spoofed source
 * addresses cannot grow it. A device whose address changes within a session (a NAT rebinding under a
 * DTLS connection ID) is counted under the address its session adopted only. Thread-safe.
 */
final class CoapWireMeter implements DatagramMeter {

  static final long UNADOPTED_SECONDS = 60;

  private final int maxPeers;
  private final Map<InetSocketAddress, Peer> peers = new ConcurrentHashMap<>();

  CoapWireMeter(int maxPeers) {
    this.maxPeers = maxPeers;
  }

  private static final class Peer {
    final WireBytes bytes = new WireBytes();
    final long createdNanos = System.nanoTime();
    volatile boolean adopted;
  }

  @Override
  public void received(InetSocketAddress address, int bytes) {
    Peer peer = peerOf(address);
    if (peer != null) {
      peer.bytes.received(bytes);
    }
  }

  @Override
  public void sent(InetSocketAddress address, int bytes) {
    Peer peer = peerOf(address);
    if (peer != null) {
      peer.bytes.sent(bytes);
    }
  }

  /** A session opened for the peer at {@code address}: it meters what was counted for it and what follows. */
  WireBytes adopt(InetSocketAddress address) {
    if (address == null) {
      return new WireBytes();
    }
    Peer peer = peers.computeIfAbsent(address, ignored -> new Peer());
    peer.adopted = true;
    return peer.bytes;
  }

  /** The session that adopted {@code bytes} ended: its address is counted afresh from now on. */
  void release(InetSocketAddress address, WireBytes bytes) {
    if (address != null) {
      peers.computeIfPresent(address, (key, peer) -> peer.bytes == bytes ? null : peer);
    }
  }

  /** Drops the addresses no session adopted in time. */
  void sweep() {
    long cutoff = System.nanoTime() - UNADOPTED_SECONDS * 1_000_000_000L;
    for (Iterator<Peer> values = peers.values().iterator(); values.hasNext(); ) {
      Peer peer = values.next();
      if (!peer.adopted && peer.createdNanos - cutoff < 0) {
        values.remove();
      }
    }
  }

  int size() {
    return peers.size();
  }

  private Peer peerOf(InetSocketAddress address) {
    Peer peer = peers.get(address);
    if (peer == null && peers.size() < maxPeers) {
      peer = peers.computeIfAbsent(address, ignored -> new Peer());
    }
    return peer;
  }
}
