package io.drover.coap;

import java.net.InetSocketAddress;

/**
 * Told the size of every datagram the DTLS connector receives from or sends to a peer: records,
 * handshake included, as they cross the wire (UDP payload). Called on Scandium's receiver and
 * connection threads, once per datagram: it must not block.
 */
public interface DatagramMeter {

  DatagramMeter NONE = new DatagramMeter() {
    @Override
    public void received(InetSocketAddress peer, int bytes) {
    }

    @Override
    public void sent(InetSocketAddress peer, int bytes) {
    }
  };

  void received(InetSocketAddress peer, int bytes);

  void sent(InetSocketAddress peer, int bytes);
}
