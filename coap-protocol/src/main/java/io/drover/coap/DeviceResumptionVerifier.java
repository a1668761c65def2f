package io.drover.coap;

import java.net.InetSocketAddress;
import java.security.Principal;
import java.security.cert.CertPath;
import java.security.cert.Certificate;
import java.security.cert.CertificateEncodingException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.eclipse.californium.elements.auth.RawPublicKeyIdentity;
import org.eclipse.californium.elements.auth.X509CertPath;
import org.eclipse.californium.scandium.dtls.Connection;
import org.eclipse.californium.scandium.dtls.ConnectionId;
import org.eclipse.californium.scandium.dtls.DTLSSession;
import org.eclipse.californium.scandium.dtls.HandshakeResultHandler;
import org.eclipse.californium.scandium.dtls.ResumptionSupportingConnectionStore;
import org.eclipse.californium.scandium.dtls.ResumptionVerificationResult;
import org.eclipse.californium.scandium.dtls.SessionId;
import org.eclipse.californium.scandium.dtls.resumption.ConnectionStoreResumptionVerifier;
import org.eclipse.californium.scandium.util.SecretUtil;
import org.eclipse.californium.scandium.util.ServerNames;

/**
 * Decides whether a DTLS session may be resumed with an abbreviated handshake (RFC 5246 section 7.3).
 * Such a handshake carries no certificate: without this check a device whose certificate was revoked
 * after its full handshake could go on resuming its session for as long as the session is kept.
 *
 * <p>A session authenticated with an X.509 certificate is resumed only if {@link DeviceCredentials#deviceForCertificate}
 * still names the same device for the session's certificate chain; one with a raw public key only if
 * {@link DeviceCredentials#deviceForPublicKey} does. A PSK session resumes as Scandium's default does:
 * the session exists. A session that may not be resumed is answered as a session Scandium does not know:
 * the device is sent to a full handshake (RFC 5246 section 7.4.1.2), whose certificate check then
 * refuses it with its alert (certificate_revoked for a revoked one) and counts it.
 *
 * <p>Asynchronous, as {@link DeviceKeyVerifier}: "pending" now, the result through the
 * {@link HandshakeResultHandler} once the credentials answer, never on the calling thread.
 */
final class DeviceResumptionVerifier extends ConnectionStoreResumptionVerifier {

  private final DeviceCredentials credentials;
  private final DtlsSessionEvents events;
  private volatile ResumptionSupportingConnectionStore store;
  private volatile HandshakeResultHandler resultHandler;

  DeviceResumptionVerifier(DeviceCredentials credentials, DtlsSessionEvents events) {
    this.credentials = credentials;
    this.events = events;
  }

  /** Called by the {@code DTLSConnector} as it starts: the store its sessions are in. */
  @Override
  public void setConnectionStore(ResumptionSupportingConnectionStore connectionStore) {
    super.setConnectionStore(connectionStore);
    this.store = connectionStore;
  }

  /** The connector's store, once it has set it; for {@link DeviceServer#endSession}. */
  ResumptionSupportingConnectionStore store() {
    return store;
  }

  @Override
  public void setResultHandler(HandshakeResultHandler resultHandler) {
    this.resultHandler = resultHandler;
  }

  @Override
  public ResumptionVerificationResult verifyResumptionRequest(ConnectionId cid, ServerNames serverName, SessionId sessionId) {
    ResumptionVerificationResult known = super.verifyResumptionRequest(cid, serverName, sessionId);
    DTLSSession session = known.getDTLSSession();
    Principal identity = session == null ? null : session.getPeerIdentity();
    CompletionStage<String> check;
    if (identity instanceof X509CertPath certificate) {
      List<byte[]> chain = der(certificate.getPath());
      if (chain.isEmpty()) {
        return refused(cid, session, new CertificateRefused(CertificateRefused.Reason.MALFORMED, "the session's certificate cannot be encoded"));
      }
      check = credentials.deviceForCertificate(chain, peer(cid));
    } else if (identity instanceof RawPublicKeyIdentity key) {
      check = credentials.deviceForPublicKey(key.getKey().getEncoded());
    } else {
      return known; // PSK, or no such session: as Scandium decides without us
    }
    String deviceId = DevicePeer.identityOf(identity);
    Answer answer = new Answer();
    check.whenComplete((named, failure) -> answer.complete(judge(cid, session, deviceId, named, failure)));
    return answer.returned();
  }

  /** The session, if the credentials still name its device; otherwise none, counted. */
  private ResumptionVerificationResult judge(ConnectionId cid, DTLSSession session, String deviceId, String named, Throwable failure) {
    Throwable error = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    if (error instanceof CertificateRefused refusal) {
      return refused(cid, session, refusal);
    }
    if (error != null) {
      // the answer could not be had: a full handshake asks again, and answers the device's alert itself
      SecretUtil.destroy(session);
      return new ResumptionVerificationResult(cid, null, null);
    }
    if (named == null || !named.equals(deviceId)) {
      return refused(cid, session, new CertificateRefused(CertificateRefused.Reason.UNKNOWN_DEVICE,
          "the session's credentials now name " + (named == null ? "no device" : "device " + named) + ", not " + deviceId));
    }
    return new ResumptionVerificationResult(cid, session, named);
  }

  private ResumptionVerificationResult refused(ConnectionId cid, DTLSSession session, CertificateRefused refusal) {
    SecretUtil.destroy(session);
    events.resumptionRefused(refusal, peer(cid));
    return new ResumptionVerificationResult(cid, null, null);
  }

  private InetSocketAddress peer(ConnectionId cid) {
    ResumptionSupportingConnectionStore connections = store;
    Connection connection = connections == null ? null : connections.get(cid);
    return connection == null ? null : connection.getPeerAddress();
  }

  private static List<byte[]> der(CertPath path) {
    List<byte[]> der = new ArrayList<>(path.getCertificates().size());
    try {
      for (Certificate certificate : path.getCertificates()) {
        der.add(certificate.getEncoded());
      }
    } catch (CertificateEncodingException e) {
      der.clear();
    }
    return der;
  }

  /**
   * Where the result goes: returned, when the credentials answered before {@link #verifyResumptionRequest}
   * returned (Scandium forbids calling the handler on its own thread), else to the handler.
   */
  private final class Answer {
    private ResumptionVerificationResult early;
    private boolean returned;

    synchronized void complete(ResumptionVerificationResult result) {
      if (returned) {
        resultHandler.apply(result);
      } else {
        early = result;
      }
    }

    synchronized ResumptionVerificationResult returned() {
      returned = true;
      return early;
    }
  }
}
