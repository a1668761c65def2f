package io.drover.gateway.mqtt;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The TLS listener's trust in device certificates: any chain passes the TLS layer. The handshake still
 * proves that the client holds the key of the certificate it presents (its CertificateVerify, RFC 5246
 * section 7.4.8, RFC 8446 section 4.4.3); whom the certificate names and whether it is trusted, expired
 * or revoked is the hub's to decide, at CONNECT, by the rule every transport shares. Checking here as
 * well would refuse in the handshake, where the device learns nothing and the node counts nothing.
 *
 * <p>Extended, so that the JDK does not wrap it with checks of its own. It names no CA in its
 * CertificateRequest: a device sends whichever certificate it has (RFC 8446 section 4.2.4).
 */
final class AnyDeviceCertificate extends X509ExtendedTrustManager {

  static final AnyDeviceCertificate INSTANCE = new AnyDeviceCertificate();
  private static final X509Certificate[] NONE = new X509Certificate[0];

  private AnyDeviceCertificate() {
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType) {
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    throw new CertificateException("a device listener trusts no server");
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
    throw new CertificateException("a device listener trusts no server");
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
    throw new CertificateException("a device listener trusts no server");
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return NONE;
  }
}
