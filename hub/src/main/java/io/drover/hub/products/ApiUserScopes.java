package io.drover.hub.products;

import java.util.Collection;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The scopes an API user's token may carry (Particle's names) and the product permissions each one
 * grants. Permissions are coarser than scopes: any read scope grants {@link ProductPermission#VIEW},
 * which reads the whole product; a write scope grants the permission its routes ask for.
 */
public final class ApiUserScopes {

  private static final Map<String, Set<ProductPermission>> GRANTS = new LinkedHashMap<>();

  static {
    for (String read : new String[] {"devices:list", "devices:get", "devices.variable:get", "events:get", "firmware:list",
        "firmware:get", "groups:list", "groups:get", "customers:list", "customers:get", "teams.users:list", "products:get",
        "configuration:get", "integrations:list", "integrations:get"}) {
      GRANTS.put(read, EnumSet.of(ProductPermission.VIEW));
    }
    GRANTS.put("devices.function:call", EnumSet.of(ProductPermission.VIEW, ProductPermission.OPERATE_DEVICES));
    GRANTS.put("devices:ping", EnumSet.of(ProductPermission.VIEW, ProductPermission.OPERATE_DEVICES));
    GRANTS.put("events:send", EnumSet.of(ProductPermission.VIEW, ProductPermission.OPERATE_DEVICES));
    GRANTS.put("devices:update", EnumSet.of(ProductPermission.VIEW, ProductPermission.OPERATE_DEVICES, ProductPermission.MANAGE_DEVICES));
    for (String fleet : new String[] {"devices:import", "devices:remove", "groups:create", "groups:update", "groups:remove"}) {
      GRANTS.put(fleet, EnumSet.of(ProductPermission.VIEW, ProductPermission.MANAGE_DEVICES));
    }
    for (String firmware : new String[] {"firmware:create", "firmware:update", "firmware:release", "firmware:remove"}) {
      GRANTS.put(firmware, EnumSet.of(ProductPermission.VIEW, ProductPermission.MANAGE_FIRMWARE));
    }
    for (String customers : new String[] {"customers:create", "customers:update", "customers:remove"}) {
      GRANTS.put(customers, EnumSet.of(ProductPermission.VIEW, ProductPermission.MANAGE_CUSTOMERS));
    }
    for (String settings : new String[] {"products:update", "configuration:update", "integrations:create",
        "integrations:update", "integrations:remove"}) {
      GRANTS.put(settings, EnumSet.of(ProductPermission.VIEW, ProductPermission.MANAGE_SETTINGS));
    }
    for (String team : new String[] {"teams.users:invite", "teams.users:update", "teams.users:remove"}) {
      GRANTS.put(team, EnumSet.of(ProductPermission.VIEW, ProductPermission.MANAGE_TEAM));
    }
  }

  private ApiUserScopes() {
  }

  /** Every scope an API user may be given, in a stable order (the Console lists them). */
  public static Set<String> known() {
    return GRANTS.keySet();
  }

  public static boolean isKnown(String scope) {
    return GRANTS.containsKey(scope);
  }

  /** What a token's scope (space-separated, as stored with the token) grants; unknown scopes grant nothing. */
  public static Set<ProductPermission> permissions(String tokenScope) {
    EnumSet<ProductPermission> granted = EnumSet.noneOf(ProductPermission.class);
    if (tokenScope != null) {
      for (String scope : tokenScope.split(" ")) {
        Set<ProductPermission> grants = GRANTS.get(scope);
        if (grants != null) {
          granted.addAll(grants);
        }
      }
    }
    return granted;
  }

  /** The token scope for a list of scopes: space-separated (RFC 6749 section 3.3). */
  public static String tokenScope(Collection<String> scopes) {
    return String.join(" ", scopes);
  }
}
