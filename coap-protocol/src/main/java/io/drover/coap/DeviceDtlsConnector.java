package io.drover.coap;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.InetSocketAddress;
import org.eclipse.californium.elements.util.Bytes;
import org.eclipse.californium.scandium.DTLSConnector;
import org.eclipse.californium.scandium.config.DtlsConnectorConfig;
import org.eclipse.californium.scandium.dtls.Connection;
import org.eclipse.californium.scandium.dtls.ConnectionId;
import org.eclipse.californium.scandium.dtls.ResumptionSupportingConnectionStore;
import org.eclipse.californium.scandium.dtls.SessionId;

/**
 * Scandium's connector, with the one thing the gateway needs that it does not offer: ending one
 * device's DTLS session for good, found by its connection ID or address instead of a pass over every
 * connection ({@link DTLSConnector#startTerminateConnectionsForPrincipal} visits all of them).
 */
class DeviceDtlsConnector extends DTLSConnector {

  private final ResumptionSupportingConnectionStore store;
  private final DatagramMeter meter;

  private DeviceDtlsConnector(DtlsConnectorConfig config, ResumptionSupportingConnectionStore store, DatagramMeter meter) {
    super(config, store);
    this.store = store;
    this.meter = meter;
  }

  /** For a subclass with a wire of its own ({@link ParticleDtlsConnector}). */
  DeviceDtlsConnector(DtlsConnectorConfig config, DatagramMeter meter) {
    this(config, createConnectionStore(config), meter);
  }

  static DeviceDtlsConnector create(DtlsConnectorConfig config, DatagramMeter meter) {
    return new DeviceDtlsConnector(config, createConnectionStore(config), meter);
  }

  /** Every datagram from the network passes here, a handshake's too: its size is metered for its peer. */
  @Override
  protected void processDatagram(DatagramPacket packet, InetSocketAddress router) {
    if (packet.getSocketAddress() instanceof InetSocketAddress peer) {
      meter.received(peer, packet.getLength());
    }
    super.processDatagram(packet, router);
  }

  /** Every datagram to the network passes here (records and handshake flights alike). */
  @Override
  protected void sendNextDatagramOverNetwork(DatagramPacket datagram) throws IOException {
    if (datagram.getSocketAddress() instanceof InetSocketAddress peer) {
      meter.sent(peer, datagram.getLength());
    }
    super.sendNextDatagramOverNetwork(datagram);
  }

  /**
   * Ends the DTLS session {@code sessionId} of the peer: a close_notify alert (RFC 6347 section 4.2.7),
   * then the connection and its session leave the store, so the session can neither carry another
   * record nor be resumed: the device's next record needs a full handshake. Nothing happens when the
   * peer has shaken hands again since (another session ID). Returns at once; the work runs on the
   * connection's own serial executor, in order.
   *
   * @param readConnectionId the connection ID this node gave the peer (RFC 9146), or null when it uses none
   */
  void endSession(InetSocketAddress address, Bytes readConnectionId, String sessionId) {
    Connection connection = readConnectionId != null && !readConnectionId.isEmpty()
        ? store.get(new ConnectionId(readConnectionId.getBytes()))
        : store.get(address);
    if (connection == null || !isSession(connection, sessionId)) {
      return;
    }
    close(connection.getPeerAddress());
    connection.getExecutor().execute(() -> {
      if (isSession(connection, sessionId)) {
        store.remove(connection, true);
      }
    });
  }

  private static boolean isSession(Connection connection, String sessionId) {
    SessionId established = connection.getEstablishedSessionIdentifier();
    return established != null && established.getAsString().equals(sessionId);
  }
}
