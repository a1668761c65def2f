package io.drover.hub.firmware;

import io.vertx.core.json.JsonObject;

/**
 * What a device is targeted to run, and why: the rule of cloud-api.md "Firmware precedence" that
 * decided, and for a group release the group whose release won.
 *
 * @param version the targeted version, or 0 for no automatic update
 * @param group the group whose release decided, for {@link Rule#GROUP}; else null
 */
public record FirmwareTarget(int version, Rule rule, String group) {

  public enum Rule {
    /** Rule 1: a development device is never updated automatically. */
    DEVELOPMENT("development"),
    /** Rule 2: locked to a version, above all else. */
    LOCKED("locked"),
    /** Rule 3: the highest version released to any of the device's groups. */
    GROUP("group"),
    /** Rule 4: the product's default release. */
    PRODUCT_DEFAULT("product_default"),
    /** Rule 5: nothing targets the device. */
    NONE("none"),
    /**
     * A staged rollout of a newer release has not admitted the device yet (or is paused, halted or
     * aborted): it keeps the target the releases before the rollout gave it.
     */
    ROLLOUT_WAITING("rollout_waiting"),
    /** The device is not (or not yet) a member of the product it reports. */
    NOT_IN_PRODUCT("not_in_product");

    private final String wireName;

    Rule(String wireName) {
      this.wireName = wireName;
    }

    public String wireName() {
      return wireName;
    }
  }

  static final FirmwareTarget DEVELOPMENT = new FirmwareTarget(0, Rule.DEVELOPMENT, null);
  static final FirmwareTarget NONE = new FirmwareTarget(0, Rule.NONE, null);
  static final FirmwareTarget NOT_IN_PRODUCT = new FirmwareTarget(0, Rule.NOT_IN_PRODUCT, null);

  /** {@code {"target_version": 3|null, "rule": "group", "group": "beta"}}: the bus answer and the API's "why". */
  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("target_version", version == 0 ? null : version).put("rule", rule.wireName());
    if (group != null) {
      json.put("group", group);
    }
    return json;
  }
}
