package io.drover.hub.integrations;

import io.drover.hub.HubAddresses;
import io.drover.hub.auth.Principal;
import io.drover.hub.http.AccessCheck;
import io.drover.hub.http.ApiException;
import io.drover.hub.http.ApiFeature;
import io.drover.hub.http.RequestBodies;
import io.drover.hub.integrations.delivery.Templates;
import io.drover.hub.integrations.IntegrationInput.Spec;
import io.drover.hub.integrations.IntegrationRepository.Owner;
import io.drover.hub.integrations.IntegrationRepository.Stored;
import io.drover.hub.products.ProductAccess;
import io.drover.hub.products.ProductPermission;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Integrations (webhooks; integrations.md): Particle's legacy {@code /v1/webhooks} (Webhook only) and
 * {@code /v1/integrations} (every type), for an account's sandbox and, under
 * {@code /v1/products/:productIdOrSlug}, for a product. This class only stores what the delivery
 * engine sends: after each create, replace and delete it publishes
 * {@link HubAddresses#INTEGRATIONS_CHANGED}, and the Test button's route asks the engine over
 * {@link HubAddresses#INTEGRATIONS_TEST}.
 *
 * <p>Who: a sandbox integration belongs to the person's account that made it (customers, API users and
 * the bootstrap admin token, which is no account, have no sandbox: 403); another account's id is 404.
 * A product's are read with VIEW and changed or tested with MANAGE_SETTINGS, as the product's other
 * settings ({@link ProductAccess}: 404 to non-members, customers included).
 */
public final class IntegrationsApi implements ApiFeature {

  private static final Logger LOG = LoggerFactory.getLogger(IntegrationsApi.class);
  private static final String OWNER = "drover.integrations.owner";
  private static final String ID = "integrationId";
  private static final Pattern INTEGRATION_ID = Pattern.compile("^[0-9a-f]{24}$");
  private static final String PRODUCT = "/v1/products/:" + ProductAccess.PATH_PARAM;
  /** The Test button waits for a real request to the target; the engine's own timeout (20 s) is shorter. */
  static final Duration TEST_TIMEOUT = Duration.ofSeconds(30);
  static final int MAX_TEST_DATA = 1024 * 16;

  private final EventBus bus;
  private final AccessCheck access;
  private final ProductAccess products;
  private final IntegrationRepository repository;
  private final TargetCheck targets;
  private final IntegrationSettings settings;

  public IntegrationsApi(Vertx vertx, Pool pool, AccessCheck access, ProductAccess products,
      io.drover.hub.devices.SecretSealer sealer, TargetPolicy policy, IntegrationSettings settings) {
    this.bus = vertx.eventBus();
    this.access = access;
    this.products = products;
    this.repository = new IntegrationRepository(pool, sealer);
    this.targets = new TargetCheck(vertx, policy);
    this.settings = settings;
  }

  /**
   * Loads and initialises mustache.java's parser on the calling thread (the launcher's, at start-up),
   * so that the first template check does not spend an event loop's time on class loading.
   */
  public static void prepareAtStart() {
    if (Templates.problem("{{#warm}}{{up}}{{/warm}}") != null) {
      throw new IllegalStateException("mustache.java does not parse a plain section");
    }
  }

  @Override
  public Future<Void> mount(Router router) {
    for (boolean product : new boolean[] {false, true}) {
      String base = product ? PRODUCT : "/v1";
      ProductPermission read = product ? ProductPermission.VIEW : null;
      ProductPermission write = product ? ProductPermission.MANAGE_SETTINGS : null;
      // the legacy routes: Webhook integrations only
      guarded(router.post(base + "/webhooks"), write).handler(RequestBodies.handler()).handler(ctx -> create(ctx, true));
      guarded(router.get(base + "/webhooks"), read).handler(ctx -> list(ctx, IntegrationInput.WEBHOOK));
      guarded(router.get(base + "/webhooks/:" + ID), read).handler(this::getWebhook);
      guarded(router.delete(base + "/webhooks/:" + ID), write).handler(ctx -> delete(ctx, IntegrationInput.WEBHOOK));
      guarded(router.get(base + "/integrations"), read).handler(ctx -> list(ctx, null));
      guarded(router.post(base + "/integrations"), write).handler(RequestBodies.handler()).handler(ctx -> create(ctx, false));
      guarded(router.get(base + "/integrations/:" + ID), read).handler(this::getIntegration);
      guarded(router.put(base + "/integrations/:" + ID), write).handler(RequestBodies.handler()).handler(this::replace);
      guarded(router.delete(base + "/integrations/:" + ID), write).handler(ctx -> delete(ctx, null));
      guarded(router.post(base + "/integrations/:" + ID + "/test"), write).handler(RequestBodies.handler()).handler(this::test);
      guarded(router.post(base + "/integrations/:" + ID + "/pause"), write).handler(ctx -> pause(ctx, true));
      guarded(router.post(base + "/integrations/:" + ID + "/resume"), write).handler(ctx -> pause(ctx, false));
    }
    return Future.succeededFuture();
  }

  /**
   * The access checks, before any body is read: a product route needs {@code permission} in the
   * product; a sandbox route ({@code permission} null) a person's account.
   */
  private Route guarded(Route route, ProductPermission permission) {
    route.handler(access::requireUser);
    if (permission == null) {
      return route.handler(this::sandboxOwner);
    }
    return route.handler(products.require(permission)).handler(ctx -> {
      ctx.put(OWNER, Owner.product(ProductAccess.scope(ctx).productId()));
      ctx.next();
    });
  }

  /** A person's own account; everyone else has no sandbox of integrations. */
  private void sandboxOwner(RoutingContext ctx) {
    Principal caller = AccessCheck.principal(ctx);
    if (caller.userId() == null) {
      ctx.fail(new ApiException(403, "forbidden", "The bootstrap admin token belongs to no account, so it has no integrations; "
          + "sign in as a person, or use a product's routes"));
    } else if (caller.kind() != Principal.Kind.PERSON) {
      ctx.fail(new ApiException(403, "forbidden", caller.kind() == Principal.Kind.CUSTOMER
          ? "A product's customer has no integrations" : "An API user has no account of its own; use its product's integration routes"));
    } else {
      ctx.put(OWNER, Owner.account(caller.userId()));
      ctx.next();
    }
  }

  private static Owner owner(RoutingContext ctx) {
    return ctx.get(OWNER);
  }

  /** {@code POST .../webhooks} or {@code .../integrations}: 201 {@code {ok, id, url, event, name, created_at, hookUrl, ...}}. */
  private void create(RoutingContext ctx, boolean legacy) {
    Owner owner = owner(ctx);
    Spec spec = IntegrationInput.parse(RequestBodies.fields(ctx), legacy);
    Principal caller = AccessCheck.principal(ctx);
    checked(owner, spec)
        .compose(ok -> repository.create(owner, spec, caller.userId(), settings.maxPerOwner()))
        .onSuccess(stored -> {
          changed(stored.id());
          LOG.info("integration created [id: {}, type: {}, owner: {}, by: {}]", stored.id(), stored.type(), describe(owner), caller.username());
          String collection = ctx.request().absoluteURI();
          int query = collection.indexOf('?');
          JsonObject answer = new JsonObject().put("ok", true).mergeIn(IntegrationViews.summary(stored))
              .put("hookUrl", (query < 0 ? collection : collection.substring(0, query)) + "/" + stored.id());
          ctx.response().setStatusCode(201);
          ctx.json(answer);
        })
        .onFailure(ctx::fail);
  }

  /** A list as both clients take it: a JSON array. */
  private void list(RoutingContext ctx, String onlyType) {
    repository.list(owner(ctx), onlyType).onSuccess(list -> {
      JsonArray answer = new JsonArray();
      list.forEach(stored -> answer.add(IntegrationViews.summary(stored)));
      ctx.json(answer);
    }).onFailure(ctx::fail);
  }

  /** {@code GET .../webhooks/:id}: the webhook itself, as the legacy API answered it. */
  private void getWebhook(RoutingContext ctx) {
    String id = id(ctx);
    repository.find(owner(ctx), id, IntegrationInput.WEBHOOK)
        .onSuccess(stored -> ctx.json(IntegrationViews.full(stored)))
        .onFailure(ctx::fail);
  }

  /** {@code GET .../integrations/:id}: {@code {integration: {...}}}. */
  private void getIntegration(RoutingContext ctx) {
    String id = id(ctx);
    repository.find(owner(ctx), id, null)
        .onSuccess(stored -> ctx.json(new JsonObject().put("integration", IntegrationViews.full(stored))))
        .onFailure(ctx::fail);
  }

  /** {@code PUT .../integrations/:id}: replaces the whole integration (nothing is merged) and answers {@code {integration}}. */
  private void replace(RoutingContext ctx) {
    Owner owner = owner(ctx);
    String id = id(ctx);
    JsonObject body = RequestBodies.fields(ctx);
    // the owner's id first: a stranger's id is 404 whatever its body holds
    repository.find(owner, id, null)
        .compose(exists -> {
          Spec spec = IntegrationInput.parse(body, false);
          return checked(owner, spec)
              .compose(ok -> repository.replace(owner, id, null, spec, stored -> IntegrationViews.keepMasked(spec.secrets(), stored)));
        })
        .onSuccess(stored -> {
          changed(stored.id());
          LOG.info("integration replaced [id: {}, type: {}, owner: {}]", stored.id(), stored.type(), describe(owner));
          ctx.json(new JsonObject().put("integration", IntegrationViews.full(stored)));
        })
        .onFailure(ctx::fail);
  }

  /**
   * {@code POST .../integrations/:id/pause} and {@code /resume} (Drover's own): only {@code disabled}
   * changes, so a paused Azure or Pub/Sub integration keeps its key without sending it again. A
   * paused integration's matching events are counted as skipped, not queued.
   */
  private void pause(RoutingContext ctx, boolean paused) {
    Owner owner = owner(ctx);
    String id = id(ctx);
    repository.setDisabled(owner, id, paused).onSuccess(stored -> {
      changed(id);
      LOG.info("integration {} [id: {}, owner: {}]", paused ? "paused" : "resumed", id, describe(owner));
      ctx.json(new JsonObject().put("integration", IntegrationViews.full(stored)));
    }).onFailure(ctx::fail);
  }

  /** 204, no body: particle-cli 3.43.1 ends quietly on it, api-js takes any 2xx. */
  private void delete(RoutingContext ctx, String onlyType) {
    Owner owner = owner(ctx);
    String id = id(ctx);
    repository.delete(owner, id, onlyType).onSuccess(deleted -> {
      changed(id);
      LOG.info("integration deleted [id: {}, owner: {}]", id, describe(owner));
      ctx.response().setStatusCode(204).end();
    }).onFailure(ctx::fail);
  }

  /**
   * {@code POST .../integrations/:id/test {data, device_id}}: the Console's Test button. The delivery
   * engine sends the request and answers {@code {pass, data}}; this route owns only who may ask.
   */
  private void test(RoutingContext ctx) {
    Owner owner = owner(ctx);
    String id = id(ctx);
    JsonObject body = RequestBodies.fields(ctx);
    repository.find(owner, id, null)
        .compose(stored -> {
          Object data = body.getValue("data");
          String text = data == null ? "" : data instanceof String s ? s : io.vertx.core.json.Json.encode(data);
          if (text.length() > MAX_TEST_DATA) {
            throw IntegrationInput.invalid("data must be at most " + MAX_TEST_DATA + " characters");
          }
          Object device = body.getValue("device_id");
          String deviceId = device == null || "".equals(device) ? null : device instanceof String s ? s.toLowerCase(Locale.ROOT) : "";
          if (deviceId != null && !INTEGRATION_ID.matcher(deviceId).matches()) {
            throw IntegrationInput.invalid("device_id must be a device ID: 24 hexadecimal digits");
          }
          JsonObject request = new JsonObject().put("id", id).put("data", text).put("device_id", deviceId);
          return (deviceId == null ? Future.<Void>succeededFuture() : deviceInScope(owner, deviceId)).map(ok -> request);
        })
        .compose(request -> bus.<JsonObject>request(HubAddresses.INTEGRATIONS_TEST, request,
            new DeliveryOptions().setSendTimeout(TEST_TIMEOUT.toMillis())))
        .onSuccess(reply -> ctx.json(reply.body()))
        .onFailure(failure -> ctx.fail(testFailure(failure)));
  }

  private static Throwable testFailure(Throwable failure) {
    if (!(failure instanceof ReplyException reply)) {
      return failure;
    }
    return switch (reply.failureType()) {
      case NO_HANDLERS -> new ApiException(503, "unavailable", "No delivery engine is running to test integrations; try again later", 30);
      case TIMEOUT -> new ApiException(504, "timeout", "The test got no answer within " + TEST_TIMEOUT.toSeconds() + " s");
      default -> reply.failureCode() >= 400 && reply.failureCode() < 600
          ? new ApiException(reply.failureCode(), "test_failed", reply.getMessage())
          : new ApiException(502, "test_failed", "The delivery engine could not run the test: " + reply.getMessage());
    };
  }

  /** The target check (a Webhook's url, a Pub/Sub key's token_uri), then the device filter's check. */
  private Future<Void> checked(Owner owner, Spec spec) {
    Future<Void> target = spec.url() == null ? Future.succeededFuture()
        : targets.check(spec.url(), IntegrationInput.WEBHOOK.equals(spec.type()) ? "url" : "service_account_key.token_uri");
    return spec.deviceId() == null ? target : target.compose(ok -> deviceInScope(owner, spec.deviceId()));
  }

  private Future<Void> deviceInScope(Owner owner, String deviceId) {
    return repository.deviceInScope(owner, deviceId).compose(in -> in ? Future.succeededFuture() : Future.failedFuture(
        new ApiException(404, "not_found", owner.userId() != null
            ? "Device " + deviceId + " not found" : "Device " + deviceId + " is not in product " + owner.productId())));
  }

  /** The path's id; one that cannot be an integration's is 404 at once, as an unknown one. */
  private static String id(RoutingContext ctx) {
    String id = ctx.pathParam(ID).toLowerCase(Locale.ROOT);
    if (!INTEGRATION_ID.matcher(id).matches()) {
      throw IntegrationRepository.notFound(ctx.pathParam(ID).length() > 64 ? "" : ctx.pathParam(ID));
    }
    return id;
  }

  /** Every hub node reloads the row into its delivery index. */
  private void changed(String id) {
    bus.publish(HubAddresses.INTEGRATIONS_CHANGED, new JsonObject().put("id", id));
  }

  private static String describe(Owner owner) {
    return owner.userId() != null ? "account " + owner.userId() : "product " + owner.productId();
  }

}
