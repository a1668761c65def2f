package io.drover.coap;

import java.net.InetSocketAddress;
import java.security.PublicKey;
import java.security.cert.CertPath;
import java.security.cert.Certificate;
import java.security.cert.CertificateEncodingException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
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
 * Client authentication with ECDSA raw public keys (RFC 7250), and with X.509 certificates when the
 * node has a certificate of its own. A raw key is trusted when it was registered for a device; a
 * certificate chain is judged by {@link DeviceCredentials#deviceForCertificate} (the hub), not here:
 * this node checks nothing of it but, through Scandium, that the device holds its key.
 *
 * <p>Answered asynchronously, as the PSK store is: "pending" now, the result through the
 * {@link HandshakeResultHandler} once {@link DeviceCredentials} answers. The device ID travels as the
 * result's custom argument and is added to the session's principal, where {@link DevicePeer} reads it.
 * A refusal fails the handshake with a fatal alert: {@code bad_certificate} for an unknown raw key, the
 * reason's alert for a certificate ({@link CertificateRefused.Reason#alert()}), {@code internal_error}
 * when the certificate could not be checked.
 */
final class DeviceKeyVerifier implements NewAdvancedCertificateVerifier, ApplicationLevelInfoSupplier {

  /** The key of the device ID in the principal's additional info. */
  static final String DEVICE_ID = "drover.device-id";

  private final DeviceCredentials credentials;
  private final DtlsSessionEvents events;
  private final List<CertificateType> types;
  private volatile HandshakeResultHandler resultHandler;

  /** @param x509 whether devices may present X.509 certificates: only when the node has one itself */
  DeviceKeyVerifier(DeviceCredentials credentials, DtlsSessionEvents events, boolean x509) {
    this.credentials = credentials;
    this.events = events;
    this.types = x509 ? List.of(CertificateType.X_509, CertificateType.RAW_PUBLIC_KEY) : List.of(CertificateType.RAW_PUBLIC_KEY);
  }

  @Override
  public List<CertificateType> getSupportedCertificateTypes() {
    return types;
  }

  @Override
  public CertificateVerificationResult verifyCertificate(ConnectionId cid, ServerNames serverName, InetSocketAddress remotePeer,
      boolean clientUsage, boolean verifySubject, boolean truncateCertificatePath, CertificateMessage message) {
    CertPath chain = message.getCertificateChain();
    if (chain != null) {
      return verifyChain(cid, remotePeer, chain);
    }
    PublicKey key = message.getPublicKey();
    if (key == null) {
      events.handshakeRefused(null, DtlsSessionEvents.Refusal.UNKNOWN_IDENTITY, remotePeer);
      return refused(cid, AlertDescription.BAD_CERTIFICATE, "no raw public key");
    }
    credentials.deviceForPublicKey(key.getEncoded()).whenComplete((deviceId, error) -> {
      if (error != null) {
        events.handshakeRefused(null, DtlsSessionEvents.Refusal.LOOKUP_FAILED, remotePeer);
        resultHandler.apply(refused(cid, AlertDescription.BAD_CERTIFICATE, "the key could not be checked"));
      } else if (deviceId == null) {
        events.handshakeRefused(null, DtlsSessionEvents.Refusal.UNKNOWN_IDENTITY, remotePeer);
        resultHandler.apply(refused(cid, AlertDescription.BAD_CERTIFICATE, "no device has this key"));
      } else {
        resultHandler.apply(new CertificateVerificationResult(cid, key, deviceId));
      }
    });
    return null;
  }

  private CertificateVerificationResult verifyChain(ConnectionId cid, InetSocketAddress remotePeer, CertPath chain) {
    List<byte[]> der = new ArrayList<>(chain.getCertificates().size());
    try {
      for (Certificate certificate : chain.getCertificates()) {
        der.add(certificate.getEncoded());
      }
    } catch (CertificateEncodingException e) {
      der.clear();
    }
    if (der.isEmpty()) {
      CertificateRefused malformed = new CertificateRefused(CertificateRefused.Reason.MALFORMED, "no readable certificate in the chain");
      events.certificateRefused(malformed, remotePeer);
      return refused(cid, malformed.reason().alert(), malformed.getMessage());
    }
    credentials.deviceForCertificate(der, remotePeer).whenComplete((deviceId, failure) -> {
      Throwable error = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
      if (error instanceof CertificateRefused refusal) {
        events.certificateRefused(refusal, remotePeer);
        resultHandler.apply(refused(cid, refusal.reason().alert(), refusal.getMessage()));
      } else if (error != null || deviceId == null) {
        events.handshakeRefused(null, DtlsSessionEvents.Refusal.LOOKUP_FAILED, remotePeer);
        resultHandler.apply(refused(cid, AlertDescription.INTERNAL_ERROR, "the certificate could not be checked"));
      } else {
        resultHandler.apply(new CertificateVerificationResult(cid, chain, deviceId));
      }
    });
    return null;
  }

  private static CertificateVerificationResult refused(ConnectionId cid, AlertDescription alert, String reason) {
    return new CertificateVerificationResult(cid, new HandshakeException(reason, new AlertMessage(AlertLevel.FATAL, alert)), null);
  }

  /** None: a CertificateRequest that names no CA lets the device send whichever certificate it has (RFC 5246 section 7.4.4). */
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
