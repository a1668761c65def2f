package io.drover.hub.auth;

/**
 * Who is calling: an account with a token, or the node's bootstrap admin.
 *
 * @param userId null for the bootstrap admin token, which belongs to no account
 * @param tokenId the jti of the access token used, null for the bootstrap admin
 */
public record Principal(Long userId, String username, boolean admin, String tokenId) {

  public static final Principal BOOTSTRAP_ADMIN = new Principal(null, "admin", true, null);

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
