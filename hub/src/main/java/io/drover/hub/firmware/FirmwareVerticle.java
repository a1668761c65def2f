package io.drover.hub.firmware;

import io.drover.hub.products.fleet.AutoApproval;

import io.drover.gateway.commands.DeviceCommands;
import io.drover.gateway.contract.BusAddresses;
import io.drover.gateway.contract.DeviceCommand;
import io.drover.gateway.contract.DeviceFailure;
import io.drover.hub.IndexReloads;
import io.drover.hub.devices.DeviceDirectory;
import io.drover.hub.products.FleetChanges;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hub's side of handshake-time updates: answers {@code hub.firmware.target} from the
 * {@link TargetingIndex} (no SQL unless the device reports a new version, which is then written),
 * serves binaries on {@code hub.firmware.binary} from a small cache, and reloads the index on
 * {@link FleetChanges}. All handlers run on this verticle's event loop.
 */
public final class FirmwareVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(FirmwareVerticle.class);
  /** Binaries being delivered: a release sends one version to many devices, so a few suffice. */
  private static final int CACHED_BINARIES = 8;

  private final TargetingIndex index;
  private final FirmwareIndexLoader loader;
  private final FirmwareRepository firmware;
  private final AutoApproval autoApproval;
  private final DeviceCommands commands;
  /** {@code drover_firmware_updates_total{outcome}}: the devices' verdicts on updates their handshake offered. */
  private final Counter verified;
  private final Counter failed;
  private final Counter rolloutsHalted;
  private final IndexReloads reloads;
  private final Map<String, Buffer> binaries = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Buffer> eldest) {
      return size() > CACHED_BINARIES;
    }
  };

  public FirmwareVerticle(TargetingIndex index, FirmwareIndexLoader loader, FirmwareRepository firmware, AutoApproval autoApproval,
      DeviceCommands commands, MeterRegistry registry) {
    this.autoApproval = autoApproval;
    this.commands = commands;
    this.verified = updates(registry, "verified");
    this.failed = updates(registry, "failed");
    this.rolloutsHalted = Counter.builder("drover.firmware.rollouts.halted")
        .description("Staged rollouts halted because a batch's failures passed the rollout's threshold")
        .register(registry);
    this.reloads = IndexReloads.create(registry, "firmware_targets");
    this.index = index;
    this.loader = loader;
    this.firmware = firmware;
  }

  @Override
  public Future<?> start() {
    autoApproval.listen();
    return Future.all(
        vertx.eventBus().<JsonObject>consumer(BusAddresses.FIRMWARE_TARGET, this::target).completion(),
        vertx.eventBus().<JsonObject>consumer(BusAddresses.FIRMWARE_BINARY, this::binary).completion(),
        vertx.eventBus().<JsonObject>consumer(FleetChanges.ADDRESS, this::fleetChanged).completion(),
        vertx.eventBus().<JsonObject>consumer(BusAddresses.FIRMWARE_OUTCOME, this::outcome).completion());
  }

  private static Counter updates(MeterRegistry registry, String outcome) {
    return Counter.builder("drover.firmware.updates")
        .description("Firmware updates offered at a handshake that the device reported, by outcome (a flash is not counted)")
        .tag("outcome", outcome)
        .register(registry);
  }

  /** A handshake: record what runs (only when it changed), answer the target and why. */
  private void target(Message<JsonObject> message) {
    JsonObject request = message.body();
    String deviceId = request.getString("device_id");
    Integer productId = request.getInteger("product_id");
    Integer running = request.getInteger("firmware_version");
    if (deviceId == null || productId == null) {
      message.fail(DeviceFailure.Kind.MALFORMED_PAYLOAD.busCode(), "device_id and product_id are required");
      return;
    }
    if (running != null && running > 0 && index.reportRunning(productId, deviceId, running)) {
      firmware.recordRunning(deviceId, running)
          // the product event streams' "version" comes from the device directory, which reloads the row
          .onSuccess(recorded -> DeviceDirectory.changed(vertx.eventBus(), deviceId))
          .onFailure(cause -> LOG.warn("running version not recorded [device-id: {}, version: {}, cause: {}]", deviceId, running, cause.getMessage()));
    }
    if (index.device(productId, deviceId) == null) {
      // not (yet) in the product it reports: it may join it by itself (the Configuration's auto-approve),
      // unless the product is at its plan's device limit: then the handshake is refused and the session ended
      autoApproval.reported(deviceId, productId).onComplete(decided -> {
        if (decided.failed() && decided.cause() instanceof DeviceFailure refusal && refusal.kind() == DeviceFailure.Kind.NOT_ALLOWED) {
          message.fail(refusal.kind().busCode(), refusal.getMessage());
          commands.request(new DeviceCommand(deviceId, DeviceCommand.Kind.DISCONNECT, null, "device_limit", 3000))
              .onFailure(cause -> LOG.debug("session of a device refused at the device limit not ended [device-id: {}, cause: {}]", deviceId,
                  cause.getMessage()));
          return;
        }
        answer(message, productId, deviceId);
      });
      return;
    }
    answer(message, productId, deviceId);
  }

  private void answer(Message<JsonObject> message, int productId, String deviceId) {
    FirmwareTarget target = index.target(productId, deviceId);
    JsonObject answer = target.toJson();
    if (target.version() == 0) {
      message.reply(answer);
      return;
    }
    binaryOf(productId, target.version()).onComplete(loaded -> {
      if (loaded.succeeded() && loaded.result() != null) {
        Buffer binary = loaded.result();
        answer.put("size", binary.length())
            .put("sha256", java.util.HexFormat.of().formatHex(ParticleModule.looksLikeModule(binary.getBytes(0, Math.min(4, binary.length())))
                ? binary.getBytes(binary.length() - 38, binary.length() - 6) : binary.getBytes(24, 56)));
        message.reply(answer);
      } else {
        // a lock to a version deleted meanwhile, or the database away: no update this time
        message.reply(answer.put("target_version", (Integer) null).put("unavailable", true));
      }
    });
  }

  private void binary(Message<JsonObject> message) {
    Integer productId = message.body().getInteger("product_id");
    Integer version = message.body().getInteger("version");
    if (productId == null || version == null) {
      message.fail(DeviceFailure.Kind.MALFORMED_PAYLOAD.busCode(), "product_id and version are required");
      return;
    }
    binaryOf(productId, version).onComplete(loaded -> {
      if (loaded.failed()) {
        message.fail(DeviceFailure.Kind.UNAVAILABLE.busCode(), "firmware store unavailable");
      } else if (loaded.result() == null) {
        message.fail(DeviceFailure.Kind.UNKNOWN_DEVICE.busCode(), "product " + productId + " has no firmware version " + version);
      } else {
        message.reply(loaded.result());
      }
    });
  }

  private Future<Buffer> binaryOf(int productId, int version) {
    String key = productId + "/" + version;
    Buffer cached = binaries.get(key);
    if (cached != null) {
      return Future.succeededFuture(cached);
    }
    return firmware.binary(productId, version).onSuccess(binary -> {
      if (binary != null) {
        binaries.put(key, binary);
      }
    });
  }

  /**
   * How a device's update ended. During a staged rollout of that version it is counted in the
   * device's batch; when the batch's failed share passes the threshold the rollout halts, and the
   * devices not yet updated keep their previous target.
   */
  private void outcome(Message<JsonObject> message) {
    JsonObject outcome = message.body();
    Integer productId = outcome.getInteger("product_id");
    String deviceId = outcome.getString("device_id");
    if (productId == null || deviceId == null) {
      return;
    }
    (outcome.getBoolean("succeeded", false) ? verified : failed).increment();
    Rollout rollout = index.releases(productId).rollout();
    if (rollout == null || !rollout.open() || rollout.version() != outcome.getInteger("version", 0)) {
      return;
    }
    int batch = rollout.batchOf(deviceId);
    firmware.recordOutcome(rollout.id(), deviceId, batch, outcome.getBoolean("succeeded", false))
        .compose(counts -> {
          int failed = counts[0];
          int total = counts[1];
          if (failed * 100 <= rollout.failureThresholdPercent() * total) {
            return Future.succeededFuture();
          }
          rolloutsHalted.increment();
          LOG.warn("rollout halted [product: {}, rollout: {}, version: {}, batch: {}, failed: {} of {}]", productId, rollout.id(),
              rollout.version(), batch, failed, total);
          return firmware.haltRollout(rollout.id()).compose(halted -> loader.reloadProduct(productId))
              .onSuccess(reloaded -> FleetChanges.productChanged(vertx.eventBus(), productId));
        })
        .onFailure(cause -> LOG.warn("rollout outcome not recorded [device-id: {}, cause: {}]", deviceId, cause.getMessage()));
  }

  private void fleetChanged(Message<JsonObject> message) {
    JsonObject notice = message.body();
    Integer productId = notice.getInteger("product_id");
    if (notice.getBoolean("all", false)) {
      // a deleted version may come back with other bytes under the same number
      binaries.keySet().removeIf(key -> key.startsWith(productId + "/"));
    }
    Future<Void> reload = reloads.timed(() -> notice.getBoolean("all", false) || productId != null && notice.getJsonArray("device_ids") == null
        ? loader.reloadProduct(productId)
        : loader.reloadDevices(FirmwareIndexLoader.ids(notice.getJsonArray("device_ids"))));
    reload.onFailure(cause -> LOG.warn("targeting index not reloaded [notice: {}, cause: {}]", notice.encode(), cause.getMessage()));
  }
}
