package io.drover.hub.devices.certificates;

import io.drover.gateway.contract.AuthenticatedDevice;
import io.drover.gateway.contract.CertificateAuthentication;
import io.drover.gateway.contract.CertificateRefusal;
import io.drover.gateway.contract.DeviceFailure;
import io.drover.gateway.contract.DeviceIds;
import io.drover.hub.tls.PemCertificates;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.security.cert.CertificateException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;

/**
 * The one rule that decides who a device certificate names, for every transport (MQTT over TLS, DTLS):
 *
 * <ol>
 *   <li>the chain must be DER X.509 certificates, the device's first (else MALFORMED);
 *   <li>the device's certificate must be valid now (else EXPIRED);
 *   <li>its fingerprint must not be revoked (else REVOKED);
 *   <li>a fingerprint registered to a device names that device; otherwise
 *   <li>a PKIX path (RFC 5280 section 6) from it, through the intermediates sent, must reach a trusted
 *       device CA: the node's, the operator's or a product's (else UNTRUSTED), and its subject CN
 *       names the device;
 *   <li>the device must be registered, and in the CA's product when a product's CA vouched for it
 *       (else UNKNOWN_DEVICE);
 *   <li>a device ID the transport gave besides (the MQTT client identifier) must be that device (else
 *       ID_MISMATCH).
 * </ol>
 *
 * <p>Everything is answered from memory, with one exception taken from {@code DevicesVerticle}'s
 * handling of devices: in a cluster a gateway asks any hub node, and one may not have heard yet of a
 * device or a fingerprint registered through another a moment ago. So before refusing a device as
 * unknown, or a certificate no CA vouches for, the node looks for it in the database, at most
 * {@value #MAX_LOOKUPS} fingerprints (and as many devices) at once.
 *
 * <p>Threading: {@link #authenticate} is called on the {@code DevicesVerticle}'s event loop, which
 * also answers every PSK and password connect. Parsing, the fingerprint and the index lookups run
 * there (0.02 to 0.1 ms a certificate, measured on the 2-core development machine). Building and
 * checking a PKIX path costs a signature check per certificate on it (0.55 ms for a P-256 device
 * certificate under one CA, same machine): a wave of a few thousand certificate reconnects would hold
 * the loop for seconds, so the path is checked on a worker pool of its own, one thread per core, and
 * the answer comes back on the loop. At most {@code maxChecks} paths are checked or waiting at once;
 * past that a connect is refused with UNAVAILABLE, which tells the device to come back later. A
 * registered fingerprint needs no path.
 */
public final class CertificateRule {

  /** The longest chain taken: a device, a few intermediates. */
  static final int MAX_CHAIN = 8;
  /** Untrusted fingerprints looked for in the database at once, as {@code DevicesVerticle} bounds its device lookups. */
  private static final int MAX_LOOKUPS = 16;

  /** Answers, on the calling event loop, what the rule needs to know of a device. */
  public interface Devices {
    /**
     * Completes once a device the indexes do not know has been looked for in the database (registered
     * through another hub node a moment ago); at once for a known one. Fails when the database does not answer.
     */
    Future<Void> indexed(String deviceId);

    boolean known(String deviceId);

    /** @return the device's product, or null when it is in none */
    Integer productOf(String deviceId);
  }

  private final CertificateIndex index;
  private final Devices devices;
  private final WorkerExecutor workers;
  private final int maxChecks;
  /** Paths being checked or waiting for a worker; touched on the calling event loop only. */
  private int checks;
  /** Fingerprints being looked for in the database; touched on the calling event loop only. */
  private int lookups;

  public CertificateRule(Vertx vertx, CertificateIndex index, Devices devices, int maxChecks) {
    this.index = index;
    this.devices = devices;
    this.maxChecks = maxChecks;
    this.workers = vertx.createSharedWorkerExecutor("drover-device-certificates", Runtime.getRuntime().availableProcessors());
  }

  /** Called on the event loop of the verticle that made this rule; so is every callback of the answer. */
  public Future<AuthenticatedDevice> authenticate(CertificateAuthentication request) {
    if (request.chain().size() > MAX_CHAIN) {
      return refuse(CertificateRefusal.MALFORMED, "a chain of " + request.chain().size() + " certificates; at most " + MAX_CHAIN + " are taken");
    }
    List<X509Certificate> chain = new ArrayList<>(request.chain().size());
    for (byte[] der : request.chain()) {
      X509Certificate certificate;
      try {
        certificate = PemCertificates.fromDer(der);
        // one certificate and nothing after it: trailing bytes would give one certificate two fingerprints
        if (certificate.getEncoded().length != der.length) {
          return refuse(CertificateRefusal.MALFORMED, "certificate " + (chain.size() + 1) + " of the chain has bytes after its end");
        }
      } catch (CertificateException | RuntimeException e) {
        return refuse(CertificateRefusal.MALFORMED, "certificate " + (chain.size() + 1) + " of the chain is not DER X.509");
      }
      chain.add(certificate);
    }
    X509Certificate leaf = chain.get(0);
    Date now = new Date();
    if (now.after(leaf.getNotAfter())) {
      return refuse(CertificateRefusal.EXPIRED, "ended " + leaf.getNotAfter().toInstant());
    }
    if (now.before(leaf.getNotBefore())) {
      return refuse(CertificateRefusal.EXPIRED, "not valid before " + leaf.getNotBefore().toInstant());
    }
    String fingerprint = PemCertificates.fingerprint(request.chain().get(0));
    String claimed = request.claimedDeviceId();
    CertificateIndex.Registration registration = index.registration(fingerprint);
    if (registration != null) {
      return registered(fingerprint, registration, claimed);
    }
    return vouched(leaf, chain.subList(1, chain.size()), now).compose(vouched -> {
      if (vouched.trusted()) {
        return named(leaf, vouched, claimed);
      }
      // registered through another hub node a moment ago, its notice not here yet: look before refusing
      return lookedUp(fingerprint).compose(found -> found == null
          ? refuse(CertificateRefusal.UNTRUSTED, vouched.problem())
          : registered(fingerprint, found, claimed));
    });
  }

  /** A fingerprint this node knows: revoked, or registered to a device. */
  private Future<AuthenticatedDevice> registered(String fingerprint, CertificateIndex.Registration registration, String claimed) {
    if (registration.revoked()) {
      return refuse(CertificateRefusal.REVOKED, "fingerprint " + fingerprint + " was revoked");
    }
    return identified(registration.deviceId(), claimed);
  }

  /**
   * Whether a device CA vouches for the certificate: it must be an end entity for client
   * authentication, and a PKIX path must lead from it to a trusted CA. The path is checked on the
   * worker pool; the answer comes back on the calling loop.
   */
  private Future<TrustedCas.Vouched> vouched(X509Certificate leaf, List<X509Certificate> intermediates, Date now) {
    if (leaf.getBasicConstraints() >= 0) {
      return Future.succeededFuture(TrustedCas.Vouched.untrusted("a CA certificate (basicConstraints CA:TRUE) that is not registered to a device"));
    }
    if (!forClients(leaf)) {
      return Future.succeededFuture(TrustedCas.Vouched.untrusted("its extendedKeyUsage does not allow TLS client authentication"));
    }
    if (checks >= maxChecks) {
      return Future.failedFuture(new DeviceFailure(DeviceFailure.Kind.UNAVAILABLE, "too many certificate checks in progress; try again"));
    }
    checks++;
    TrustedCas trusted = index.trusted();
    return workers.executeBlocking(() -> trusted.path(leaf, intermediates, now), false)
        .andThen(done -> checks--);
  }

  /** A certificate a CA vouched for names the device in its subject CN, if the CA may vouch for that device. */
  private Future<AuthenticatedDevice> named(X509Certificate leaf, TrustedCas.Vouched vouched, String claimed) {
    String commonName = commonName(leaf);
    String deviceId = DeviceIds.normalize(commonName);
    if (deviceId == null) {
      return refuse(CertificateRefusal.UNKNOWN_DEVICE, commonName == null
          ? "its subject has no single CN naming a device"
          : "its subject CN '" + commonName + "' is not a device ID");
    }
    return devices.indexed(deviceId).compose(loaded -> {
      if (!devices.known(deviceId)) {
        return refuse(CertificateRefusal.UNKNOWN_DEVICE, "no device " + deviceId + " is registered");
      }
      Integer productId = devices.productOf(deviceId);
      if (!vouched.scope().vouchesFor(productId)) {
        return refuse(CertificateRefusal.UNKNOWN_DEVICE, "its CA " + vouched.ca().getSubjectX500Principal().getName()
            + " is a device CA of product " + vouched.scope().products() + ", and device " + deviceId + " is in "
            + (productId == null ? "no product" : "product " + productId));
      }
      return identified(deviceId, claimed);
    });
  }

  /**
   * The fingerprint's row, when the database has one this node has not heard of yet; null when it has
   * none, or when {@link #MAX_LOOKUPS} are being looked up already (a flood of strangers' certificates
   * costs the database a bounded load).
   */
  private Future<CertificateIndex.Registration> lookedUp(String fingerprint) {
    if (lookups >= MAX_LOOKUPS) {
      return Future.succeededFuture();
    }
    lookups++;
    return index.lookUp(fingerprint)
        .recover(cause -> Future.failedFuture(new DeviceFailure(DeviceFailure.Kind.UNAVAILABLE, "the device registry is not available")))
        .andThen(done -> lookups--);
  }

  public Future<Void> close() {
    return workers.close();
  }

  /** The device the certificate names must be registered, and the one the connection claims to be. */
  private Future<AuthenticatedDevice> identified(String deviceId, String claimedDeviceId) {
    return devices.indexed(deviceId).compose(loaded -> {
      if (!devices.known(deviceId)) {
        return refuse(CertificateRefusal.UNKNOWN_DEVICE, "no device " + deviceId + " is registered");
      }
      if (claimedDeviceId != null && !deviceId.equals(DeviceIds.normalize(claimedDeviceId))) {
        return refuse(CertificateRefusal.ID_MISMATCH, "the certificate names device " + deviceId + ", the connection " + claimedDeviceId);
      }
      return Future.succeededFuture(new AuthenticatedDevice(deviceId));
    });
  }

  private static Future<AuthenticatedDevice> refuse(CertificateRefusal refusal, String detail) {
    return Future.failedFuture(refusal.failure(detail));
  }

  /** RFC 5280 section 4.2.1.12: without the extension any use is allowed; with it, clientAuth or any must be listed. */
  private static boolean forClients(X509Certificate leaf) {
    try {
      List<String> purposes = leaf.getExtendedKeyUsage();
      return purposes == null || purposes.contains("1.3.6.1.5.5.7.3.2") || purposes.contains("2.5.29.37.0");
    } catch (CertificateParsingException e) {
      return false;
    }
  }

  /** The subject's one CN, or null when it has none or several. */
  static String commonName(X509Certificate certificate) {
    RDN[] names = X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded()).getRDNs(BCStyle.CN);
    if (names.length != 1 || names[0].isMultiValued()) {
      return null;
    }
    ASN1Encodable value = names[0].getFirst().getValue();
    return value instanceof ASN1String text ? text.getString() : null;
  }
}
