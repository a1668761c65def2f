package io.drover.hub.demo;

import io.drover.gateway.ServerTls;
import io.drover.hub.devices.DeviceDirectory;
import io.drover.hub.devices.DeviceSecrets;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code --demo.devices=N}: N simulated devices connected over real MQTT to this node, so that a
 * newcomer sees a live fleet at once. They are claimed by the node's administrator (the one made
 * first) as soon as there is one, and named demo-1, demo-2, ...
 */
public final class DemoFleet extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(DemoFleet.class);
  /** The demo devices' platform: Argon (Wi-Fi), as registered. */
  static final int PLATFORM = 12;
  /** Demo device IDs start with this, so they are easy to tell apart: d3e0 followed by the number. */
  private static final String ID_PREFIX = "d3e0";

  private final Map<String, String> secretsById;
  private final Pool pool;
  private final DeviceDirectory directory;
  private final String mqttHost;
  private final int mqttPort;
  private final ServerTls tls;
  private final List<DemoDevice> devices = new ArrayList<>();
  private long claimTimer;

  private DemoFleet(Map<String, String> secretsById, Pool pool, DeviceDirectory directory, String mqttHost, int mqttPort, ServerTls tls) {
    this.secretsById = secretsById;
    this.pool = pool;
    this.directory = directory;
    this.mqttHost = mqttHost;
    this.mqttPort = mqttPort;
    this.tls = tls;
  }

  /**
   * Registers the demo identities with fresh secrets (they live only in this process). Blocks: the
   * launcher calls it before the device registry loads its credentials.
   */
  public static Map<String, String> registerAtStart(Pool pool, int count) {
    Map<String, String> secrets = new LinkedHashMap<>();
    for (int i = 1; i <= count; i++) {
      String id = ID_PREFIX + String.format("%020x", i);
      String secret = DeviceSecrets.newSecret();
      pool.preparedQuery("""
              INSERT INTO devices (id, secret_hash, platform_id) VALUES ($1, $2, $3)
              ON CONFLICT (id) DO UPDATE SET secret_hash = excluded.secret_hash""")
          .execute(Tuple.of(id, Buffer.buffer(DeviceSecrets.hash(secret)), PLATFORM)).await();
      secrets.put(id, secret);
    }
    LOG.info("demo devices registered [count: {}]", count);
    return secrets;
  }

  /** @param tls the node's certificate when {@code mqttPort} is its MQTT over TLS port (plain MQTT is off), else null */
  public static DemoFleet of(Map<String, String> secretsById, Pool pool, DeviceDirectory directory, String mqttHost, int mqttPort, ServerTls tls) {
    return new DemoFleet(secretsById, pool, directory, "0.0.0.0".equals(mqttHost) ? "127.0.0.1" : mqttHost, mqttPort, tls);
  }

  @Override
  public Future<?> start() {
    List<Future<Void>> connected = new ArrayList<>();
    secretsById.forEach((id, secret) -> {
      DemoDevice device = new DemoDevice(vertx, id, secret, mqttHost, mqttPort, tls, this::placement);
      devices.add(device);
      connected.add(device.connect());
    });
    claimTimer = vertx.setPeriodic(2000, t -> {
      claimForAdministrator();
      followPlacements();
    });
    claimForAdministrator();
    return Future.all(connected).onSuccess(all -> LOG.info("demo devices online [count: {}]", devices.size()));
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(claimTimer);
    devices.forEach(DemoDevice::stop);
    return Future.succeededFuture();
  }

  /** The product a demo device was imported into (0: none) and the firmware version last recorded for it. */
  private Future<DemoDevice.Placement> placement(String deviceId) {
    return pool.preparedQuery("SELECT coalesce(product_id, 0), coalesce(firmware_version, 0) FROM devices WHERE id = $1")
        .execute(Tuple.of(deviceId))
        .map(rows -> rows.size() == 0 ? new DemoDevice.Placement(0, 0)
            : new DemoDevice.Placement(rows.iterator().next().getInteger(0), rows.iterator().next().getInteger(1)));
  }

  /** One query every tick for the whole demo fleet: a device imported into a product handshakes for it. */
  private void followPlacements() {
    pool.preparedQuery("SELECT id, coalesce(product_id, 0), coalesce(firmware_version, 0) FROM devices WHERE id = ANY($1)")
        .execute(Tuple.of((Object) secretsById.keySet().toArray(String[]::new)))
        .onSuccess(rows -> {
          Map<String, DemoDevice.Placement> placements = new java.util.HashMap<>();
          for (Row row : rows) {
            placements.put(row.getString(0), new DemoDevice.Placement(row.getInteger(1), row.getInteger(2)));
          }
          for (DemoDevice device : devices) {
            DemoDevice.Placement placement = placements.get(device.id());
            if (placement != null) {
              device.placed(placement);
            }
          }
        })
        .onFailure(cause -> LOG.debug("demo placements not read [cause: {}]", cause.getMessage()));
  }

  /** Gives unclaimed demo devices to the administrator, once there is one. */
  private void claimForAdministrator() {
    String[] ids = secretsById.keySet().toArray(String[]::new);
    pool.preparedQuery("""
            UPDATE devices d SET owner_id = admin.id, name = 'demo-' || ltrim(substr(d.id, 5), '0')
            FROM (SELECT user_id AS id FROM first_administrator) admin
            WHERE d.id = ANY($1) AND d.owner_id IS NULL
            RETURNING d.id, d.owner_id, d.name""")
        .execute(Tuple.of(ids))
        .onSuccess(rows -> {
          for (Row row : rows) {
            directory.claimed(row.getString(0), row.getLong(1), row.getString(2));
          }
          if (rows.size() > 0) {
            LOG.info("demo devices claimed by the administrator [count: {}]", rows.size());
          }
        })
        .onFailure(cause -> LOG.warn("demo devices not claimed [cause: {}]", cause.getMessage()));
  }
}
