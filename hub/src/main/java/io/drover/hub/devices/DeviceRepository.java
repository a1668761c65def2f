package io.drover.hub.devices;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The devices table. Connectivity updates are batched: one statement for many devices. */
final class DeviceRepository {

  private final Pool pool;

  DeviceRepository(Pool pool) {
    this.pool = pool;
  }

  Future<CredentialIndex> loadCredentials() {
    return pool.query("SELECT id, secret_hash, sealed_secret, public_key FROM devices").execute().map(rows -> {
      Map<String, byte[]> hashes = new HashMap<>(Math.max(16, rows.size() * 2));
      Map<String, byte[]> sealed = new HashMap<>(Math.max(16, rows.size() * 2));
      Map<String, String> byPublicKey = new HashMap<>();
      for (Row row : rows) {
        hashes.put(row.getString(0), row.getBuffer(1).getBytes());
        Buffer sealedSecret = row.getBuffer(2);
        if (sealedSecret != null) {
          sealed.put(row.getString(0), sealedSecret.getBytes());
        }
        Buffer publicKey = row.getBuffer(3);
        if (publicKey != null) {
          byPublicKey.put(java.util.Base64.getEncoder().encodeToString(publicKey.getBytes()), row.getString(0));
        }
      }
      return new CredentialIndex(hashes, sealed, byPublicKey);
    });
  }

  /** @return false when a device with that ID exists already */
  Future<Boolean> insert(String id, byte[] secretHash, byte[] sealedSecret, byte[] publicKey, Integer platformId, boolean cellular) {
    return pool.preparedQuery("""
            INSERT INTO devices (id, secret_hash, sealed_secret, public_key, platform_id, cellular) VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT (id) DO NOTHING""")
        .execute(Tuple.of(id, Buffer.buffer(secretHash), Buffer.buffer(sealedSecret), publicKey == null ? null : Buffer.buffer(publicKey),
            platformId, cellular))
        .map(result -> result.rowCount() == 1);
  }

  Future<Void> describe(String deviceId, JsonArray functions, JsonObject variables) {
    return pool.preparedQuery("UPDATE devices SET functions = $2, variables = $3 WHERE id = $1")
        .execute(Tuple.of(deviceId, functions, variables))
        .mapEmpty();
  }

  /**
   * Applies the latest known connectivity of many devices in one round trip. Null fields leave the
   * stored value; last_heard only moves forward.
   */
  Future<Void> updateConnectivity(List<Connectivity> updates) {
    int n = updates.size();
    String[] ids = new String[n];
    Boolean[] online = new Boolean[n];
    String[] ips = new String[n];
    OffsetDateTime[] handshakes = new OffsetDateTime[n];
    OffsetDateTime[] heard = new OffsetDateTime[n];
    for (int i = 0; i < n; i++) {
      Connectivity update = updates.get(i);
      ids[i] = update.deviceId();
      online[i] = update.online();
      ips[i] = update.lastIpAddress();
      handshakes[i] = update.lastHandshakeAt();
      heard[i] = update.lastHeard();
    }
    return pool.preparedQuery("""
            WITH u AS (SELECT * FROM unnest($1::text[], $2::bool[], $3::text[], $4::timestamptz[], $5::timestamptz[])
                         AS t(id, online, ip, handshake, heard)),
                 -- locks in id order, as the event writer's last_heard update does, so the two never deadlock
                 locked AS MATERIALIZED (SELECT d.id FROM devices d JOIN u ON u.id = d.id ORDER BY d.id FOR UPDATE OF d)
            UPDATE devices d SET
              online = u.online,
              last_ip_address = coalesce(u.ip, d.last_ip_address),
              last_handshake_at = coalesce(u.handshake, d.last_handshake_at),
              last_heard = greatest(d.last_heard, u.heard)
            FROM u, locked
            WHERE d.id = u.id AND locked.id = d.id""")
        .execute(Tuple.of(ids, online, ips, handshakes, heard))
        .mapEmpty();
  }

  /**
   * No session survives a restart of a single node, so devices still marked online were cut off by a
   * crash. Clustering (one node's restart must not touch another's devices) replaces this with
   * per-node session ownership.
   */
  Future<Integer> markAllOffline() {
    return pool.query("UPDATE devices SET online = false WHERE online").execute().map(result -> result.rowCount());
  }

  record Connectivity(String deviceId, boolean online, String lastIpAddress, OffsetDateTime lastHandshakeAt, OffsetDateTime lastHeard) {

    /** Folds a later update into this one, keeping what the later one does not say. */
    Connectivity then(Connectivity later) {
      return new Connectivity(deviceId, later.online,
          later.lastIpAddress != null ? later.lastIpAddress : lastIpAddress,
          later.lastHandshakeAt != null ? later.lastHandshakeAt : lastHandshakeAt,
          later.lastHeard);
    }
  }
}
