package io.drover.hub.sims;

import io.drover.gateway.contract.DeviceIds;
import io.drover.hub.http.ApiException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The SIMs of an import, checked before any SQL runs: each an ICCID and, optionally, the device it sits
 * in. A text file has one SIM a line, {@code ICCID} or {@code ICCID DEVICE_ID} (a comma or spaces
 * between); JSON is {@code {"sims": ["ICCID", {"iccid", "device_id"}, ...]}}. One malformed ICCID or
 * device ID refuses the whole import (400, every bad line listed), so an import is all or nothing.
 */
record SimImport(List<Entry> entries) {

  static final int MAX_SIMS = 10_000;
  /** A line is at most 20 + 1 + 24 characters and a newline. */
  static final int MAX_FILE_BYTES = 512 * 1024;

  record Entry(String iccid, String deviceId) {
  }

  static SimImport fromText(String text) {
    List<String[]> lines = new ArrayList<>();
    for (String line : text.split("\r?\n|\r", -1)) {
      String trimmed = line.strip();
      if (trimmed.isEmpty() || trimmed.startsWith("#")) {
        continue;
      }
      String[] parts = trimmed.split("[,;\\t ]+");
      lines.add(parts);
      if (lines.size() > MAX_SIMS) {
        throw tooMany();
      }
    }
    List<Object[]> raw = new ArrayList<>(lines.size());
    for (String[] parts : lines) {
      raw.add(new Object[] {parts[0], parts.length > 1 ? parts[1] : null, parts.length > 2 ? parts[2] : null});
    }
    return check(raw);
  }

  static SimImport fromJson(JsonArray sims) {
    if (sims.size() > MAX_SIMS) {
      throw tooMany();
    }
    List<Object[]> raw = new ArrayList<>(sims.size());
    for (Object sim : sims) {
      if (sim instanceof JsonObject object) {
        raw.add(new Object[] {object.getValue("iccid"), object.getValue("device_id"), null});
      } else {
        raw.add(new Object[] {sim, null, null});
      }
    }
    return check(raw);
  }

  /** Each raw entry: the ICCID as given, the device ID as given (or null), anything left over on its line (or null). */
  private static SimImport check(List<Object[]> raw) {
    if (raw.isEmpty()) {
      throw new ApiException(400, "invalid_request", "The import names no SIM");
    }
    Map<String, Entry> byIccid = new LinkedHashMap<>();
    Set<String> devices = new HashSet<>();
    JsonArray invalid = new JsonArray();
    for (Object[] entry : raw) {
      String given = entry[0] instanceof String s ? s : String.valueOf(entry[0]);
      String problem = entry[0] instanceof String ? Iccid.problem(given) : "digits";
      if (problem != null) {
        invalid.add(new JsonObject().put("iccid", shorten(given)).put("reason", problem).put("description", Iccid.describe(problem)));
        continue;
      }
      String iccid = Iccid.normalize(given);
      String deviceId = null;
      if (entry[1] != null) {
        deviceId = entry[1] instanceof String d ? DeviceIds.normalize(d.strip()) : null;
        if (deviceId == null) {
          invalid.add(new JsonObject().put("iccid", iccid).put("reason", "device_id")
              .put("description", "the device ID is not 24 hexadecimal digits: " + shorten(String.valueOf(entry[1]))));
          continue;
        }
      }
      if (entry[2] != null) {
        invalid.add(new JsonObject().put("iccid", iccid).put("reason", "extra").put("description", "a line holds an ICCID and at most a device ID"));
        continue;
      }
      Entry earlier = byIccid.get(iccid);
      if (earlier != null && !java.util.Objects.equals(earlier.deviceId(), deviceId)) {
        invalid.add(new JsonObject().put("iccid", iccid).put("reason", "duplicate").put("description", "the ICCID is given twice with different devices"));
        continue;
      }
      if (earlier == null && deviceId != null && !devices.add(deviceId)) {
        invalid.add(new JsonObject().put("iccid", iccid).put("reason", "duplicate_device")
            .put("description", "device " + deviceId + " is given for two SIMs"));
        continue;
      }
      byIccid.put(iccid, new Entry(iccid, deviceId));
    }
    if (!invalid.isEmpty()) {
      throw new ApiException(400, "invalid_iccid", invalid.size() + " of the SIMs given cannot be imported; nothing was imported",
          new JsonObject().put("invalid_sims", invalid));
    }
    return new SimImport(List.copyOf(byIccid.values()));
  }

  String[] iccids() {
    String[] iccids = new String[entries.size()];
    for (int i = 0; i < iccids.length; i++) {
      iccids[i] = entries.get(i).iccid();
    }
    return iccids;
  }

  /** The device of each SIM, null where none was given, in {@link #iccids()} order. */
  String[] deviceIds() {
    String[] devices = new String[entries.size()];
    for (int i = 0; i < devices.length; i++) {
      devices[i] = entries.get(i).deviceId();
    }
    return devices;
  }

  private static String shorten(String given) {
    return given.length() > 40 ? given.substring(0, 40) + "…" : given;
  }

  private static ApiException tooMany() {
    return new ApiException(400, "invalid_request", "An import holds at most " + MAX_SIMS + " SIMs; split it into several");
  }
}
