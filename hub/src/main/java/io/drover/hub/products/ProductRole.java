package io.drover.hub.products;

import java.util.EnumSet;
import java.util.Set;

/**
 * A team member's role in a product, as the Console names them, and what each may do. The check is
 * by permission, not by comparing roles, so that a route says what it does ({@code MANAGE_FIRMWARE})
 * rather than who may do it.
 */
public enum ProductRole {
  ADMINISTRATOR("administrator", EnumSet.allOf(ProductPermission.class)),
  DEVELOPER("developer", EnumSet.complementOf(EnumSet.of(ProductPermission.MANAGE_TEAM, ProductPermission.MANAGE_BILLING,
      ProductPermission.MANAGE_DEVICE_CAS))),
  SUPPORT("support", EnumSet.of(ProductPermission.VIEW, ProductPermission.OPERATE_DEVICES, ProductPermission.MANAGE_CUSTOMERS)),
  VIEW_ONLY("view_only", EnumSet.of(ProductPermission.VIEW));

  private final String wireName;
  private final Set<ProductPermission> permissions;

  ProductRole(String wireName, Set<ProductPermission> permissions) {
    this.wireName = wireName;
    this.permissions = java.util.Collections.unmodifiableSet(permissions);
  }

  /** The name in the database and the API ({@code "view_only"}). */
  public String wireName() {
    return wireName;
  }

  /** Everything this role may do. */
  public Set<ProductPermission> permissions() {
    return permissions;
  }

  public boolean may(ProductPermission permission) {
    return permissions.contains(permission);
  }

  /** @return null when {@code name} is no role; the API and the Console's labels both parse here */
  public static ProductRole parse(String name) {
    if (name == null) {
      return null;
    }
    String normalised = name.trim().toLowerCase(java.util.Locale.ROOT).replace('-', '_').replace(' ', '_');
    for (ProductRole role : values()) {
      if (role.wireName.equals(normalised)) {
        return role;
      }
    }
    return null;
  }
}
