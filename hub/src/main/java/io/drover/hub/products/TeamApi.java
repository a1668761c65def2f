package io.drover.hub.products;

import io.drover.hub.auth.Principal;
import io.drover.hub.auth.Secrets;
import io.drover.hub.auth.TokenService;
import io.drover.hub.http.AccessCheck;
import io.drover.hub.http.ApiException;
import io.drover.hub.http.ApiFeature;
import io.drover.hub.http.RequestBodies;
import io.drover.hub.products.ProductAccess.ProductScope;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A product's team: {@code GET/POST /v1/products/:pid/team} (list; invite a person by username and
 * role, or create an API user with {@code friendly_name} and {@code scopes}),
 * {@code PUT/DELETE /v1/products/:pid/team/:username} (change a role or an API user's scopes; remove a
 * member, cancel an invitation, delete an API user, leave), and the invitee's side:
 * {@code GET /v1/user/invitations}, {@code POST /v1/user/invitations/:productIdOrSlug/accept|decline}.
 *
 * <p>Nobody grants more than they hold: inviting with a role, or making an API user with scopes, that
 * would allow what the caller may not do is refused (an API user with team scopes could otherwise mint
 * itself an administrator).
 */
public final class TeamApi implements ApiFeature {

  private static final Logger LOG = LoggerFactory.getLogger(TeamApi.class);
  private static final String TEAM = "/v1/products/:" + ProductAccess.PATH_PARAM + "/team";
  private static final Pattern EMAIL = Pattern.compile("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$");
  /** API users' usernames: never an address anyone receives mail at. */
  private static final String API_USER_DOMAIN = "@api-users.drover.invalid";
  /** The client_id an API user's tokens are recorded under. */
  private static final String API_USER_CLIENT = "drover-api-user";
  /** API users' tokens are meant to last: the longest lifetime TokenService grants. */
  private static final long API_USER_TOKEN_SECONDS = Long.MAX_VALUE;

  private final AccessCheck access;
  private final ProductAccess products;
  private final TeamRepository team;
  private final TokenService tokens;

  public TeamApi(AccessCheck access, ProductAccess products, TeamRepository team, TokenService tokens) {
    this.access = access;
    this.products = products;
    this.team = team;
    this.tokens = tokens;
  }

  @Override
  public Future<Void> mount(Router router) {
    router.get(TEAM).handler(access::requireUser).handler(products.require(ProductPermission.VIEW)).handler(this::list);
    router.post(TEAM).handler(access::requireUser)
        .handler(products.require(ProductPermission.MANAGE_TEAM)).handler(RequestBodies.handler()).handler(this::add);
    router.put(TEAM + "/:username").handler(access::requireUser)
        .handler(products.require(ProductPermission.MANAGE_TEAM)).handler(RequestBodies.handler()).handler(this::change);
    // any member may leave; removing someone else needs MANAGE_TEAM, checked in the handler
    router.delete(TEAM + "/:username").handler(access::requireUser).handler(products.require(ProductPermission.VIEW))
        .handler(this::remove);
    router.get("/v1/user/invitations").handler(access::requireUser).handler(this::myInvitations);
    router.post("/v1/user/invitations/:product/accept").handler(access::requireUser).handler(ctx -> answer(ctx, true));
    router.post("/v1/user/invitations/:product/decline").handler(access::requireUser).handler(ctx -> answer(ctx, false));
    return Future.succeededFuture();
  }

  private void list(RoutingContext ctx) {
    team.team(ProductAccess.scope(ctx).productId()).onSuccess(ctx::json).onFailure(ctx::fail);
  }

  private void add(RoutingContext ctx) {
    JsonObject body = RequestBodies.fields(ctx);
    body.remove("access_token");
    if (body.containsKey("friendly_name") || body.containsKey("scopes")) {
      createApiUser(ctx, body);
    } else {
      invite(ctx, body);
    }
  }

  private void invite(RoutingContext ctx, JsonObject body) {
    ProductScope scope = ProductAccess.scope(ctx);
    Principal caller = AccessCheck.principal(ctx);
    for (String field : body.fieldNames()) {
      if (!field.equals("username") && !field.equals("role")) {
        throw new ApiException(400, "invalid_request", "Unknown field " + field + "; an invitation takes username and role");
      }
    }
    String username = body.getValue("username") instanceof String s ? s.trim().toLowerCase(Locale.ROOT) : null;
    if (username == null || username.length() > 254 || !EMAIL.matcher(username).matches()) {
      throw new ApiException(400, "invalid_request", "username must be the email address of the account to invite");
    }
    ProductRole role = role(body.getValue("role"), ProductRole.VIEW_ONLY);
    requireMayGrant(scope, role.permissions());
    team.invite(scope.productId(), username, role, caller.userId())
        .onSuccess(invitation -> {
          LOG.info("team invitation [product: {}, username: {}, role: {}, by: {}]", scope.productId(), username, role.wireName(), caller.username());
          ctx.response().setStatusCode(201);
          ctx.json(new JsonObject().put("ok", true).put("invitation", invitation));
        })
        .onFailure(ctx::fail);
  }

  private void createApiUser(RoutingContext ctx, JsonObject body) {
    ProductScope scope = ProductAccess.scope(ctx);
    Principal caller = AccessCheck.principal(ctx);
    for (String field : body.fieldNames()) {
      if (!field.equals("friendly_name") && !field.equals("scopes")) {
        throw new ApiException(400, "invalid_request", "Unknown field " + field + "; an API user takes friendly_name and scopes");
      }
    }
    String friendlyName = friendlyName(body.getValue("friendly_name"));
    if (friendlyName == null) {
      throw new ApiException(400, "invalid_request", "friendly_name is required (1 to 100 characters)");
    }
    List<String> scopes = scopes(body.getValue("scopes"));
    if (scopes == null) {
      throw new ApiException(400, "invalid_request", "scopes is required: a list of at least one scope");
    }
    requireMayGrant(scope, ApiUserScopes.permissions(ApiUserScopes.tokenScope(scopes)));
    String slug = friendlyName.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("(^-+|-+$)", "");
    String username = (slug.isEmpty() ? "api-user" : slug.substring(0, Math.min(40, slug.length()))) + "+" + Secrets.randomHex(4) + API_USER_DOMAIN;
    team.createApiUser(scope.productId(), username, friendlyName, scopes, caller.userId())
        .compose(userId -> tokens.issue(userId, username, API_USER_CLIENT, ApiUserScopes.tokenScope(scopes), API_USER_TOKEN_SECONDS))
        .onSuccess(grant -> {
          LOG.info("API user created [product: {}, username: {}, scopes: {}, by: {}]", scope.productId(), username, scopes, caller.username());
          ctx.response().setStatusCode(201);
          ctx.json(new JsonObject().put("ok", true).put("created", new JsonObject()
              .put("username", username).put("friendly_name", friendlyName).put("scopes", new JsonArray(scopes))
              .put("is_programmatic", true)
              .put("tokens", new JsonArray().add(new JsonObject().put("token", grant.accessToken())
                  .put("expires_in", grant.expiresIn())))));
        })
        .onFailure(ctx::fail);
  }

  private void change(RoutingContext ctx) {
    ProductScope scope = ProductAccess.scope(ctx);
    String username = ctx.pathParam("username").trim().toLowerCase(Locale.ROOT);
    JsonObject body = RequestBodies.fields(ctx);
    body.remove("access_token");
    team.standing(scope.productId(), username).compose(standing -> {
      if (standing == null) {
        return Future.failedFuture(notInTeam(username));
      }
      if (standing.equals("owner")) {
        return Future.failedFuture(new ApiException(400, "owner", "The product's owner is always an administrator; their role cannot change"));
      }
      if (standing.equals("api_user")) {
        for (String field : body.fieldNames()) {
          if (!field.equals("friendly_name") && !field.equals("scopes")) {
            throw new ApiException(400, "invalid_request", "Unknown field " + field + "; an API user has friendly_name and scopes");
          }
        }
        String friendlyName = body.containsKey("friendly_name") ? friendlyName(body.getValue("friendly_name")) : null;
        if (body.containsKey("friendly_name") && friendlyName == null) {
          throw new ApiException(400, "invalid_request", "friendly_name must be 1 to 100 characters");
        }
        List<String> scopes = body.containsKey("scopes") ? scopes(body.getValue("scopes")) : null;
        if (body.containsKey("scopes") && scopes == null) {
          throw new ApiException(400, "invalid_request", "scopes must be a list of at least one scope");
        }
        if (scopes == null && friendlyName == null) {
          throw new ApiException(400, "invalid_request", "Nothing to change: give friendly_name or scopes");
        }
        if (scopes != null) {
          requireMayGrant(scope, ApiUserScopes.permissions(ApiUserScopes.tokenScope(scopes)));
        }
        return team.updateApiUser(scope.productId(), username, friendlyName, scopes);
      }
      for (String field : body.fieldNames()) {
        if (!field.equals("role")) {
          throw new ApiException(400, "invalid_request", "Unknown field " + field + "; a member's role can be changed");
        }
      }
      if (!body.containsKey("role")) {
        throw new ApiException(400, "invalid_request", "role is required: administrator, developer, support or view_only");
      }
      ProductRole role = role(body.getValue("role"), null);
      requireMayGrant(scope, role.permissions());
      return team.changeRole(scope.productId(), username, role);
    }).onSuccess(changed -> {
      if (!changed) {
        ctx.fail(notInTeam(username));
      } else {
        LOG.info("team member changed [product: {}, username: {}]", scope.productId(), username);
        team.team(scope.productId()).onSuccess(ctx::json).onFailure(ctx::fail);
      }
    }).onFailure(ctx::fail);
  }

  private void remove(RoutingContext ctx) {
    ProductScope scope = ProductAccess.scope(ctx);
    Principal caller = AccessCheck.principal(ctx);
    String username = ctx.pathParam("username").trim().toLowerCase(Locale.ROOT);
    boolean leaving = caller.kind() == Principal.Kind.PERSON && username.equals(caller.username());
    if (!leaving && !scope.may(ProductPermission.MANAGE_TEAM)) {
      throw new ApiException(403, "forbidden", caller.kind() == Principal.Kind.API_USER
          ? "This API user's scopes do not allow removing team members"
          : "The " + scope.role().wireName() + " role may not remove team members; a member may only leave");
    }
    team.standing(scope.productId(), username).compose(standing -> {
      if (standing == null) {
        return Future.failedFuture(notInTeam(username));
      }
      if (standing.equals("owner")) {
        return Future.failedFuture(new ApiException(400, "owner", "The product's owner cannot be removed"));
      }
      return standing.equals("api_user") ? team.deleteApiUser(scope.productId(), username) : team.removePerson(scope.productId(), username);
    }).onSuccess(removed -> {
      if (!removed) {
        ctx.fail(notInTeam(username));
      } else {
        LOG.info("team member removed [product: {}, username: {}, by: {}]", scope.productId(), username, caller.username());
        ctx.response().setStatusCode(204).end();
      }
    }).onFailure(ctx::fail);
  }

  private void myInvitations(RoutingContext ctx) {
    Principal caller = AccessCheck.principal(ctx);
    if (caller.userId() == null || caller.kind() != Principal.Kind.PERSON) {
      ctx.json(new JsonObject().put("ok", true).put("invitations", new JsonArray()));
      return;
    }
    team.invitationsOf(caller.userId())
        .onSuccess(invitations -> ctx.json(new JsonObject().put("ok", true).put("invitations", invitations)))
        .onFailure(ctx::fail);
  }

  private void answer(RoutingContext ctx, boolean accept) {
    Principal caller = AccessCheck.principal(ctx);
    if (caller.userId() == null || caller.kind() != Principal.Kind.PERSON) {
      throw new ApiException(403, "forbidden", "Only a person's account has invitations");
    }
    String product = ctx.pathParam("product");
    team.answerInvitation(caller.userId(), product, accept).onSuccess(answered -> {
      if (answered == null) {
        ctx.fail(new ApiException(404, "not_found", "No pending invitation to product " + product));
        return;
      }
      LOG.info("team invitation {} [product: {}, username: {}]", accept ? "accepted" : "declined",
          answered.getJsonObject("product").getInteger("id"), caller.username());
      ctx.json(answered.put("ok", true).put("accepted", accept));
    }).onFailure(ctx::fail);
  }

  private static ProductRole role(Object given, ProductRole fallback) {
    if (given == null && fallback != null) {
      return fallback;
    }
    ProductRole role = given instanceof String name ? ProductRole.parse(name) : null;
    if (role == null) {
      throw new ApiException(400, "invalid_request", "role must be administrator, developer, support or view_only");
    }
    return role;
  }

  private static void requireMayGrant(ProductScope scope, Set<ProductPermission> granting) {
    if (!scope.granted().containsAll(granting)) {
      throw new ApiException(403, "forbidden", "You cannot grant more than you may do yourself in this product");
    }
  }

  private static String friendlyName(Object given) {
    if (!(given instanceof String name) || name.isBlank() || name.trim().length() > 100) {
      return null;
    }
    return name.trim();
  }

  /** @return the scopes, deduplicated; null when none are given; 400 for an unknown scope */
  private static List<String> scopes(Object given) {
    List<Object> raw = new ArrayList<>();
    if (given instanceof JsonArray array) {
      raw.addAll(array.getList());
    } else if (given instanceof String text) {
      // a form sends them space- or comma-separated
      for (String part : text.split("[\\s,]+")) {
        if (!part.isEmpty()) {
          raw.add(part);
        }
      }
    } else if (given != null) {
      throw new ApiException(400, "invalid_request", "scopes must be a list of scope names");
    }
    Set<String> scopes = new LinkedHashSet<>();
    for (Object scope : raw) {
      if (!(scope instanceof String name) || !ApiUserScopes.isKnown(name)) {
        throw new ApiException(400, "invalid_request", "Unknown scope " + scope + " in scopes; known scopes: "
            + String.join(", ", ApiUserScopes.known()));
      }
      scopes.add(name);
    }
    return scopes.isEmpty() ? null : List.copyOf(scopes);
  }

  private static ApiException notInTeam(String username) {
    return new ApiException(404, "not_found", username + " is not in this product's team");
  }
}
