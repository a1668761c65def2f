package io.drover.hub.tls;

/**
 * Text that should hold a certificate or a certificate request and does not, or holds one that cannot
 * be used. The message is written for the person who sent it ("csr is not PEM: ..."): an API answers it
 * as a 400.
 */
public final class CertificateInputException extends RuntimeException {

  public CertificateInputException(String message) {
    super(message, null, false, false);
  }
}
