package io.drover.hub.devices;

import io.drover.gateway.commands.DeviceCommands;

import io.drover.gateway.contract.BusAddresses;
import io.drover.gateway.contract.DeviceCommand;
import io.drover.gateway.contract.DeviceIds;
import io.drover.hub.auth.Principal;
import io.drover.hub.customers.CustomerClaims;
import io.drover.hub.firmware.TargetingIndex;
import io.drover.hub.devices.claims.PersonClaims;
import io.drover.hub.http.AccessCheck;
import io.drover.hub.http.ApiException;
import io.drover.hub.http.ApiFeature;
import io.drover.hub.http.RequestBodies;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.time.OffsetDateTime;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A user's devices, as Particle's API serves them: list, claim, get, rename, notes, signal, unclaim,
 * ping, and calls to functions and reads of variables, which go to the device over its live session
 * and come back with its answer. Every device route takes the device's ID or its name.
 */
public final class DevicesApi implements ApiFeature {

  private static final Logger LOG = LoggerFactory.getLogger(DevicesApi.class);
  private static final int MAX_NOTES = 2000;

  private final Pool pool;
  private final EventBus bus;
  private final AccessCheck access;
  private final DeviceDirectory directory;
  private final DeviceCalls calls;
  private final CustomerClaims customerClaims;
  private final PersonClaims personClaims;
  private final TargetingIndex firmwareTargets;

  public DevicesApi(Pool pool, EventBus bus, AccessCheck access, DeviceDirectory directory, DeviceCommands commands, Duration callTimeout,
      PersonClaims personClaims, CustomerClaims customerClaims, TargetingIndex firmwareTargets) {
    this.firmwareTargets = firmwareTargets;
    this.personClaims = personClaims;
    this.calls = new DeviceCalls(commands, callTimeout);
    this.pool = pool;
    this.bus = bus;
    this.access = access;
    this.directory = directory;
    this.customerClaims = customerClaims;
  }

  @Override
  public Future<Void> mount(Router router) {
    router.get("/v1/devices").handler(access::requireUser).handler(this::list);
    router.post("/v1/devices").handler(access::requireUser).handler(RequestBodies.handler()).handler(this::claim);
    router.get("/v1/devices/:device").handler(access::requireUser).handler(this::get);
    router.put("/v1/devices/:device").handler(access::requireUser).handler(RequestBodies.handler()).handler(this::update);
    router.delete("/v1/devices/:device").handler(access::requireUser).handler(this::unclaim);
    router.put("/v1/devices/:device/ping").handler(access::requireUser).handler(this::ping);
    router.post("/v1/devices/:device/:function").handler(access::requireUser).handler(RequestBodies.handler()).handler(this::callFunction);
    router.get("/v1/devices/:device/:variable").handler(access::requireUser).handler(this::readVariable);
    return Future.succeededFuture();
  }

  private void list(RoutingContext ctx) {
    Principal principal = AccessCheck.principal(ctx);
    Future<RowSet<Row>> rows = principal.userId() == null
        ? pool.query("SELECT " + DeviceJson.COLUMNS + " FROM " + DeviceJson.FROM + " ORDER BY d.id").execute()
        : pool.preparedQuery("SELECT " + DeviceJson.COLUMNS + " FROM " + DeviceJson.FROM + " WHERE d.owner_id = $1 ORDER BY lower(d.name), d.id")
            .execute(Tuple.of(principal.userId()));
    rows.onSuccess(result -> {
      JsonArray devices = new JsonArray();
      for (Row row : result) {
        devices.add(DeviceJson.listView(row, firmwareTargets));
      }
      ctx.json(devices);
    }).onFailure(ctx::fail);
  }

  /**
   * {@code POST /v1/devices {id}}: claims a registered device that no one else owns, once it has
   * proved to be in the caller's hands: it is online and reported a claim code of the caller
   * ({@link PersonClaims}; an administrator needs no proof). A product's customer claims only that
   * product's devices, with an {@code activation_code} in private beta ({@link CustomerClaims}).
   */
  private void claim(RoutingContext ctx) {
    Principal principal = accountOf(ctx);
    JsonObject body = RequestBodies.fields(ctx);
    Object requested = body.getValue("id");
    String id = requested instanceof String s ? DeviceIds.normalize(s) : null;
    if (id == null) {
      throw new ApiException(400, "invalid_request", "id must be a device ID of 24 hexadecimal digits");
    }
    Future<Row> claimed = principal.kind() == Principal.Kind.CUSTOMER
        ? customerClaims.claim(principal, id, body.getValue("activation_code"), false)
        : personClaims.claim(id, principal.userId(), principal.admin(), false);
    claimed
        .onSuccess(row -> {
          directory.claimed(id, principal.userId(), row.getString(1));
          LOG.info("device claimed [device-id: {}, owner: {}]", id, principal.username());
          ctx.json(new JsonObject().put("ok", true).put("id", id).put("user_id", principal.userId().toString())
              .put("connected", row.getBoolean(0)));
        })
        .onFailure(ctx::fail);
  }

  private static boolean isUniqueViolation(Throwable cause) {
    return cause instanceof PgException pg && "23505".equals(pg.getSqlState());
  }

  private void get(RoutingContext ctx) {
    find(ctx).onSuccess(row -> ctx.json(DeviceJson.fullView(row, firmwareTargets))).onFailure(ctx::fail);
  }

  /** {@code PUT /v1/devices/:device}: name, notes and signal, each optional. */
  private void update(RoutingContext ctx) {
    JsonObject body = RequestBodies.fields(ctx);
    Object name = body.getValue("name");
    Object notes = body.getValue("notes");
    Object signal = body.getValue("signal");
    if (name != null && !(name instanceof String s && DeviceNames.VALID.matcher(s).matches())) {
      throw new ApiException(400, "invalid_request", DeviceNames.RULE);
    }
    if (notes != null && !(notes instanceof String n && n.length() <= MAX_NOTES)) {
      throw new ApiException(400, "invalid_request", "notes must be text of at most " + MAX_NOTES + " characters");
    }
    String signalValue = signal == null ? null : switch (String.valueOf(signal)) {
      case "1", "true" -> "1";
      case "0", "false" -> "0";
      default -> throw new ApiException(400, "invalid_request", "signal must be 1 or 0");
    };
    find(ctx).compose(row -> {
      String id = row.getString(0);
      Future<Void> stored = name == null && notes == null ? Future.succeededFuture() : pool.preparedQuery("""
              UPDATE devices SET name = coalesce($2, name), notes = CASE WHEN $4 THEN $3 ELSE notes END WHERE id = $1""")
          .execute(Tuple.of(id, name, notes, notes != null))
          .recover(cause -> Future.failedFuture(isUniqueViolation(cause)
              ? new ApiException(400, "name_taken", "You have another device with this name already")
              : cause))
          .<Void>map(updated -> {
            if (name != null) {
              directory.renamed(id, (String) name);
            }
            return null;
          });
      return stored
          .compose(ignored -> signalValue == null ? Future.succeededFuture() : calls.command(new DeviceCommand(id, DeviceCommand.Kind.SIGNAL, null, signalValue, calls.timeout().toMillis())))
          .compose(ignored -> pool.preparedQuery("SELECT " + DeviceJson.COLUMNS + " FROM " + DeviceJson.FROM + " WHERE d.id = $1").execute(Tuple.of(id)))
          .map(rows -> {
            JsonObject device = DeviceJson.fullView(rows.iterator().next(), firmwareTargets).put("updated_at", DeviceJson.time(OffsetDateTime.now()));
            if (signalValue != null) {
              device.put("signaling", "1".equals(signalValue));
            }
            return device;
          });
    }).onSuccess(ctx::json).onFailure(ctx::fail);
  }

  /** Unclaiming forgets the owner's name and notes too: the next owner starts clean. */
  private void unclaim(RoutingContext ctx) {
    find(ctx).compose(row -> pool.preparedQuery("UPDATE devices SET owner_id = NULL, name = NULL, notes = NULL WHERE id = $1")
            .execute(Tuple.of(row.getString(0))).map(row.getString(0)))
        .onSuccess(id -> {
          directory.released(id);
          LOG.info("device unclaimed [device-id: {}]", id);
          ctx.json(new JsonObject().put("ok", true));
        })
        .onFailure(ctx::fail);
  }

  private void ping(RoutingContext ctx) {
    find(ctx).onSuccess(row -> ctx.json(new JsonObject().put("online", row.getBoolean(6)).put("ok", true))).onFailure(ctx::fail);
  }

  /** {@code POST /v1/devices/:device/:function {arg}}; particle-api-js sends the argument as {@code args}. */
  private void callFunction(RoutingContext ctx) {
    String argument = DeviceCalls.argument(RequestBodies.fields(ctx));
    find(ctx).compose(row -> calls.call(target(row), ctx.pathParam("function"), argument)).onSuccess(ctx::json).onFailure(ctx::fail);
  }

  /** {@code GET /v1/devices/:device/:variable}, typed as the device declared it; {@code ?format=raw} for the bare value. */
  private void readVariable(RoutingContext ctx) {
    boolean raw = "raw".equals(ctx.request().getParam("format"));
    find(ctx).compose(row -> calls.read(target(row), ctx.pathParam("variable"), raw)).onSuccess(answer -> {
      if (answer instanceof JsonObject json) {
        ctx.json(json);
      } else {
        ctx.response().putHeader("Content-Type", "text/plain; charset=utf-8").end((String) answer);
      }
    }).onFailure(ctx::fail);
  }

  private static DeviceCalls.Target target(Row row) {
    return new DeviceCalls.Target(row.getString(0), row.getString(1), DeviceJson.functions(row), DeviceJson.variables(row),
        DeviceJson.time(row.getOffsetDateTime(4)), DeviceJson.time(row.getOffsetDateTime(5)), row.getInteger(9));
  }

  /** The device named in the path, by ID or by name, if the caller may act on it; otherwise 404. */
  private Future<Row> find(RoutingContext ctx) {
    Principal principal = AccessCheck.principal(ctx);
    String key = ctx.pathParam("device");
    String id = DeviceIds.normalize(key);
    Future<RowSet<Row>> rows;
    if (id != null) {
      rows = pool.preparedQuery("SELECT " + DeviceJson.COLUMNS + " FROM " + DeviceJson.FROM + " WHERE d.id = $1").execute(Tuple.of(id));
    } else if (principal.userId() != null) {
      rows = pool.preparedQuery("SELECT " + DeviceJson.COLUMNS + " FROM " + DeviceJson.FROM + " WHERE d.owner_id = $1 AND lower(d.name) = lower($2)")
          .execute(Tuple.of(principal.userId(), key));
    } else {
      return Future.failedFuture(new ApiException(404, "not_found", "The admin token names devices by ID"));
    }
    return rows.compose(result -> {
      Row row = result.size() == 1 ? result.iterator().next() : null;
      if (row == null || !principal.mayActFor(DeviceJson.ownerId(row))) {
        return Future.failedFuture(new ApiException(404, "not_found", "No such device of yours"));
      }
      return Future.succeededFuture(row);
    });
  }

  private static Principal accountOf(RoutingContext ctx) {
    Principal principal = AccessCheck.principal(ctx);
    if (principal.userId() == null) {
      throw new ApiException(400, "invalid_request", "Devices are claimed by accounts; the bootstrap admin token has none");
    }
    return principal;
  }
}
