package io.drover.hub.auth;

/**
 * Who is calling: an account with a token, or the node's bootstrap admin.
 *
 * @param userId null for the bootstrap admin token, which belongs to no account
 * @param tokenId the jti of the access token used, null for the bootstrap admin
 * @param kind a person, a product's API user or a product's customer (the users row's kind)
 * @param productId the product an API user or customer belongs to; null for persons
 * @param scope the token's scope, as issued ("*" for a person's full access)
 */
public record Principal(Long userId, String username, boolean admin, String tokenId, Kind kind, Integer productId, String scope) {

  public static final Principal BOOTSTRAP_ADMIN = new Principal(null, "admin", true, null, Kind.PERSON, null, "*");

  /** The users row's kind; see the V6 migration. */
  public enum Kind {
    PERSON, API_USER, CUSTOMER;

    public static Kind of(String column) {
      return switch (column) {
        case "api_user" -> API_USER;
        case "customer" -> CUSTOMER;
        default -> PERSON;
      };
    }
  }

  /** A person with a token of their own, as opposed to a product's API user or customer. */
  public Principal(Long userId, String username, boolean admin, String tokenId) {
    this(userId, username, admin, tokenId, Kind.PERSON, null, "*");
  }

  /**
   * Whether this caller's event streams carry events owned by {@code ownerId}: an account's carry its
   * own, administrators' included (as its device list does); the bootstrap admin token's carry all.
   */
  public boolean streams(Long ownerId) {
    return userId == null ? admin : userId.equals(ownerId);
  }

  /** Whether this caller may act on something owned by {@code ownerId}. */
  public boolean mayActFor(Long ownerId) {
    return admin || (userId != null && userId.equals(ownerId));
  }
}
