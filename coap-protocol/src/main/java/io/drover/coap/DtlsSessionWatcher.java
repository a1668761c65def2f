package io.drover.coap;

import java.security.Principal;
import org.eclipse.californium.scandium.ConnectionListener;
import org.eclipse.californium.scandium.dtls.Connection;
import org.eclipse.californium.scandium.dtls.Handshaker;
import org.eclipse.californium.scandium.dtls.SessionId;

/**
 * Watches Scandium's connections for the two things the gateway must know: a session that ended, and
 * a handshake whose peer holds the wrong key. Runs on Scandium's connection executors.
 */
final class DtlsSessionWatcher implements ConnectionListener {

  private final DtlsSessionEvents events;

  DtlsSessionWatcher(DtlsSessionEvents events) {
    this.events = events;
  }

  @Override
  public void onConnectionEstablished(Connection connection) {
    // a device is online when it first talks, not when its handshake ends
  }

  @Override
  public void onConnectionRemoved(Connection connection) {
    ended(connection);
  }

  /**
   * A session ends when Scandium removes its connection, and also when the device says so with a
   * close_notify alert (RFC 6347 section 4.2.7): Scandium then only marks the connection closed and
   * keeps it until it is evicted, which could leave the device online for the whole idle timeout. May
   * report one session more than once; the receiver ignores a session that is no longer live.
   */
  private void ended(Connection connection) {
    String identity = DevicePeer.identityOf(connection.getEstablishedPeerIdentity());
    SessionId session = connection.getEstablishedSessionIdentifier();
    if (identity != null && session != null) {
      events.sessionEnded(identity, session.getAsString());
    }
  }

  @Override
  public boolean onConnectionUpdatesSequenceNumbers(Connection connection, boolean writeSequenceNumber) {
    return false;
  }

  /**
   * A record failed its MAC check. During a PSK handshake that means the client's Finished was made
   * with another key: the identity is known, the key is wrong. The handshake is failed at once, so the
   * half-open connection holds no state until it expires, and counted once.
   */
  @Override
  public boolean onConnectionMacError(Connection connection) {
    Handshaker handshaker = connection.getOngoingHandshake();
    if (handshaker != null && !connection.hasEstablishedDtlsContext()) {
      Principal principal = handshaker.getSession().getPeerIdentity();
      String identity = DevicePeer.identityOf(principal);
      events.handshakeRefused(identity, DtlsSessionEvents.Refusal.WRONG_KEY, connection.getPeerAddress());
      handshaker.handshakeFailed(new WrongKey(identity));
    }
    return false;
  }

  @Override
  public void beforeExecution(Connection connection) {
  }

  @Override
  public void updateExecution(Connection connection) {
  }

  @Override
  public void afterExecution(Connection connection) {
    if (connection.isClosed()) {
      ended(connection);
    }
  }

  private static final class WrongKey extends Exception {

    WrongKey(String identity) {
      super("the Finished message of PSK identity " + identity + " did not verify: wrong key", null, false, false);
    }
  }
}
