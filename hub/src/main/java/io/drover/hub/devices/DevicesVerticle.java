package io.drover.hub.devices;

import io.drover.gateway.contract.AuthenticatedDevice;
import io.drover.gateway.contract.AuthenticationRequest;
import io.drover.gateway.contract.BusAddresses;
import io.drover.gateway.contract.DeviceEvent;
import io.drover.gateway.contract.DeviceEventCodec;
import io.drover.gateway.contract.DeviceFailure;
import io.drover.gateway.contract.DeviceIds;
import io.drover.gateway.contract.SessionNotice;
import io.drover.hub.HubAddresses;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The device registry's bus side: answers gateways' authentication requests from the in-memory
 * {@link CredentialIndex}, records session notices (and publishes {@code spark/status}), and
 * registers new devices.
 */
public final class DevicesVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(DevicesVerticle.class);
  private static final DeliveryOptions EVENT_DELIVERY = new DeliveryOptions().setCodecName(DeviceEventCodec.NAME);

  private final DeviceRepository repository;
  private final SecretSealer sealer;
  private final Duration connectivityFlushInterval;
  private CredentialIndex credentials;
  private ConnectivityRecorder connectivity;
  private long flushTimer;

  public DevicesVerticle(Pool pool, SecretSealer sealer, Duration connectivityFlushInterval) {
    this.repository = new DeviceRepository(pool);
    this.sealer = sealer;
    this.connectivityFlushInterval = connectivityFlushInterval;
  }

  @Override
  public Future<?> start() {
    connectivity = new ConnectivityRecorder(repository);
    return repository.markAllOffline()
        .compose(stale -> {
          if (stale > 0) {
            LOG.info("devices left online by the previous run marked offline [count: {}]", stale);
          }
          return repository.loadCredentials();
        })
        .compose(index -> {
          credentials = index;
          LOG.info("credential index loaded [devices: {}]", credentials.size());
          flushTimer = vertx.setPeriodic(connectivityFlushInterval.toMillis(), id -> connectivity.flush());
          EventBus bus = vertx.eventBus();
          return Future.all(
              bus.<JsonObject>consumer(BusAddresses.AUTHENTICATE, this::authenticate).completion(),
              bus.<JsonObject>consumer(BusAddresses.PRESHARED_KEY, this::presharedKey).completion(),
              bus.<JsonObject>consumer(BusAddresses.DEVICE_BY_PUBLIC_KEY, this::deviceForPublicKey).completion(),
              bus.<JsonObject>consumer(BusAddresses.SESSION_NOTICES, this::onSessionNotice).completion(),
              bus.<JsonObject>consumer(HubAddresses.PROVISION_DEVICE, this::provision).completion(),
              bus.<JsonObject>consumer(BusAddresses.DESCRIBE, this::onDescribe).completion());
        });
  }

  /**
   * Sessions whose gateway notices did not arrive before this verticle stopped still end: the devices
   * are recorded offline and their {@code spark/status} offline events written (the event writer
   * stops after this verticle, and is waited for).
   */
  @Override
  public Future<?> stop() {
    vertx.cancelTimer(flushTimer);
    long now = System.currentTimeMillis();
    List<Future<?>> written = new ArrayList<>();
    for (String deviceId : connectivity.endAllSessions()) {
      written.add(vertx.eventBus().request(BusAddresses.PUBLISH_EVENT,
          new DeviceEvent(deviceId, "spark/status", "offline", now, DeviceEvent.DEFAULT_TTL, false), EVENT_DELIVERY));
    }
    return Future.join(written).transform(ignored -> connectivity.flushAfterInFlight());
  }

  private void authenticate(Message<JsonObject> message) {
    AuthenticationRequest request = AuthenticationRequest.fromJson(message.body());
    try {
      credentials.verify(request.deviceId(), request.secret());
      message.reply(new AuthenticatedDevice(request.deviceId()).toJson());
    } catch (DeviceFailure failure) {
      message.fail(failure.kind().busCode(), failure.getMessage());
    }
  }

  /**
   * A DTLS handshake needs the device's key itself: opened from its sealed form in memory. Unknown
   * devices and devices registered before sealed secrets get the same refusal.
   */
  private void presharedKey(Message<JsonObject> message) {
    String id = DeviceIds.normalize(message.body().getString("device_id"));
    byte[] sealed = id == null ? null : credentials.sealedSecret(id);
    if (sealed == null) {
      message.fail(DeviceFailure.Kind.UNKNOWN_DEVICE.busCode(), "no such device, or it has no key for DTLS");
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
  private void deviceForPublicKey(Message<JsonObject> message) {
    String deviceId = credentials.deviceForPublicKey(message.body().getString("public_key", ""));
    if (deviceId == null) {
      message.fail(DeviceFailure.Kind.UNKNOWN_DEVICE.busCode(), "no device has this key");
    } else {
      message.reply(new JsonObject().put("device_id", deviceId));
    }
  }

  private void onSessionNotice(Message<JsonObject> message) {
    SessionNotice notice = SessionNotice.fromJson(message.body());
    if (connectivity.record(notice)) {
      String status = notice.state() == SessionNotice.State.OPENED ? "online" : "offline";
      vertx.eventBus().send(BusAddresses.PUBLISH_EVENT,
          new DeviceEvent(notice.deviceId(), "spark/status", status, notice.atMillis(), DeviceEvent.DEFAULT_TTL, false),
          EVENT_DELIVERY);
    }
  }

  /** Keeps what a device declared it has, for the device view and for checking calls before they go out. */
  private void onDescribe(Message<JsonObject> message) {
    JsonObject description = message.body();
    repository.describe(description.getString("device_id"), description.getJsonArray("functions"), description.getJsonObject("variables"))
        .onFailure(cause -> LOG.warn("description not stored [device-id: {}, cause: {}]", description.getString("device_id"), cause.getMessage()));
  }

  /** Registers a device with a fresh secret; the secret is in the reply and nowhere else. */
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
    String secret = DeviceSecrets.newSecret();
    byte[] hash = DeviceSecrets.hash(secret);
    byte[] sealed = sealer.seal(id, secret);
    repository.insert(id, hash, sealed, publicKey, message.body().getInteger("platform_id"), message.body().getBoolean("cellular", false))
        .onComplete(inserted -> {
      if (inserted.failed() && inserted.cause() instanceof io.vertx.pgclient.PgException pg && "23505".equals(pg.getSqlState())) {
        message.fail(DeviceFailure.Kind.NOT_ALLOWED.busCode(), "a device with this id or public key exists already");
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
        LOG.debug("device registered [device-id: {}]", id);
        message.reply(new JsonObject().put("id", id).put("secret", secret));
      }
    });
  }
}
