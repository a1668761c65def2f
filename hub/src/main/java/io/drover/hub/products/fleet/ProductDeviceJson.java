package io.drover.hub.products.fleet;

import io.drover.hub.firmware.DeviceFirmwareFields;
import io.drover.hub.firmware.TargetingIndex;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * A product's device as Particle's product device list shows it: the device object of cloud-api.md
 * with the product's own fields (development, groups, denied) filled in, and the owner split into
 * {@code owner} (a team member or other person) and {@code customer} (one of the product's customers).
 * A device with a SIM (V21) is cellular and shows its SIM's ICCID.
 */
final class ProductDeviceJson {

  /** The columns {@link #listView} and {@link #fullView} read, by name; FROM must alias devices d, device_connectivity c and users u. */
  static final String COLUMNS = """
      d.id, d.name, u.username, u.kind AS owner_kind, d.owner_id, c.last_ip_address, c.last_heard, c.last_handshake_at,
      c.online, d.platform_id, d.cellular OR EXISTS (SELECT 1 FROM sims s WHERE s.device_id = d.id) AS cellular, d.product_id,
      d.serial_number, coalesce((SELECT s.iccid FROM sims s WHERE s.device_id = d.id), d.iccid) AS iccid, d.imei, d.system_firmware_version,
      d.firmware_version, d.notes, d.development, d.functions, d.variables,
      ARRAY(SELECT m.group_name FROM device_group_members m WHERE m.product_id = d.product_id AND m.device_id = d.id
            ORDER BY m.group_name) AS groups""";
  static final String FROM = "devices d JOIN device_connectivity c ON c.device_id = d.id LEFT JOIN users u ON u.id = d.owner_id";

  private static final DateTimeFormatter ISO = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'");

  private ProductDeviceJson() {
  }

  /** @param index the firmware targeting, for {@code desired_firmware_version} and {@code targeted_firmware_release_version} */
  static JsonObject listView(Row row, TargetingIndex index) {
    boolean online = row.getBoolean("online");
    boolean customer = "customer".equals(row.getString("owner_kind"));
    JsonArray groups = new JsonArray();
    for (String group : row.getArrayOfStrings("groups")) {
      groups.add(group);
    }
    JsonObject device = new JsonObject()
        .put("id", row.getString("id"))
        .put("name", row.getString("name"))
        .put("owner", customer ? null : row.getString("username"))
        .put("customer", customer ? row.getString("username") : null)
        .put("user_id", row.getLong("owner_id") == null ? null : row.getLong("owner_id").toString())
        .put("last_ip_address", row.getString("last_ip_address"))
        .put("last_heard", time(row.getOffsetDateTime("last_heard")))
        .put("last_handshake_at", time(row.getOffsetDateTime("last_handshake_at")))
        .put("online", online)
        .put("connected", online)
        .put("platform_id", row.getInteger("platform_id"))
        .put("cellular", row.getBoolean("cellular"))
        .put("product_id", row.getInteger("product_id"))
        .put("status", "normal")
        .put("serial_number", row.getString("serial_number"))
        .put("iccid", row.getString("iccid"))
        .put("imei", row.getString("imei"))
        .put("system_firmware_version", row.getString("system_firmware_version"))
        .put("firmware_version", row.getInteger("firmware_version"))
        .put("firmware_product_id", row.getInteger("product_id"))
        .put("development", row.getBoolean("development"))
        .put("quarantined", false)
        .put("denied", false)
        .put("groups", groups)
        .put("notes", row.getString("notes"));
    return DeviceFirmwareFields.fill(device, index, row.getInteger("product_id"), row.getString("id"));
  }

  static JsonObject fullView(Row row, TargetingIndex index) {
    Object functions = row.getValue("functions");
    Object variables = row.getValue("variables");
    return listView(row, index)
        .put("functions", functions instanceof JsonArray array ? array : new JsonArray())
        .put("variables", variables instanceof JsonObject object ? object : new JsonObject())
        .put("firmware_updates_enabled", true)
        .put("firmware_updates_forced", false);
  }

  static String time(OffsetDateTime time) {
    return time == null ? null : ISO.format(time.withOffsetSameInstant(ZoneOffset.UTC));
  }
}
