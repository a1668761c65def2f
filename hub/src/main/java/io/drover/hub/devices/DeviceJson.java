package io.drover.hub.devices;

import io.drover.hub.firmware.DeviceFirmwareFields;
import io.drover.hub.firmware.TargetingIndex;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** A device row as the Particle API shows a device (cloud-api.md, "Device object fields"). */
final class DeviceJson {

  /**
   * The columns {@link #listView} and {@link #fullView} read, in this order, from {@link #FROM}: the
   * device's connectivity is its row in device_connectivity (V24). A device with a SIM (V21) is
   * cellular and shows its SIM's ICCID, as Particle's device object does (one index lookup a row).
   */
  static final String COLUMNS = """
      d.id, d.name, u.username, c.last_ip_address, c.last_heard, c.last_handshake_at, c.online, d.platform_id,
      d.cellular OR EXISTS (SELECT 1 FROM sims s WHERE s.device_id = d.id),
      d.product_id, d.serial_number, coalesce((SELECT s.iccid FROM sims s WHERE s.device_id = d.id), d.iccid), d.imei, d.system_firmware_version, d.firmware_version,
      d.notes, d.functions, d.variables, d.owner_id, d.desired_firmware_version, d.development""";
  static final String FROM = "devices d JOIN device_connectivity c ON c.device_id = d.id LEFT JOIN users u ON u.id = d.owner_id";

  private static final DateTimeFormatter ISO = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'");

  private DeviceJson() {
  }

  /** @param index the firmware targeting, for {@code desired_firmware_version} and {@code targeted_firmware_release_version} */
  static JsonObject listView(Row row, TargetingIndex index) {
    boolean online = row.getBoolean(6);
    JsonObject device = new JsonObject()
        .put("id", row.getString(0))
        .put("name", row.getString(1))
        .put("owner", row.getString(2))
        .put("last_ip_address", row.getString(3))
        .put("last_heard", time(row.getOffsetDateTime(4)))
        .put("last_handshake_at", time(row.getOffsetDateTime(5)))
        .put("online", online)
        .put("connected", online)
        .put("platform_id", row.getInteger(7))
        .put("cellular", row.getBoolean(8))
        // Particle reports a device outside any product with its platform ID as product_id; the CLI reads it
        .put("product_id", row.getInteger(9) != null ? row.getInteger(9) : row.getInteger(7))
        .put("status", "normal")
        .put("serial_number", row.getString(10))
        .put("iccid", row.getString(11))
        .put("imei", row.getString(12))
        .put("system_firmware_version", row.getString(13))
        .put("firmware_version", row.getInteger(14))
        .put("firmware_product_id", null)
        .put("development", row.getBoolean(20))
        .put("quarantined", false)
        .put("denied", false)
        .put("groups", new JsonArray())
        .put("notes", row.getString(15));
    // the lock and the target; why, is .../firmware-target's answer
    return DeviceFirmwareFields.fill(device, index, row.getInteger(9), row.getString(0));
  }

  static JsonObject fullView(Row row, TargetingIndex index) {
    return listView(row, index)
        .put("functions", functions(row))
        .put("variables", variables(row))
        .put("firmware_updates_enabled", true)
        .put("firmware_updates_forced", false);
  }

  static JsonArray functions(Row row) {
    Object value = row.getValue(16);
    return value instanceof JsonArray array ? array : new JsonArray();
  }

  static JsonObject variables(Row row) {
    Object value = row.getValue(17);
    return value instanceof JsonObject object ? object : new JsonObject();
  }

  static Long ownerId(Row row) {
    return row.getLong(18);
  }

  static String time(OffsetDateTime time) {
    return time == null ? null : ISO.format(time.withOffsetSameInstant(ZoneOffset.UTC));
  }
}
