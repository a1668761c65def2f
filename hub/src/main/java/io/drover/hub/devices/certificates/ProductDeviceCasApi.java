package io.drover.hub.devices.certificates;

import io.drover.hub.http.AccessCheck;
import io.drover.hub.http.ApiException;
import io.drover.hub.http.ApiFeature;
import io.drover.hub.http.RequestBodies;
import io.drover.hub.products.ProductAccess;
import io.drover.hub.products.ProductAccess.ProductScope;
import io.drover.hub.products.ProductPermission;
import io.drover.hub.tls.CertificateInputException;
import io.drover.hub.tls.PemCertificates;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Row;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A product's own device CAs: {@code GET/POST /v1/products/:productIdOrSlug/device_cas} and
 * {@code DELETE .../device_cas/:fingerprint}. A certificate chained to one identifies a device of this
 * product by its subject CN, and no device of another product. Product administrators only
 * ({@link ProductPermission#MANAGE_DEVICE_CAS}): a CA here lets whoever holds its key connect as any
 * device of the product.
 */
public final class ProductDeviceCasApi implements ApiFeature {

  private static final Logger LOG = LoggerFactory.getLogger(ProductDeviceCasApi.class);
  private static final String BASE = "/v1/products/:" + ProductAccess.PATH_PARAM + "/device_cas";

  private final AccessCheck access;
  private final ProductAccess products;
  private final CertificateRepository repository;
  private final CertificateIndex index;

  public ProductDeviceCasApi(AccessCheck access, ProductAccess products, CertificateRepository repository, CertificateIndex index) {
    this.access = access;
    this.products = products;
    this.repository = repository;
    this.index = index;
  }

  @Override
  public Future<Void> mount(Router router) {
    router.get(BASE).handler(access::requireUser).handler(products.require(ProductPermission.MANAGE_DEVICE_CAS)).handler(this::list);
    router.post(BASE).handler(access::requireUser)
        .handler(products.require(ProductPermission.MANAGE_DEVICE_CAS)).handler(RequestBodies.handler()).handler(this::add);
    router.delete(BASE + "/:fingerprint").handler(access::requireUser)
        .handler(products.require(ProductPermission.MANAGE_DEVICE_CAS)).handler(this::remove);
    return Future.succeededFuture();
  }

  private void list(RoutingContext ctx) {
    ProductScope product = ProductAccess.scope(ctx);
    repository.productCas(product.productId())
        .onSuccess(rows -> {
          JsonArray cas = new JsonArray();
          for (Row row : rows) {
            cas.add(CertificateJson.deviceCa(row.getString(0), row.getString(2), row.getOffsetDateTime(3), row.getOffsetDateTime(4)));
          }
          ctx.json(new JsonObject().put("ok", true).put("device_cas", cas));
        })
        .onFailure(ctx::fail);
  }

  /** Adds a CA certificate (basicConstraints CA:TRUE, valid now); adding one the product has already answers it again, 200. */
  private void add(RoutingContext ctx) {
    ProductScope product = ProductAccess.scope(ctx);
    Object pem = RequestBodies.fields(ctx).getValue("certificate");
    if (!(pem instanceof String text)) {
      throw new ApiException(400, "invalid_request", "certificate is required: the CA certificate, PEM");
    }
    X509Certificate ca;
    try {
      ca = PemCertificates.one(text, "certificate");
    } catch (CertificateInputException e) {
      throw new ApiException(400, "invalid_request", e.getMessage());
    }
    String problem = CertificateChecks.caProblem(ca, Instant.now());
    if (problem != null) {
      throw new ApiException(400, "invalid_request", problem);
    }
    byte[] der = encoded(ca);
    String fingerprint = PemCertificates.fingerprint(der);
    String subject = ca.getSubjectX500Principal().getName();
    repository.addProductCa(product.productId(), fingerprint, der, subject, CertificateRepository.utc(ca.getNotAfter()),
            AccessCheck.principal(ctx).userId())
        .compose(stored -> {
          if (stored == null) {
            return Future.failedFuture(new ApiException(409, "too_many_cas", "Product " + product.productId() + " has "
                + CertificateRepository.MAX_PRODUCT_CAS + " device CAs already; delete one first"));
          }
          Future<Void> applied = Future.succeededFuture();
          if (stored.added()) {
            LOG.info("product device CA added [product: {}, subject: {}, sha256: {}, by: {}]", product.productId(), subject, fingerprint,
                AccessCheck.principal(ctx).username());
            applied = index.productChanged(product.productId());
          }
          return applied.map(ignored -> {
            ctx.response().setStatusCode(stored.added() ? 201 : 200);
            return CertificateJson.deviceCa(fingerprint, subject, CertificateRepository.utc(ca.getNotAfter()), stored.createdAt()).put("ok", true);
          });
        })
        .onSuccess(ctx::json)
        .onFailure(ctx::fail);
  }

  private void remove(RoutingContext ctx) {
    ProductScope product = ProductAccess.scope(ctx);
    String fingerprint = PemCertificates.normalizeFingerprint(ctx.pathParam("fingerprint"));
    if (fingerprint == null) {
      throw new ApiException(400, "invalid_request", "The fingerprint must be the CA certificate's SHA-256: 64 hexadecimal digits, colons allowed");
    }
    repository.removeProductCa(product.productId(), fingerprint)
        .compose(removed -> {
          if (!removed) {
            return Future.failedFuture(new ApiException(404, "not_found", "Product " + product.productId() + " has no device CA with this fingerprint"));
          }
          LOG.info("product device CA removed [product: {}, sha256: {}, by: {}]", product.productId(), fingerprint,
              AccessCheck.principal(ctx).username());
          return index.productChanged(product.productId());
        })
        .onSuccess(ignored -> ctx.json(new JsonObject().put("ok", true)))
        .onFailure(ctx::fail);
  }

  private static byte[] encoded(X509Certificate certificate) {
    try {
      return certificate.getEncoded();
    } catch (CertificateEncodingException e) {
      throw new IllegalStateException(e);
    }
  }
}
