package io.drover.hub.devices;

import io.drover.hub.cluster.ClusterView;

import io.drover.gateway.contract.AuthenticatedDevice;
import io.drover.gateway.contract.AuthenticationRequest;
import io.drover.gateway.contract.BusAddresses;
import io.drover.gateway.contract.CertificateAuthentication;
import io.drover.gateway.contract.CertificateRefusal;
import io.drover.gateway.contract.DeviceEvent;
import io.drover.gateway.contract.DeviceEventCodec;
import io.drover.gateway.contract.DeviceFailure;
import io.drover.gateway.contract.DeviceIds;
import io.drover.gateway.contract.SessionNotice;
import io.drover.hub.HubAddresses;
import io.drover.hub.sims.SimBlocks;
import io.drover.hub.devices.certificates.CertificateIndex;
import io.drover.hub.devices.certificates.CertificateRule;
import io.drover.hub.events.EventsVerticle;
import io.drover.hub.products.FleetChanges;
import io.drover.hub.storage.InOrder;
import io.drover.hub.tls.PemCertificates;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The device registry's bus side: answers gateways' authentication requests from the in-memory
 * {@link CredentialIndex} (secrets, DTLS keys) and {@link CertificateIndex} (X.509 certificates, by
 * the {@link CertificateRule}), records session notices (and publishes {@code spark/status}), registers new
 * devices, and keeps its indexes in step with the other hub nodes' changes. The cluster's leader also
 * marks offline the devices of gateway nodes that are gone.
 */
public final class DevicesVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(DevicesVerticle.class);
  /** The cloud's own events about a device (spark/status): they count for no tenant's quota. */
  private static final DeliveryOptions EVENT_DELIVERY = new DeliveryOptions().setCodecName(DeviceEventCodec.NAME)
      .addHeader(EventsVerticle.CLOUD_MADE_HEADER, "true");

  /** How often the leader looks for devices left online by a gateway node that is gone, besides when one leaves. */
  private static final long SWEEP_INTERVAL_MILLIS = 30_000;
  /**
   * Certificate paths checked or waiting at once: what two cores check in about a second (0.55 ms a
   * path), well inside the gateways' 5 s hub deadline. More are refused UNAVAILABLE (the device comes
   * back later) rather than queued past that deadline.
   */
  private static final int MAX_CERTIFICATE_CHECKS = 4096;
  static final String SIM_NOT_ACTIVE = "the device's SIM is not active (deactivated, or paused at its data limit)";

  private final DeviceRepository repository;
  private final SecretSealer sealer;
  private final DeviceDirectory directory;
  private final ClusterView cluster;
  private final Duration connectivityFlushInterval;
  private final CertificateIndex certificates;
  private final SimBlocks simBlocks;
  private CredentialIndex credentials;
  private CertificateRule certificateRule;
  private ConnectivityRecorder connectivity;
  private long flushTimer;
  private long sweepTimer;
  private boolean stopping;
  /** Devices looked for in the database at once because the index did not know them (see {@link #indexed}). */
  private static final int MAX_MISS_LOADS = 16;
  private int missLoads;
  /** The directory's reloads, one at a time: see {@link #inOrder}. */
  private final InOrder reloads = new InOrder();

  public DevicesVerticle(Pool pool, SecretSealer sealer, DeviceDirectory directory, CertificateIndex certificates, ClusterView cluster,
      Duration connectivityFlushInterval, SimBlocks simBlocks) {
    this.repository = new DeviceRepository(pool);
    this.simBlocks = simBlocks;
    this.certificates = certificates;
    this.sealer = sealer;
    this.directory = directory;
    this.cluster = cluster;
    this.connectivityFlushInterval = connectivityFlushInterval;
  }

  @Override
  public Future<?> start() {
    connectivity = new ConnectivityRecorder(repository);
    return repository.loadCredentials()
        .compose(index -> {
          credentials = index;
          LOG.info("credential index loaded [devices: {}]", credentials.size());
          certificateRule = new CertificateRule(vertx, certificates, new CertificateRule.Devices() {
            @Override
            public Future<Void> indexed(String deviceId) {
              return DevicesVerticle.this.indexed(deviceId);
            }

            @Override
            public boolean known(String deviceId) {
              return credentials.contains(deviceId);
            }

            @Override
            public Integer productOf(String deviceId) {
              DeviceDirectory.ProductPlace place = directory.placeOf(deviceId);
              return place == null ? null : place.productId();
            }
          }, MAX_CERTIFICATE_CHECKS);
          flushTimer = vertx.setPeriodic(connectivityFlushInterval.toMillis(), id -> connectivity.flush());
          sweepTimer = vertx.setPeriodic(SWEEP_INTERVAL_MILLIS, id -> sweepDepartedGateways());
          cluster.onMembershipChange(() -> context.runOnContext(ignored -> sweepDepartedGateways()));
          EventBus bus = vertx.eventBus();
          return Future.all(List.of(
              bus.<JsonObject>consumer(BusAddresses.AUTHENTICATE, this::authenticate).completion(),
              bus.<JsonObject>consumer(BusAddresses.AUTHENTICATE_CERTIFICATE, this::authenticateCertificate).completion(),
              bus.<JsonObject>consumer(BusAddresses.PRESHARED_KEY, this::presharedKey).completion(),
              bus.<JsonObject>consumer(BusAddresses.DEVICE_BY_PUBLIC_KEY, this::deviceForPublicKey).completion(),
              bus.<JsonObject>consumer(BusAddresses.DEVICE_SUBSCRIBER, this::subscriber).completion(),
              bus.<SessionNotice>consumer(BusAddresses.SESSION_NOTICES, this::onSessionNotice).completion(),
              bus.<JsonObject>consumer(HubAddresses.PROVISION_DEVICE, this::provision).completion(),
              bus.<JsonObject>consumer(BusAddresses.DESCRIBE, this::onDescribe).completion(),
              bus.<JsonObject>consumer(HubAddresses.DEVICE_CHANGED, this::onDeviceChanged).completion(),
              bus.<JsonObject>consumer(HubAddresses.DEVICE_CERTIFICATE_CHANGED, this::onCertificateChanged).completion(),
              bus.<JsonObject>consumer(HubAddresses.PRODUCT_DEVICE_CAS_CHANGED, this::onProductCasChanged).completion(),
              bus.<JsonObject>consumer(FleetChanges.ADDRESS, this::onFleetChanged).completion()));
        })
        // devices left online by a node that is gone (this one's previous run, when alone) are offline
        .onSuccess(started -> sweepDepartedGateways());
  }

  /**
   * Sessions this node's gateway held whose notices did not arrive before this verticle stopped still
   * end: the devices are recorded offline and their {@code spark/status} offline events written (the
   * event writer stops after this verticle, and is waited for). Devices held by other nodes are theirs.
   */
  @Override
  public Future<?> stop() {
    stopping = true;
    vertx.cancelTimer(flushTimer);
    vertx.cancelTimer(sweepTimer);
    Future<?> flushed = Future.join(connectivity.flushAfterInFlight(), certificateRule == null ? Future.succeededFuture() : certificateRule.close());
    if (!cluster.roles().gateway()) {
      return flushed;
    }
    return flushed.transform(ignored -> repository.markOfflineHeldBy(cluster.nodeId()))
        .compose(this::publishOffline);
  }

  /**
   * Devices whose session was held by a node no longer in the cluster are offline. Only the leader
   * looks (it is once-only work); a node that crashed is found when the cluster notices, a notice lost
   * in flight by the periodic look.
   */
  private void sweepDepartedGateways() {
    if (stopping || !cluster.leads()) {
      return;
    }
    repository.markOfflineUnlessHeldBy(cluster.memberIds())
        .onSuccess(ids -> {
          if (!ids.isEmpty()) {
            LOG.info("devices of departed gateway nodes marked offline [count: {}]", ids.size());
          }
        })
        .compose(this::publishOffline)
        .onFailure(cause -> LOG.warn("departed gateways' devices not swept [cause: {}]", cause.getMessage()));
  }

  private Future<?> publishOffline(List<String> deviceIds) {
    long now = System.currentTimeMillis();
    List<Future<?>> written = new ArrayList<>(deviceIds.size());
    for (String deviceId : deviceIds) {
      written.add(vertx.eventBus().request(BusAddresses.PUBLISH_EVENT,
          new DeviceEvent(deviceId, DeviceEvent.STATUS, "offline", now, DeviceEvent.DEFAULT_TTL, false), EVENT_DELIVERY));
    }
    return Future.join(written);
  }

  /**
   * Another node (or this one) changed a device's row: reload it into this node's indexes. Reloads run
   * one after another ({@link #inOrder}), so that of two quick changes (a claim, then a rename) the newer read lands last.
   */
  private void onDeviceChanged(Message<JsonObject> message) {
    String deviceId = message.body().getString("device_id");
    inOrder(() -> repository.indexedRow(deviceId)
        .onSuccess(row -> {
          if (row == null) {
            directory.apply(deviceId, null, null);
            directory.place(deviceId, null, null);
            return;
          }
          credentials.put(deviceId, row.getBuffer("secret_hash").getBytes(),
              row.getBuffer("sealed_secret") == null ? null : row.getBuffer("sealed_secret").getBytes());
          if (row.getBuffer("public_key") != null) {
            credentials.putPublicKey(java.util.Base64.getEncoder().encodeToString(row.getBuffer("public_key").getBytes()), deviceId);
          }
          directory.apply(deviceId, row.getLong("owner_id"), row.getString("name"));
          directory.place(deviceId, row.getInteger("product_id"), row.getInteger("firmware_version"));
        })
        .onFailure(cause -> LOG.warn("device change not loaded [device-id: {}, cause: {}]", deviceId, cause.getMessage())));
  }

  /**
   * Runs a reload of the in-memory indexes after the ones before it, in the order their notices
   * arrived: the pool may answer two reads out of order, and an earlier read (a claim's, before the
   * import that followed) must not overwrite a later one. Called on this verticle's event loop.
   */
  @SuppressWarnings("unchecked")
  private void inOrder(Supplier<Future<?>> reload) {
    if (stopping) {
      // the pool closes next: every reload would fail and warn, one line per device
      return;
    }
    // nor do the reloads still queued when the node stops (a bulk import's thousands) run
    reloads.run(() -> stopping ? Future.succeededFuture() : (Future<Object>) reload.get());
  }

  /**
   * Devices joined or left a product (or the product went): reload where they are, so that the product
   * event streams follow without SQL per event. One query per notice, whatever its size.
   */
  private void onFleetChanged(Message<JsonObject> message) {
    JsonObject change = message.body();
    int productId = change.getInteger("product_id");
    if (change.getBoolean("all", false)) {
      // a deleted product's CAs go with it
      inOrder(() -> certificates.reloadProduct(productId)
          .onFailure(cause -> LOG.warn("product's device CAs not reloaded [product: {}, cause: {}]", productId, cause.getMessage())));
      inOrder(() -> repository.productDevices(productId)
          .onSuccess(rows -> {
            Map<String, Integer> devices = new HashMap<>(rows.size() * 2);
            for (Row row : rows) {
              devices.put(row.getString(0), row.getInteger(1));
            }
            directory.placeAll(productId, devices);
          })
          .onFailure(cause -> LOG.warn("product's devices not reloaded [product: {}, cause: {}]", productId, cause.getMessage())));
      return;
    }
    List<String> deviceIds = new ArrayList<>(change.getJsonArray("device_ids").size());
    for (Object id : change.getJsonArray("device_ids")) {
      deviceIds.add((String) id);
    }
    inOrder(() -> repository.productPlaces(deviceIds)
        .onSuccess(rows -> {
          Set<String> unknown = new HashSet<>(deviceIds);
          for (Row row : rows) {
            unknown.remove(row.getString(0));
            directory.place(row.getString(0), row.getInteger(1), row.getInteger(2));
          }
          for (String deviceId : unknown) {
            directory.place(deviceId, null, null);
          }
        })
        .onFailure(cause -> LOG.warn("devices' products not reloaded [product: {}, devices: {}, cause: {}]", productId, deviceIds.size(),
            cause.getMessage())));
  }

  private void authenticate(Message<JsonObject> message) {
    AuthenticationRequest request = AuthenticationRequest.fromJson(message.body());
    indexed(request.deviceId()).onComplete(loaded -> {
      if (loaded.failed()) {
        message.fail(DeviceFailure.Kind.UNAVAILABLE.busCode(), "the device registry is not available");
        return;
      }
      try {
        credentials.verify(request.deviceId(), request.secret());
        refuseWithoutConnectivity(request.deviceId());
        message.reply(new AuthenticatedDevice(request.deviceId()).toJson());
      } catch (DeviceFailure failure) {
        message.fail(failure.kind().busCode(), failure.getMessage());
      }
    });
  }

  /**
   * Completes once a device this node's index does not know yet has been looked for in the database:
   * registered through another hub node a moment ago, its change notice may not have arrived, and a
   * gateway asks any hub node (the ClusterTest flake: one hub accepted a device, the other refused it
   * the next second). At most {@link #MAX_MISS_LOADS} look at once, so that a flood of made-up IDs costs
   * the database a bounded load: past it, an unknown device is refused as unknown without a look. A
   * known device costs nothing.
   */
  private Future<Void> indexed(String deviceId) {
    if (deviceId == null || credentials.contains(deviceId) || missLoads >= MAX_MISS_LOADS) {
      return Future.succeededFuture();
    }
    missLoads++;
    return repository.indexedRow(deviceId)
        .<Void>map(row -> {
          // a change notice read after this one may have landed first: it is newer, keep it
          if (row != null && !credentials.contains(deviceId)) {
            credentials.put(deviceId, row.getBuffer("secret_hash").getBytes(),
                row.getBuffer("sealed_secret") == null ? null : row.getBuffer("sealed_secret").getBytes());
          }
          return null;
        })
        .onComplete(done -> missLoads--);
  }

  /** A device presented an X.509 certificate: {@link CertificateRule} decides whom it names. */
  private void authenticateCertificate(Message<JsonObject> message) {
    CertificateAuthentication request;
    try {
      request = CertificateAuthentication.fromJson(message.body());
    } catch (IllegalArgumentException | ClassCastException e) {
      DeviceFailure malformed = CertificateRefusal.MALFORMED.failure(e.getMessage());
      message.fail(malformed.kind().busCode(), malformed.getMessage());
      return;
    }
    certificateRule.authenticate(request).compose(device -> {
      try {
        refuseWithoutConnectivity(device.deviceId());
        return Future.succeededFuture(device);
      } catch (DeviceFailure refused) {
        return Future.failedFuture(refused);
      }
    }).onComplete(decided -> {
      if (decided.succeeded()) {
        message.reply(decided.result().toJson());
        return;
      }
      DeviceFailure failure = DeviceFailure.from(decided.cause());
      LOG.debug("device certificate refused [claimed-device-id: {}, protocol: {}, remote-address: {}, reason: {}]", request.claimedDeviceId(),
          request.protocol(), request.remoteAddress(), failure.getMessage());
      message.fail(failure.kind().busCode(), failure.getMessage());
    });
  }

  /** A certificate was registered or revoked, on this node or another: reload its row. */
  private void onCertificateChanged(Message<JsonObject> message) {
    String fingerprint = message.body().getString("fingerprint");
    inOrder(() -> certificates.reloadFingerprint(fingerprint)
        .onFailure(cause -> LOG.warn("certificate change not loaded [fingerprint: {}, cause: {}]", fingerprint, cause.getMessage())));
  }

  /** A product's device CAs changed, on this node or another: reload them. */
  private void onProductCasChanged(Message<JsonObject> message) {
    int productId = message.body().getInteger("product_id");
    inOrder(() -> certificates.reloadProduct(productId)
        .onFailure(cause -> LOG.warn("product's device CAs not reloaded [product: {}, cause: {}]", productId, cause.getMessage())));
  }

  /**
   * A DTLS handshake needs the device's key itself: opened from its sealed form in memory. Unknown
   * devices and devices registered before sealed secrets get the same refusal.
   */
  private void presharedKey(Message<JsonObject> message) {
    String id = DeviceIds.normalize(message.body().getString("device_id"));
    indexed(id).onComplete(loaded -> {
      if (loaded.failed()) {
        message.fail(DeviceFailure.Kind.UNAVAILABLE.busCode(), "the device registry is not available");
      } else {
        answerPresharedKey(message, id);
      }
    });
  }

  private void answerPresharedKey(Message<JsonObject> message, String id) {
    byte[] sealed = id == null ? null : credentials.sealedSecret(id);
    if (sealed == null) {
      message.fail(DeviceFailure.Kind.UNKNOWN_DEVICE.busCode(), "no such device, or it has no key for DTLS");
      return;
    }
    if (simBlocks.blocked(id)) {
      message.fail(DeviceFailure.Kind.NOT_ALLOWED.busCode(), SIM_NOT_ACTIVE);
      return;
    }
    try {
      message.reply(new JsonObject().put("psk", sealer.open(id, sealed)));
    } catch (IllegalStateException e) {
      LOG.error("sealed secret does not open: is this the master key it was sealed with? [device-id: {}]", id);
      message.fail(DeviceFailure.Kind.UNAVAILABLE.busCode(), "the device's key cannot be opened");
    }
  }

  /** A DTLS handshake with a raw public key: which device registered it. */
  /**
   * Whose events a subscribing device gets: its owner's and, in a product, the product's; answered from
   * the directory in memory. A device nobody owns in no product gets none (an empty answer).
   */
  private void subscriber(Message<JsonObject> message) {
    String deviceId = message.body().getString("device_id", "");
    JsonObject answer = new JsonObject();
    Long owner = directory.ownerOf(deviceId);
    DeviceDirectory.ProductPlace place = directory.placeOf(deviceId);
    if (owner != null) {
      answer.put("owner_id", owner);
    }
    if (place != null) {
      answer.put("product_id", place.productId());
    }
    message.reply(answer);
  }

  private void deviceForPublicKey(Message<JsonObject> message) {
    String deviceId = credentials.deviceForPublicKey(message.body().getString("public_key", ""));
    if (deviceId == null) {
      message.fail(DeviceFailure.Kind.UNKNOWN_DEVICE.busCode(), "no device has this key");
    } else if (simBlocks.blocked(deviceId)) {
      message.fail(DeviceFailure.Kind.NOT_ALLOWED.busCode(), SIM_NOT_ACTIVE);
    } else {
      message.reply(new JsonObject().put("device_id", deviceId));
    }
  }

  /**
   * A device whose SIM is deactivated or paused at its data limit may not connect, whatever it
   * authenticates with (checked after its credentials, so that this says nothing of a device to
   * whoever does not hold them). Answered from memory ({@link SimBlocks}).
   *
   * @throws DeviceFailure NOT_ALLOWED
   */
  private void refuseWithoutConnectivity(String deviceId) {
    if (simBlocks.blocked(deviceId)) {
      throw new DeviceFailure(DeviceFailure.Kind.NOT_ALLOWED, SIM_NOT_ACTIVE);
    }
  }

  private void onSessionNotice(Message<SessionNotice> message) {
    SessionNotice notice = message.body();
    connectivity.record(notice);
    String status = notice.state() == SessionNotice.State.OPENED ? "online" : "offline";
    vertx.eventBus().send(BusAddresses.PUBLISH_EVENT,
        new DeviceEvent(notice.deviceId(), DeviceEvent.STATUS, status, notice.atMillis(), DeviceEvent.DEFAULT_TTL, false),
        EVENT_DELIVERY);
  }

  /** Keeps what a device declared it has, for the device view and for checking calls before they go out. */
  private void onDescribe(Message<JsonObject> message) {
    JsonObject description = message.body();
    String deviceId = description.getString("device_id");
    Future<Void> stored = description.containsKey("functions")
        ? repository.describe(deviceId, description.getJsonArray("functions"), description.getJsonObject("variables"))
        : repository.systemFirmware(deviceId, description.getString("system_firmware_version"));
    stored.onFailure(cause -> LOG.warn("description not stored [device-id: {}, cause: {}]", deviceId, cause.getMessage()));
  }

  /**
   * Registers a device with a fresh secret; the secret is in the reply and nowhere else. A certificate
   * ({@code certificate}: base64 DER, checked by the API) is registered to it in the same transaction.
   */
  private void provision(Message<JsonObject> message) {
    String requested = message.body().getString("id");
    String id = requested == null ? DeviceSecrets.newDeviceId() : DeviceIds.normalize(requested);
    if (id == null) {
      message.fail(DeviceFailure.Kind.MALFORMED_IDENTITY.busCode(), "id must be 24 hexadecimal digits");
      return;
    }
    String publicKeyText = message.body().getString("public_key");
    byte[] publicKey = publicKeyText == null ? null : DevicePublicKeys.parse(publicKeyText);
    if (publicKeyText != null && publicKey == null) {
      message.fail(DeviceFailure.Kind.MALFORMED_PAYLOAD.busCode(), "public_key must be an ECDSA P-256 public key, PEM or base64 DER");
      return;
    }
    DeviceRepository.ProvisionedCertificate certificate;
    try {
      certificate = provisionedCertificate(message.body().getString("certificate"));
    } catch (CertificateException | IllegalArgumentException e) {
      message.fail(DeviceFailure.Kind.MALFORMED_PAYLOAD.busCode(), "certificate must be base64 DER X.509");
      return;
    }
    String secret = DeviceSecrets.newSecret();
    byte[] hash = DeviceSecrets.hash(secret);
    byte[] sealed = sealer.seal(id, secret);
    repository.insert(id, hash, sealed, publicKey, message.body().getInteger("platform_id"), message.body().getBoolean("cellular", false), certificate)
        .onComplete(inserted -> {
      if (inserted.failed() && inserted.cause() instanceof io.vertx.pgclient.PgException pg && "23505".equals(pg.getSqlState())) {
        message.fail(DeviceFailure.Kind.NOT_ALLOWED.busCode(), "a device with this id or public key exists already");
      } else if (inserted.failed() && inserted.cause() instanceof DeviceFailure failure) {
        message.fail(failure.kind().busCode(), failure.getMessage());
      } else if (inserted.failed()) {
        LOG.error("device not registered [device-id: {}]", id, inserted.cause());
        message.fail(DeviceFailure.Kind.UNAVAILABLE.busCode(), "database unavailable");
      } else if (!inserted.result()) {
        message.fail(DeviceFailure.Kind.NOT_ALLOWED.busCode(), "a device with this id exists already");
      } else {
        credentials.put(id, hash, sealed);
        if (publicKey != null) {
          credentials.putPublicKey(java.util.Base64.getEncoder().encodeToString(publicKey), id);
        }
        if (certificate != null) {
          certificates.provisioned(certificate.fingerprint(), id);
        }
        DeviceDirectory.changed(vertx.eventBus(), id);
        LOG.debug("device registered [device-id: {}]", id);
        message.reply(new JsonObject().put("id", id).put("secret", secret));
      }
    });
  }

  private static DeviceRepository.ProvisionedCertificate provisionedCertificate(String base64) throws CertificateException {
    if (base64 == null) {
      return null;
    }
    byte[] der = Base64.getDecoder().decode(base64);
    X509Certificate parsed = PemCertificates.fromDer(der);
    return new DeviceRepository.ProvisionedCertificate(PemCertificates.fingerprint(der), der,
        parsed.getNotAfter().toInstant().atOffset(ZoneOffset.UTC));
  }
}
