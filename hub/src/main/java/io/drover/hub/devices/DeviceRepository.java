package io.drover.hub.devices;

import io.drover.gateway.contract.DeviceFailure;
import io.drover.hub.devices.certificates.CertificateRepository;
import io.drover.hub.storage.DeviceBatchLock;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.util.ArrayList;
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

  /**
   * Inserts a device and, when {@code certificate} is given, registers it to the device in the same
   * transaction.
   *
   * @return false when a device with that ID exists already; failed with BAD_CERTIFICATE when the
   *     certificate's fingerprint is another device's (nothing is inserted then)
   */
  Future<Boolean> insert(String id, byte[] secretHash, byte[] sealedSecret, byte[] publicKey, Integer platformId, boolean cellular,
      ProvisionedCertificate certificate) {
    Tuple values = Tuple.of(id, Buffer.buffer(secretHash), Buffer.buffer(sealedSecret), publicKey == null ? null : Buffer.buffer(publicKey),
        platformId, cellular);
    if (certificate == null) {
      return pool.preparedQuery(INSERT_DEVICE).execute(values).map(result -> result.rowCount() == 1);
    }
    return pool.withTransaction(connection -> connection.preparedQuery(INSERT_DEVICE).execute(values)
        .compose(inserted -> inserted.rowCount() == 0
            ? Future.succeededFuture(false)
            : CertificateRepository.register(connection, certificate.fingerprint(), id, certificate.der(), certificate.notAfter())
                .compose(registered -> registered == CertificateRepository.Registered.CREATED
                    ? Future.succeededFuture(true)
                    : Future.failedFuture(new DeviceFailure(DeviceFailure.Kind.BAD_CERTIFICATE,
                        "this certificate (sha256 " + certificate.fingerprint() + ") is registered to another device")))));
  }

  /**
   * The gateway nodes that hold online devices, each once (null for an online device without one): a
   * probe of device_connectivity_online_by_gateway_node per node, from each holder to the next, however
   * many devices are online.
   */
  private static final String HOLDERS = """
      WITH RECURSIVE holders(node) AS (
        (SELECT gateway_node FROM device_connectivity WHERE online AND gateway_node IS NOT NULL ORDER BY gateway_node LIMIT 1)
        UNION ALL
        SELECT (SELECT gateway_node FROM device_connectivity WHERE online AND gateway_node > h.node ORDER BY gateway_node LIMIT 1)
        FROM holders h WHERE h.node IS NOT NULL
      )
      SELECT node FROM holders WHERE node IS NOT NULL
      UNION ALL
      SELECT NULL WHERE EXISTS (SELECT 1 FROM device_connectivity WHERE online AND gateway_node IS NULL)""";
  private static final String INSERT_DEVICE = """
      INSERT INTO devices (id, secret_hash, sealed_secret, public_key, platform_id, cellular) VALUES ($1, $2, $3, $4, $5, $6)
      ON CONFLICT (id) DO NOTHING""";

  /** A certificate a device is provisioned with, checked by the API. */
  record ProvisionedCertificate(String fingerprint, byte[] der, OffsetDateTime notAfter) {
  }

  Future<Void> describe(String deviceId, JsonArray functions, JsonObject variables) {
    return pool.preparedQuery("UPDATE devices SET functions = $2, variables = $3 WHERE id = $1")
        .execute(Tuple.of(deviceId, functions, variables))
        .mapEmpty();
  }

  /** The system firmware version a device reported (a Particle device's system describe); unchanged rows are not rewritten. */
  Future<Void> systemFirmware(String deviceId, String version) {
    return pool.preparedQuery("UPDATE devices SET system_firmware_version = $2 WHERE id = $1 AND system_firmware_version IS DISTINCT FROM $2")
        .execute(Tuple.of(deviceId, version))
        .mapEmpty();
  }

  /**
   * Rows are updated in whatever order the plan visits them: {@link DeviceBatchLock} keeps every other
   * statement that updates many device rows from running meanwhile, so none can deadlock with it.
   */
  private static final String UPDATE_CONNECTIVITY = """
      WITH u AS (SELECT * FROM unnest($1::text[], $2::bool[], $3::text[], $4::text[], $5::bool[], $6::text[], $7::timestamptz[], $8::timestamptz[])
                   AS t(id, online, session, node, opened, ip, handshake, heard))
      UPDATE device_connectivity c SET
        online = CASE WHEN u.opened OR c.session_id = u.session THEN u.online ELSE c.online END,
        session_id = CASE WHEN u.opened THEN u.session ELSE c.session_id END,
        gateway_node = CASE WHEN u.opened THEN u.node ELSE c.gateway_node END,
        last_ip_address = coalesce(u.ip, c.last_ip_address),
        last_handshake_at = coalesce(u.handshake, c.last_handshake_at),
        last_heard = greatest(c.last_heard, u.heard)
      FROM u
      WHERE c.device_id = u.id""";

  /**
   * Applies the latest known connectivity of many devices in one statement. Null fields leave the
   * stored value; last_heard only moves forward. An update that opened a session makes it the row's
   * session; one that only closed a session changes the row only if that session is still the row's.
   */
  Future<Void> updateConnectivity(List<Connectivity> updates) {
    int n = updates.size();
    String[] ids = new String[n];
    Boolean[] online = new Boolean[n];
    String[] sessions = new String[n];
    String[] nodes = new String[n];
    Boolean[] opened = new Boolean[n];
    String[] ips = new String[n];
    OffsetDateTime[] handshakes = new OffsetDateTime[n];
    OffsetDateTime[] heard = new OffsetDateTime[n];
    for (int i = 0; i < n; i++) {
      Connectivity update = updates.get(i);
      ids[i] = update.deviceId();
      online[i] = update.online();
      sessions[i] = update.sessionId();
      nodes[i] = update.gatewayNode();
      opened[i] = update.opened();
      ips[i] = update.lastIpAddress();
      handshakes[i] = update.lastHandshakeAt();
      heard[i] = update.lastHeard();
    }
    Tuple values = Tuple.of(ids, online, sessions, nodes, opened, ips, handshakes, heard);
    return DeviceBatchLock.holding(pool, connection -> connection.preparedQuery(UPDATE_CONNECTIVITY).execute(values)).mapEmpty();
  }

  /**
   * Marks offline the devices whose session was held by a gateway node that is gone (crashed, or
   * stopped before its notices arrived). The leader of the hub nodes runs it when a member leaves and
   * at start; a node that stops runs it for itself.
   *
   * <p>The holders of online devices are read first ({@link #HOLDERS}); only when one of them is not
   * live are its devices updated, under the batch lock. The leader also runs it every 30 s, for a notice
   * lost in flight, and while every holder lives (nearly always) that look no longer reads every online
   * row under the lock: 0.16 ms instead of 110 ms at 900,000 online devices (docs/benchmarks.md, "The look
   * for devices of departed gateway nodes").
   *
   * @param liveNodes the nodes whose sessions stand; every other node's are over
   * @return the devices marked offline, for their spark/status events
   */
  Future<List<String>> markOfflineUnlessHeldBy(List<String> liveNodes) {
    return pool.preparedQuery(HOLDERS).execute().compose(holders -> {
      boolean departed = false;
      for (Row row : holders) {
        String holder = row.getString(0);
        departed |= holder == null || !liveNodes.contains(holder);
      }
      if (!departed) {
        return Future.succeededFuture(List.of());
      }
      Tuple nodes = Tuple.of(liveNodes.toArray(new String[0]));
      return DeviceBatchLock.holding(pool, connection -> connection.preparedQuery("""
              UPDATE device_connectivity SET online = false
              WHERE online AND (gateway_node IS NULL OR NOT (gateway_node = ANY($1::text[])))
              RETURNING device_id""").execute(nodes))
          .map(DeviceRepository::ids);
    });
  }

  /** Marks offline the devices whose sessions {@code node} held: it is stopping. */
  Future<List<String>> markOfflineHeldBy(String node) {
    return DeviceBatchLock.holding(pool, connection -> connection.preparedQuery("UPDATE device_connectivity SET online = false WHERE online AND gateway_node = $1 RETURNING device_id")
            .execute(Tuple.of(node)))
        .map(DeviceRepository::ids);
  }

  /** One device's row as the in-memory indexes hold it; null when there is no such device. */
  Future<Row> indexedRow(String deviceId) {
    return pool.preparedQuery("SELECT id, secret_hash, sealed_secret, public_key, owner_id, name, product_id, firmware_version FROM devices WHERE id = $1")
        .execute(Tuple.of(deviceId))
        .map(rows -> rows.size() == 0 ? null : rows.iterator().next());
  }

  /** Where these devices now are: id, product_id (null: in none), firmware_version; unknown ids have no row. */
  Future<RowSet<Row>> productPlaces(List<String> deviceIds) {
    return pool.preparedQuery("SELECT id, product_id, firmware_version FROM devices WHERE id = ANY($1)")
        .execute(Tuple.of(deviceIds.toArray(new String[0])));
  }

  /** Every device of a product: id, firmware_version. */
  Future<RowSet<Row>> productDevices(int productId) {
    return pool.preparedQuery("SELECT id, firmware_version FROM devices WHERE product_id = $1")
        .execute(Tuple.of(productId));
  }

  private static List<String> ids(RowSet<Row> rows) {
    List<String> ids = new ArrayList<>(rows.size());
    for (Row row : rows) {
      ids.add(row.getString(0));
    }
    return ids;
  }

  /**
   * @param opened whether a session opened among the notices folded in: that session becomes the row's
   */
  record Connectivity(String deviceId, boolean online, String sessionId, String gatewayNode, boolean opened,
                      String lastIpAddress, OffsetDateTime lastHandshakeAt, OffsetDateTime lastHeard) {

    /**
     * Folds a later notice into this one, keeping what the later one does not say. A "closed" of
     * another session than the one this opened is older news and changes nothing.
     */
    Connectivity then(Connectivity later) {
      if (!later.opened && opened && !later.sessionId.equals(sessionId)) {
        return this;
      }
      return new Connectivity(deviceId, later.online, later.sessionId,
          later.opened ? later.gatewayNode : gatewayNode,
          opened || later.opened,
          later.lastIpAddress != null ? later.lastIpAddress : lastIpAddress,
          later.lastHandshakeAt != null ? later.lastHandshakeAt : lastHandshakeAt,
          later.lastHeard);
    }
  }
}
