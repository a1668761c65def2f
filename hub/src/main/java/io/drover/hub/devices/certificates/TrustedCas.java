package io.drover.hub.devices.certificates;

import io.drover.hub.tls.PemCertificates;
import java.security.GeneralSecurityException;
import java.security.cert.CertPathBuilder;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertStore;
import java.security.cert.CollectionCertStoreParameters;
import java.security.cert.PKIXBuilderParameters;
import java.security.cert.PKIXCertPathBuilderResult;
import java.security.cert.TrustAnchor;
import java.security.cert.X509CertSelector;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The device CAs trusted at one moment, and for which devices each vouches: a node's device CA and the
 * operator's vouch for every device, a product's CA for the devices of that product only. Immutable: a
 * change of the product CAs makes a new one ({@link CertificateIndex}), so a check that runs on a
 * worker thread sees one consistent set.
 */
final class TrustedCas {

  /** Which devices a CA vouches for: every device, or those of some products. */
  record Scope(boolean everyDevice, Set<Integer> products) {

    boolean vouchesFor(Integer productId) {
      return everyDevice || (productId != null && products.contains(productId));
    }
  }

  /** The outcome of {@link #path}: the CA the path ends at and its scope, or why there is none. */
  record Vouched(X509Certificate ca, Scope scope, String problem) {

    static Vouched untrusted(String problem) {
      return new Vouched(null, null, problem);
    }

    boolean trusted() {
      return problem == null;
    }
  }

  private final Set<TrustAnchor> anchors;
  /** By the base64 of the CA's SubjectPublicKeyInfo: two certificates of one key are one authority. */
  private final Map<String, Scope> scopeByKey;
  private final int size;

  private TrustedCas(Set<TrustAnchor> anchors, Map<String, Scope> scopeByKey, int size) {
    this.anchors = anchors;
    this.scopeByKey = scopeByKey;
    this.size = size;
  }

  static TrustedCas of(List<X509Certificate> everyDevice, Map<Integer, List<X509Certificate>> byProduct) {
    Map<String, X509Certificate> distinct = new LinkedHashMap<>();
    Map<String, Boolean> everyByKey = new HashMap<>();
    Map<String, Set<Integer>> productsByKey = new HashMap<>();
    for (X509Certificate ca : everyDevice) {
      distinct.putIfAbsent(PemCertificates.fingerprint(ca), ca);
      everyByKey.put(key(ca), true);
    }
    byProduct.forEach((productId, cas) -> {
      for (X509Certificate ca : cas) {
        distinct.putIfAbsent(PemCertificates.fingerprint(ca), ca);
        productsByKey.computeIfAbsent(key(ca), k -> new HashSet<>()).add(productId);
      }
    });
    Set<TrustAnchor> anchors = new HashSet<>();
    Map<String, Scope> scopes = new HashMap<>();
    for (X509Certificate ca : distinct.values()) {
      anchors.add(new TrustAnchor(ca, null));
      String key = key(ca);
      scopes.put(key, new Scope(everyByKey.getOrDefault(key, false), Set.copyOf(productsByKey.getOrDefault(key, Set.of()))));
    }
    return new TrustedCas(Set.copyOf(anchors), Map.copyOf(scopes), distinct.size());
  }

  int size() {
    return size;
  }

  /**
   * Builds a PKIX path (RFC 5280 section 6) from {@code leaf} through any of {@code intermediates} to
   * one of these CAs, as of {@code at}: signatures, validity, basic constraints, path length and name
   * constraints of every certificate on it, and the validity of the CA itself (which PKIX leaves to the
   * caller). CPU work (a signature check per certificate on the path): called on a worker thread.
   */
  Vouched path(X509Certificate leaf, List<X509Certificate> intermediates, Date at) {
    if (anchors.isEmpty()) {
      return Vouched.untrusted("no device CA is trusted");
    }
    try {
      X509CertSelector target = new X509CertSelector();
      target.setCertificate(leaf);
      PKIXBuilderParameters parameters = new PKIXBuilderParameters(anchors, target);
      // revocation is by fingerprint, checked before: no CRL or OCSP is fetched on a device's connect
      parameters.setRevocationEnabled(false);
      parameters.setDate(at);
      List<X509Certificate> offered = new ArrayList<>(intermediates.size() + 1);
      offered.add(leaf);
      offered.addAll(intermediates);
      parameters.addCertStore(CertStore.getInstance("Collection", new CollectionCertStoreParameters(offered)));
      PKIXCertPathBuilderResult built = (PKIXCertPathBuilderResult) CertPathBuilder.getInstance("PKIX").build(parameters);
      X509Certificate ca = built.getTrustAnchor().getTrustedCert();
      if (ca.getNotAfter().before(at) || ca.getNotBefore().after(at)) {
        return Vouched.untrusted("its CA " + ca.getSubjectX500Principal().getName() + " is not valid now (valid "
            + ca.getNotBefore().toInstant() + " to " + ca.getNotAfter().toInstant() + ")");
      }
      return new Vouched(ca, scopeByKey.get(key(ca)), null);
    } catch (CertPathBuilderException e) {
      return Vouched.untrusted("no path from " + leaf.getIssuerX500Principal().getName() + " to a trusted device CA"
          + (e.getMessage() == null ? "" : " (" + e.getMessage() + ")"));
    } catch (GeneralSecurityException e) {
      return Vouched.untrusted("the path cannot be checked: " + e.getMessage());
    }
  }

  private static String key(X509Certificate ca) {
    return Base64.getEncoder().encodeToString(ca.getPublicKey().getEncoded());
  }
}
