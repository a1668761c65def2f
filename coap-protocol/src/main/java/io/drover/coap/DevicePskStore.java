package io.drover.coap;

import java.net.InetSocketAddress;
import javax.crypto.SecretKey;
import org.eclipse.californium.scandium.dtls.ConnectionId;
import org.eclipse.californium.scandium.dtls.HandshakeResultHandler;
import org.eclipse.californium.scandium.dtls.PskPublicInformation;
import org.eclipse.californium.scandium.dtls.PskSecretResult;
import org.eclipse.californium.scandium.dtls.pskstore.AdvancedPskStore;
import org.eclipse.californium.scandium.util.SecretUtil;
import org.eclipse.californium.scandium.util.ServerNames;

/**
 * Scandium's PSK store, answered asynchronously: {@link #requestPskSecretResult} returns null at
 * once ("pending") and the handshake resumes when {@link DeviceCredentials} answers, through the
 * {@link HandshakeResultHandler}. So a handshake never holds a Scandium thread while the hub looks the
 * key up. Server side only: this node never starts a handshake.
 */
final class DevicePskStore implements AdvancedPskStore {

  private final DeviceCredentials credentials;
  private final DtlsSessionEvents events;
  private volatile HandshakeResultHandler resultHandler;

  DevicePskStore(DeviceCredentials credentials, DtlsSessionEvents events) {
    this.credentials = credentials;
    this.events = events;
  }

  @Override
  public boolean hasEcdhePskSupported() {
    return true;
  }

  @Override
  public PskSecretResult requestPskSecretResult(ConnectionId cid, ServerNames serverName, PskPublicInformation identity,
      String hmacAlgorithm, SecretKey otherSecret, byte[] seed, boolean useExtendedMasterSecret) {
    String name = identity.getPublicInfoAsString();
    credentials.presharedKey(name).whenComplete((key, error) -> {
      SecretKey secret = null;
      if (error != null) {
        events.handshakeRefused(name, DtlsSessionEvents.Refusal.LOOKUP_FAILED, null);
      } else if (key == null) {
        events.handshakeRefused(name, DtlsSessionEvents.Refusal.UNKNOWN_IDENTITY, null);
      } else {
        // Scandium destroys the key once it has derived the master secret, so each answer gets its own
        secret = SecretUtil.create(key, PskSecretResult.ALGORITHM_PSK);
      }
      // a null secret fails the handshake (RFC 4279 section 2: unknown_psk_identity)
      resultHandler.apply(new PskSecretResult(cid, identity, secret));
    });
    return null;
  }

  @Override
  public PskPublicInformation getIdentity(InetSocketAddress peerAddress, ServerNames virtualHost) {
    return null;
  }

  @Override
  public void setResultHandler(HandshakeResultHandler resultHandler) {
    this.resultHandler = resultHandler;
  }
}
