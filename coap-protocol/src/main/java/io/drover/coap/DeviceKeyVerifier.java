package io.drover.coap;

import java.net.InetSocketAddress;
import java.security.PublicKey;
import java.util.List;
import java.util.Map;
import javax.security.auth.x500.X500Principal;
import org.eclipse.californium.elements.auth.AdditionalInfo;
import org.eclipse.californium.scandium.auth.ApplicationLevelInfoSupplier;
import org.eclipse.californium.scandium.dtls.AlertMessage;
import org.eclipse.californium.scandium.dtls.AlertMessage.AlertDescription;
import org.eclipse.californium.scandium.dtls.AlertMessage.AlertLevel;
import org.eclipse.californium.scandium.dtls.CertificateMessage;
import org.eclipse.californium.scandium.dtls.CertificateType;
import org.eclipse.californium.scandium.dtls.CertificateVerificationResult;
import org.eclipse.californium.scandium.dtls.ConnectionId;
import org.eclipse.californium.scandium.dtls.HandshakeException;
import org.eclipse.californium.scandium.dtls.HandshakeResultHandler;
import org.eclipse.californium.scandium.dtls.x509.NewAdvancedCertificateVerifier;
import org.eclipse.californium.scandium.util.ServerNames;

/**
 * Client authentication with ECDSA raw public keys (RFC 7250): a key is trusted when it was registered
 * for a device. Answered asynchronously, as the PSK store is: "pending" now, the result through the
 * {@link HandshakeResultHandler} once {@link DeviceCredentials} answers. The device ID travels as the
 * result's custom argument and is added to the session's principal, where {@link DevicePeer} reads it.
 */
final class DeviceKeyVerifier implements NewAdvancedCertificateVerifier, ApplicationLevelInfoSupplier {

  /** The key of the device ID in the principal's additional info. */
  static final String DEVICE_ID = "drover.device-id";

  private final DeviceCredentials credentials;
  private final DtlsSessionEvents events;
  private volatile HandshakeResultHandler resultHandler;

  DeviceKeyVerifier(DeviceCredentials credentials, DtlsSessionEvents events) {
    this.credentials = credentials;
    this.events = events;
  }

  @Override
  public List<CertificateType> getSupportedCertificateTypes() {
    return List.of(CertificateType.RAW_PUBLIC_KEY);
  }

  @Override
  public CertificateVerificationResult verifyCertificate(ConnectionId cid, ServerNames serverName, InetSocketAddress remotePeer,
      boolean clientUsage, boolean verifySubject, boolean truncateCertificatePath, CertificateMessage message) {
    PublicKey key = message.getPublicKey();
    if (key == null) {
      events.handshakeRefused(null, DtlsSessionEvents.Refusal.UNKNOWN_IDENTITY, remotePeer);
      return refused(cid, "only raw public keys are accepted");
    }
    credentials.deviceForPublicKey(key.getEncoded()).whenComplete((deviceId, error) -> {
      if (error != null) {
        events.handshakeRefused(null, DtlsSessionEvents.Refusal.LOOKUP_FAILED, remotePeer);
        resultHandler.apply(refused(cid, "the key could not be checked"));
      } else if (deviceId == null) {
        events.handshakeRefused(null, DtlsSessionEvents.Refusal.UNKNOWN_IDENTITY, remotePeer);
        resultHandler.apply(refused(cid, "no device has this key"));
      } else {
        resultHandler.apply(new CertificateVerificationResult(cid, key, deviceId));
      }
    });
    return null;
  }

  private static CertificateVerificationResult refused(ConnectionId cid, String reason) {
    return new CertificateVerificationResult(cid,
        new HandshakeException(reason, new AlertMessage(AlertLevel.FATAL, AlertDescription.BAD_CERTIFICATE)), null);
  }

  @Override
  public List<X500Principal> getAcceptedIssuers() {
    return List.of();
  }

  @Override
  public void setResultHandler(HandshakeResultHandler resultHandler) {
    this.resultHandler = resultHandler;
  }

  @Override
  public AdditionalInfo getInfo(java.security.Principal peerIdentity, Object customArgument) {
    return customArgument instanceof String deviceId ? AdditionalInfo.from(Map.of(DEVICE_ID, deviceId)) : null;
  }
}
