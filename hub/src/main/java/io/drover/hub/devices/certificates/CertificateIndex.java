package io.drover.hub.devices.certificates;

import io.drover.hub.HubAddresses;
import io.drover.hub.tls.PemCertificates;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the certificate rule needs, in memory, so that a device's connect costs no SQL: every known
 * fingerprint (registered to a device, or revoked) and the trusted device CAs (the node's, the
 * operator's, and each product's).
 *
 * <p>Shared by the hub's verticles, as {@code DeviceDirectory} is: the API updates it right after its
 * write commits (so a registration works on this node as soon as it is answered) and publishes the
 * change; every hub node's {@code DevicesVerticle} then reloads what changed from the database
 * ({@link #reloadFingerprint}, {@link #reloadProduct}), in the order the notices arrived. The maps are
 * concurrent; the trusted CAs are one immutable {@link TrustedCas}, replaced whole.
 */
public final class CertificateIndex {

  private static final Logger LOG = LoggerFactory.getLogger(CertificateIndex.class);

  /** What a fingerprint is: a device's certificate, or revoked (and once whose). */
  record Registration(String deviceId, boolean revoked) {
  }

  private final CertificateRepository repository;
  private final EventBus bus;
  private final List<X509Certificate> everyDevice;
  private final Map<String, Registration> byFingerprint;
  private final Map<Integer, List<X509Certificate>> productCas;
  private volatile TrustedCas trusted;

  private CertificateIndex(CertificateRepository repository, EventBus bus, List<X509Certificate> everyDevice,
      Map<String, Registration> byFingerprint, Map<Integer, List<X509Certificate>> productCas) {
    this.repository = repository;
    this.bus = bus;
    this.everyDevice = everyDevice;
    this.byFingerprint = byFingerprint;
    this.productCas = productCas;
    this.trusted = TrustedCas.of(everyDevice, productCas);
  }

  /** Blocks on two queries: the launcher calls it once, before traffic. */
  public static CertificateIndex loadAtStart(Pool pool, EventBus bus, DeviceCas cas) {
    CertificateRepository repository = new CertificateRepository(pool);
    Map<String, Registration> fingerprints = new ConcurrentHashMap<>();
    for (Row row : repository.allFingerprints().await()) {
      fingerprints.put(row.getString(0), new Registration(row.getString(1), row.getBoolean(2)));
    }
    Map<Integer, List<X509Certificate>> byProduct = new HashMap<>();
    for (Row row : repository.allProductCas().await()) {
      X509Certificate ca = parse(row.getBuffer(1).getBytes(), row.getInteger(0));
      if (ca != null) {
        byProduct.computeIfAbsent(row.getInteger(0), id -> new ArrayList<>()).add(ca);
      }
    }
    List<X509Certificate> everyDevice = new ArrayList<>();
    everyDevice.add(cas.node().certificate());
    everyDevice.addAll(cas.operator());
    CertificateIndex index = new CertificateIndex(repository, bus, List.copyOf(everyDevice), fingerprints, new ConcurrentHashMap<>(byProduct));
    LOG.info("certificate index loaded [fingerprints: {}, device-cas: {}, products-with-cas: {}]", fingerprints.size(),
        index.trusted.size(), byProduct.size());
    return index;
  }

  /** @return what the fingerprint is, or null when this node has never heard of it */
  Registration registration(String fingerprint) {
    return byFingerprint.get(fingerprint);
  }

  TrustedCas trusted() {
    return trusted;
  }

  /**
   * A fingerprint's row changed in the database (this node wrote it): applied here at once, and every
   * hub node told to reload it.
   */
  void changed(String fingerprint, Registration registration) {
    apply(fingerprint, registration);
    bus.publish(HubAddresses.DEVICE_CERTIFICATE_CHANGED, new JsonObject().put("fingerprint", fingerprint));
  }

  /**
   * A product's CAs changed in the database (this node wrote them): read again here at once, then every
   * hub node told to do the same.
   */
  Future<Void> productChanged(int productId) {
    return reloadProduct(productId)
        .onSuccess(ignored -> bus.publish(HubAddresses.PRODUCT_DEVICE_CAS_CHANGED, new JsonObject().put("product_id", productId)));
  }

  /** Registers a certificate a device was provisioned with: the provisioning wrote the row. */
  public void provisioned(String fingerprint, String deviceId) {
    changed(fingerprint, new Registration(deviceId, false));
  }

  /**
   * Looks for a fingerprint this node has not heard of in the database, and keeps what it finds unless
   * a change notice landed meanwhile (that one is newer).
   *
   * @return what the fingerprint is now, or null when the database does not know it either
   */
  Future<Registration> lookUp(String fingerprint) {
    return repository.fingerprint(fingerprint).map(row -> {
      if (row == null) {
        return byFingerprint.get(fingerprint);
      }
      Registration found = new Registration(row.getString(0), row.getBoolean(1));
      Registration current = byFingerprint.putIfAbsent(fingerprint, found);
      return current == null ? found : current;
    });
  }

  /** Reads one fingerprint's row again, after a change notice. */
  public Future<Void> reloadFingerprint(String fingerprint) {
    return repository.fingerprint(fingerprint)
        .map(row -> {
          apply(fingerprint, row == null ? null : new Registration(row.getString(0), row.getBoolean(1)));
          return null;
        });
  }

  /** Reads one product's CAs again, after a change notice (or the product's deletion). */
  public Future<Void> reloadProduct(int productId) {
    return repository.productCas(productId)
        .map(rows -> {
          List<X509Certificate> cas = new ArrayList<>(rows.size());
          for (Row row : rows) {
            X509Certificate ca = parse(row.getBuffer(1).getBytes(), productId);
            if (ca != null) {
              cas.add(ca);
            }
          }
          applyProduct(productId, cas);
          return null;
        });
  }

  private void apply(String fingerprint, Registration registration) {
    if (registration == null) {
      byFingerprint.remove(fingerprint);
    } else {
      byFingerprint.put(fingerprint, registration);
    }
  }

  /** Synchronized: two threads rebuilding at once must not lose one's product. */
  private synchronized void applyProduct(int productId, List<X509Certificate> cas) {
    if (cas.isEmpty()) {
      productCas.remove(productId);
    } else {
      productCas.put(productId, List.copyOf(cas));
    }
    trusted = TrustedCas.of(everyDevice, productCas);
  }

  /** A stored CA that no longer parses is left out (and said so), rather than stopping the node. */
  private static X509Certificate parse(byte[] der, int productId) {
    try {
      return PemCertificates.fromDer(der);
    } catch (CertificateException e) {
      LOG.error("a product's device CA does not parse and is not trusted [product: {}, sha256: {}]", productId, PemCertificates.fingerprint(der));
      return null;
    }
  }
}
