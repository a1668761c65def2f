package io.drover.hub.products;

/** What a product route does, for {@link ProductAccess#require}. Roles grant these in {@link ProductRole}. */
public enum ProductPermission {
  /** Read anything of the product: devices, groups, firmware, events, team, customers, settings. */
  VIEW,
  /** Act on one device as its owner would: call a function, read a variable, rename, ping. */
  OPERATE_DEVICES,
  /** The fleet's make-up: import, remove and deny devices, groups, the development flag. */
  MANAGE_DEVICES,
  /** Upload, edit, delete, release firmware; lock a device; flash now; rollouts. */
  MANAGE_FIRMWARE,
  MANAGE_CUSTOMERS,
  /** The Configuration page, integrations, fleet settings. */
  MANAGE_SETTINGS,
  /** Invite, remove, change roles, API users. */
  MANAGE_TEAM,
  MANAGE_BILLING,
  /**
   * Which certificate authorities vouch for the product's devices (X.509 device identities): whoever
   * holds such a CA's key can connect as any device of the product, so administrators only, and no
   * API user scope grants it.
   */
  MANAGE_DEVICE_CAS
}
