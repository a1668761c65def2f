package io.drover.hub.sims;

import io.drover.gateway.commands.DeviceCommands;
import io.drover.hub.auth.Principal;
import io.drover.hub.http.AccessCheck;
import io.drover.hub.http.ApiException;
import io.drover.hub.http.ApiFeature;
import io.drover.hub.http.RequestBodies;
import io.drover.hub.products.ProductAccess;
import io.drover.hub.products.ProductPermission;
import io.drover.hub.sims.SimRepository.Holder;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.FileUpload;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SIM cards (docs/api.md "SIMs"): an account's under {@code /v1/sims}, a product's under
 * {@code /v1/products/:product/sims}. Import (JSON or a text file of ICCIDs, optionally each with its
 * device), the list, one SIM, {@code HEAD} (api-js {@code checkSIM}), the actions (activate,
 * deactivate, reactivate, the data limit), release, and data usage per day, per SIM and for the fleet.
 * Who may: an account its own SIMs (a person; customers and API users have none); in a product, VIEW
 * reads and MANAGE_DEVICES imports, changes and releases. A SIM of another account or product is
 * answered 404 (403 for {@code HEAD}, as Particle does), and an import naming one changes nothing.
 * Activate, deactivate, reactivate and release go through the configured {@link Carrier} first: when it
 * fails, 502 {@code carrier_error} and nothing recorded.
 */
public final class SimsApi implements ApiFeature {

  private static final Logger LOG = LoggerFactory.getLogger(SimsApi.class);
  private static final String USER = "/v1/sims";
  private static final String PRODUCT = "/v1/products/:" + ProductAccess.PATH_PARAM + "/sims";
  private static final long MAX_IMPORT_BODY = SimImport.MAX_FILE_BYTES + 64 * 1024;
  private static final int DEFAULT_PER_PAGE = 25;
  private static final int MAX_PER_PAGE = 100;
  private static final long END_SESSION_TIMEOUT_MILLIS = 3000;

  private final SimRepository repository;
  private final EventBus bus;
  private final AccessCheck access;
  private final ProductAccess products;
  private final DeviceCommands commands;
  private final Carrier carrier;
  private final Path uploads;

  public SimsApi(Vertx vertx, Pool pool, AccessCheck access, ProductAccess products, DeviceCommands commands, Carrier carrier, Path uploads) {
    this.repository = new SimRepository(pool);
    this.bus = vertx.eventBus();
    this.access = access;
    this.products = products;
    this.commands = commands;
    this.carrier = carrier;
    this.uploads = uploads;
  }

  /** The carrier's step of an action, its failure as the API's 502 {@code carrier_error}: the caller retries later. */
  private Future<Void> atCarrier(String verb, String iccid, java.util.function.Supplier<Future<Void>> step) {
    Future<Void> called;
    try {
      called = step.get();
    } catch (RuntimeException e) {
      called = Future.failedFuture(e);
    }
    return called.recover(cause -> {
      LOG.warn("SIM carrier refused [carrier: {}, action: {}, iccid: {}, cause: {}]", carrier.name(), verb, iccid, cause.getMessage());
      return Future.failedFuture(new ApiException(502, "carrier_error", "The SIM carrier " + carrier.name() + " could not " + verb + " SIM " + iccid
          + ": " + cause.getMessage() + ". Nothing was changed; try again later", new JsonObject().put("carrier", carrier.name())));
    });
  }

  @Override
  public Future<Void> mount(Router router) {
    router.get(USER).handler(access::requireUser).handler(this::list);
    RequestBodies.withUploads(router.post(USER).handler(access::requireUser).handler(SimsApi::requirePerson), uploads, MAX_IMPORT_BODY)
        .handler(this::importSims);
    router.head(USER + "/:iccid").handler(access::requireUser).handler(this::check);
    router.get(USER + "/:iccid/data_usage").handler(access::requireUser).handler(this::usage);
    router.get(USER + "/:iccid").handler(access::requireUser).handler(this::get);
    router.put(USER + "/:iccid").handler(access::requireUser).handler(SimsApi::requirePerson).handler(RequestBodies.handler())
        .handler(this::change);
    router.delete(USER + "/:iccid").handler(access::requireUser).handler(SimsApi::requirePerson).handler(this::release);

    router.get(PRODUCT).handler(access::requireUser).handler(products.require(ProductPermission.VIEW)).handler(this::list);
    RequestBodies.withUploads(router.post(PRODUCT).handler(access::requireUser).handler(products.require(ProductPermission.MANAGE_DEVICES)),
        uploads, MAX_IMPORT_BODY).handler(this::importSims);
    // before .../sims/:iccid, which data_usage would otherwise match as an ICCID
    router.get(PRODUCT + "/data_usage").handler(access::requireUser).handler(products.require(ProductPermission.VIEW)).handler(this::fleetUsage);
    router.get(PRODUCT + "/:iccid/data_usage").handler(access::requireUser).handler(products.require(ProductPermission.VIEW)).handler(this::usage);
    router.get(PRODUCT + "/:iccid").handler(access::requireUser).handler(products.require(ProductPermission.VIEW)).handler(this::get);
    router.put(PRODUCT + "/:iccid").handler(access::requireUser).handler(products.require(ProductPermission.MANAGE_DEVICES))
        .handler(RequestBodies.handler()).handler(this::change);
    router.delete(PRODUCT + "/:iccid").handler(access::requireUser).handler(products.require(ProductPermission.MANAGE_DEVICES))
        .handler(this::release);
    return Future.succeededFuture();
  }

  /** Account SIMs are a person's: a customer or a product's API user holds none. */
  private static void requirePerson(RoutingContext ctx) {
    Principal caller = AccessCheck.principal(ctx);
    if (caller.kind() != Principal.Kind.PERSON || caller.userId() == null) {
      ctx.fail(new ApiException(403, "forbidden", "Only a person's account holds SIMs; use the product's SIM routes"));
      return;
    }
    ctx.next();
  }

  /** The account or product the route is about; fails 403 for a caller that holds no account SIMs. */
  private static Holder holder(RoutingContext ctx) {
    if (ctx.pathParam(ProductAccess.PATH_PARAM) != null) {
      return Holder.product(ProductAccess.scope(ctx).productId());
    }
    Principal caller = AccessCheck.principal(ctx);
    if (caller.kind() != Principal.Kind.PERSON || caller.userId() == null) {
      throw new ApiException(403, "forbidden", "Only a person's account holds SIMs; use the product's SIM routes");
    }
    return Holder.account(caller.userId());
  }

  /** The path's ICCID, its digits; 400 {@code invalid_iccid} saying why when it is none. */
  private static String iccid(RoutingContext ctx) {
    String given = ctx.pathParam("iccid");
    String problem = Iccid.problem(given);
    if (problem != null) {
      throw new ApiException(400, "invalid_iccid", "Not an ICCID: " + Iccid.describe(problem), new JsonObject().put("reason", problem));
    }
    return Iccid.normalize(given);
  }

  private static ApiException notFound(String iccid) {
    return new ApiException(404, "not_found", "No SIM " + iccid + " here");
  }

  /** {@code GET .../sims}: a bare array (api-js {@code SimInfo[]}); {@code X-Next-Page} when more follow. */
  private void list(RoutingContext ctx) {
    Holder holder = holder(ctx);
    int page = positive(ctx.queryParams().get("page"), 1, Integer.MAX_VALUE / MAX_PER_PAGE, "page");
    String perPageGiven = ctx.queryParams().get("per_page") != null ? ctx.queryParams().get("per_page") : ctx.queryParams().get("perPage");
    int perPage = positive(perPageGiven, DEFAULT_PER_PAGE, MAX_PER_PAGE, "per_page");
    repository.list(holder, ctx.queryParams().get("iccid"), ctx.queryParams().get("deviceId"), ctx.queryParams().get("deviceName"), page, perPage)
        .onSuccess(rows -> {
          JsonArray sims = new JsonArray();
          for (Row row : rows) {
            if (sims.size() == perPage) {
              ctx.response().putHeader("X-Next-Page", String.valueOf(page + 1));
              break;
            }
            sims.add(SimJson.sim(row));
          }
          ctx.json(sims);
        })
        .onFailure(ctx::fail);
  }

  private static int positive(String given, int otherwise, int max, String name) {
    if (given == null || given.isBlank()) {
      return otherwise;
    }
    try {
      int value = Integer.parseInt(given.strip());
      if (value >= 1 && value <= max) {
        return value;
      }
    } catch (NumberFormatException ignored) {
      // answered below
    }
    throw new ApiException(400, "invalid_request", name + " must be a whole number from 1 to " + max);
  }

  private void get(RoutingContext ctx) {
    Holder holder = holder(ctx);
    String iccid = iccid(ctx);
    repository.find(holder, iccid)
        .compose(row -> row == null ? Future.failedFuture(notFound(iccid)) : Future.succeededFuture(SimJson.sim(row)))
        .onSuccess(ctx::json)
        .onFailure(ctx::fail);
  }

  /**
   * {@code HEAD /v1/sims/:iccid} (api-js {@code checkSIM}, the Android SDK's reading): 204 the caller's
   * and active, 200 the caller's and not active (ready to activate), 404 no one's, 403 someone else's.
   * No body: a HEAD answer has none. Not 205 for "already active" as Particle's Android SDK reads it:
   * api-js 12 resolves a HEAD only on 204 (it parses any other 2xx answer's empty body as JSON).
   */
  private void check(RoutingContext ctx) {
    String problem = Iccid.problem(ctx.pathParam("iccid"));
    if (problem != null) {
      ctx.response().setStatusCode(400).end();
      return;
    }
    Principal caller = AccessCheck.principal(ctx);
    repository.holderOf(Iccid.normalize(ctx.pathParam("iccid"))).onSuccess(row -> {
      int status;
      if (row == null) {
        status = 404;
      } else if (row.getLong("owner_id") != null && row.getLong("owner_id").equals(caller.userId())) {
        status = "active".equals(row.getString("status")) ? 204 : 200;
      } else {
        status = 403;
      }
      ctx.response().setStatusCode(status).end();
    }).onFailure(ctx::fail);
  }

  /** {@code POST .../sims}: {@code {sims: [...], country}}, or a multipart {@code file} of ICCIDs (and devices) and a {@code country} field. */
  private void importSims(RoutingContext ctx) {
    Holder holder = holder(ctx);
    readImport(ctx)
        .compose(sims -> repository.importSims(holder, sims, country(ctx)))
        .onSuccess(outcome -> {
          for (Map.Entry<String, Boolean> block : outcome.blocks().entrySet()) {
            SimBlocks.publish(bus, block.getKey(), block.getValue());
          }
          LOG.info("SIMs imported [{}: {}, added: {}, existing: {}, by: {}]", holder.column(), holder.id(), outcome.added().size(),
              outcome.existing().size(), AccessCheck.principal(ctx).username());
          ctx.json(new JsonObject().put("ok", true).put("added", new JsonArray(outcome.added())).put("existing", new JsonArray(outcome.existing())));
        })
        .onFailure(ctx::fail);
  }

  /** The home country, ISO 3166-1 alpha-2, upper case; null when not given. */
  private static String country(RoutingContext ctx) {
    Object given = ctx.fileUploads().isEmpty() ? RequestBodies.fields(ctx).getValue("country") : ctx.request().getFormAttribute("country");
    if (given == null || (given instanceof String s && s.isBlank())) {
      return null;
    }
    if (!(given instanceof String s) || !s.strip().matches("[A-Za-z]{2}")) {
      throw new ApiException(400, "invalid_request", "country must be an ISO 3166-1 two-letter code such as US");
    }
    return s.strip().toUpperCase(Locale.ROOT);
  }

  private Future<SimImport> readImport(RoutingContext ctx) {
    List<FileUpload> files = ctx.fileUploads();
    if (!files.isEmpty()) {
      FileUpload file = files.get(0);
      if (files.size() > 1 || !file.name().equals("file")) {
        return Future.failedFuture(new ApiException(400, "invalid_request", "Upload one file, in the form field named file"));
      }
      if (file.size() > SimImport.MAX_FILE_BYTES) {
        return Future.failedFuture(new ApiException(400, "invalid_request", "file must be at most " + SimImport.MAX_FILE_BYTES / 1024 + " KB"));
      }
      return ctx.vertx().fileSystem().readFile(file.uploadedFileName()).map(buffer -> {
        try {
          String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
              .decode(java.nio.ByteBuffer.wrap(buffer.getBytes())).toString();
          return SimImport.fromText(text.startsWith("\uFEFF") ? text.substring(1) : text);
        } catch (CharacterCodingException e) {
          throw new ApiException(400, "invalid_request", "file must be UTF-8 text, one ICCID per line");
        }
      });
    }
    Object sims = RequestBodies.fields(ctx).getValue("sims");
    if (sims instanceof JsonArray array) {
      return Future.succeededFuture(SimImport.fromJson(array));
    }
    if (sims instanceof String text) {
      // a form field: one ICCID a line, as a file
      return Future.succeededFuture(SimImport.fromText(text));
    }
    return Future.failedFuture(new ApiException(400, "invalid_request", "Give sims, an array of ICCIDs, or a file of ICCIDs"));
  }

  /**
   * {@code PUT .../sims/:iccid}: {@code action} activate, deactivate or reactivate, and/or {@code mb_limit}
   * (megabytes a month; 0 or null removes the limit). On an account, activating a SIM no one holds
   * imports it (Particle's activation by the user). Reactivating a SIM paused at its limit needs a limit
   * above what it used this month.
   */
  private void change(RoutingContext ctx) {
    Holder holder = holder(ctx);
    String iccid = iccid(ctx);
    JsonObject body = RequestBodies.fields(ctx);
    String action = body.getValue("action") == null ? null : String.valueOf(body.getValue("action")).strip().toLowerCase(Locale.ROOT);
    // the SIM first: a caller learns nothing of the body's rules for a SIM that is not theirs
    repository.find(holder, iccid).compose(row -> {
      if (row == null && !("activate".equals(action) && !holder.product())) {
        return Future.failedFuture(notFound(iccid));
      }
      Integer limitChange = limitChange(body, action);
      if (row == null) {
        return activateUnknown(ctx, holder, iccid, limitChange);
      }
      String before = row.getString("status");
      String status = action == null ? before : action.equals("deactivate") ? "deactivated" : "active";
      if (status.equals("active") && "inactive".equals(before)) {
        return usedThisMonth(iccid).compose(usedMb -> {
          Integer limit = limitChange == null ? row.getInteger("mb_limit") : limitChange == 0 ? null : limitChange;
          if (limit != null && usedMb >= limit) {
            return Future.failedFuture(new ApiException(400, "mb_limit_too_low", "The SIM used " + usedMb + " MB this month; reactivating it needs an "
                + "mb_limit above that (or none)", new JsonObject().put("mbs_used", usedMb)));
          }
          return apply(ctx, holder, iccid, before, status, action, action, limitChange, row.getString("device_id"));
        });
      }
      return apply(ctx, holder, iccid, before, status, action, action == null ? row.getString("last_status_change_action") : action, limitChange,
          row.getString("device_id"));
    }).onSuccess(ctx::json).onFailure(ctx::fail);
  }

  /**
   * Checks the body of a change: an action among the three, or a limit.
   *
   * @return the limit to set (0: none), or null to leave it
   */
  private static Integer limitChange(JsonObject body, String action) {
    Integer mbLimit = mbLimit(body);
    if (action == null && !body.containsKey("mb_limit")) {
      throw new ApiException(400, "invalid_request", "Give action (activate, deactivate, reactivate) or mb_limit");
    }
    if (action != null && !List.of("activate", "deactivate", "reactivate").contains(action)) {
      throw new ApiException(400, "invalid_request", "action must be activate, deactivate or reactivate");
    }
    return body.containsKey("mb_limit") ? (mbLimit == null ? 0 : mbLimit) : null;
  }

  private Future<JsonObject> activateUnknown(RoutingContext ctx, Holder holder, String iccid, Integer limitChange) {
    String country = country(ctx);
    return atCarrier("activate", iccid, () -> carrier.activate(iccid, country))
        .compose(activated -> repository.importSims(holder, new SimImport(List.of(new SimImport.Entry(iccid, null))), country))
        .compose(imported -> limitChange == null || limitChange == 0
            ? repository.find(holder, iccid)
            : repository.changeStatus(holder, iccid, "active", "activate", limitChange))
        .map(row -> {
          LOG.info("SIM activated [iccid: {}, {}: {}, by: {}]", iccid, holder.column(), holder.id(), AccessCheck.principal(ctx).username());
          return SimJson.sim(row);
        });
  }

  /** @param requested the action the body asked for (null: only a limit); {@code action} is what the SIM records */
  private Future<JsonObject> apply(RoutingContext ctx, Holder holder, String iccid, String before, String status, String requested, String action,
      Integer limitChange, String deviceId) {
    Future<Void> told;
    if (requested == null || (status.equals(before) && !"activate".equals(requested))) {
      // a limit alone, or a deactivation of what is deactivated: nothing for the carrier (activate is
      // always passed on, so that a SIM imported before its carrier knew it can be activated there)
      told = Future.succeededFuture();
    } else if (!status.equals("active")) {
      told = atCarrier("deactivate", iccid, () -> carrier.deactivate(iccid));
    } else if ("reactivate".equals(action)) {
      Integer limit = limitChange == null || limitChange == 0 ? null : limitChange;
      told = atCarrier("reactivate", iccid, () -> carrier.reactivate(iccid, limit));
    } else {
      told = atCarrier("activate", iccid, () -> carrier.activate(iccid, null));
    }
    return told.compose(done -> repository.changeStatus(holder, iccid, status, action, limitChange)).compose(row -> {
      if (row == null) {
        return Future.failedFuture(notFound(iccid));
      }
      JsonObject answer = SimJson.sim(row);
      if (deviceId == null || status.equals(before)) {
        return Future.succeededFuture(answer);
      }
      boolean blocked = !status.equals("active");
      SimBlocks.publish(bus, deviceId, blocked);
      LOG.info("SIM status changed [iccid: {}, from: {}, to: {}, device-id: {}, by: {}]", iccid, before, status, deviceId,
          AccessCheck.principal(ctx).username());
      if (!blocked) {
        return Future.succeededFuture(answer);
      }
      return SimSessions.end(commands, deviceId, "sim_deactivated", END_SESSION_TIMEOUT_MILLIS).map(ended -> answer.put("session_ended", ended));
    });
  }

  /** {@code mb_limit}: a whole number of megabytes from 1, or 0 / null for none; 400 otherwise. */
  private static Integer mbLimit(JsonObject body) {
    Object given = body.getValue("mb_limit");
    if (given == null || (given instanceof String s && s.isBlank())) {
      return null;
    }
    try {
      long value = given instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) ? n.longValue()
          : given instanceof String s ? Long.parseLong(s.strip()) : -1;
      if (value >= 0 && value <= 10_000_000) {
        return value == 0 ? null : (int) value;
      }
    } catch (NumberFormatException ignored) {
      // answered below
    }
    throw new ApiException(400, "invalid_request", "mb_limit must be a whole number of megabytes from 1 to 10000000, or 0 for none");
  }

  private Future<Long> usedThisMonth(String iccid) {
    LocalDate today = SimJson.today();
    return repository.usage(iccid, SimJson.periodStart(today)).map(rows -> {
      long bytes = 0;
      for (Row row : rows) {
        bytes += ((Number) row.getValue(1)).longValue();
      }
      return bytes / 1_000_000;
    });
  }

  /** {@code DELETE .../sims/:iccid}: released, with its usage; its device may connect without it. 204. */
  private void release(RoutingContext ctx) {
    Holder holder = holder(ctx);
    String iccid = iccid(ctx);
    // the holder's SIM first: no carrier is asked about a SIM that is not the caller's
    repository.find(holder, iccid)
        .compose(row -> row == null ? Future.failedFuture(notFound(iccid)) : atCarrier("release", iccid, () -> carrier.release(iccid)))
        .compose(released -> repository.release(holder, iccid)).onSuccess(deviceId -> {
      if (deviceId != null) {
        SimBlocks.publish(bus, deviceId, false);
      }
      LOG.info("SIM released [iccid: {}, {}: {}, by: {}]", iccid, holder.column(), holder.id(), AccessCheck.principal(ctx).username());
      ctx.response().setStatusCode(204).end();
    }).onFailure(ctx::fail);
  }

  /** {@code GET .../sims/:iccid/data_usage}: {@code {iccid, usage_by_day, quota, used}} for this month (UTC). */
  private void usage(RoutingContext ctx) {
    Holder holder = holder(ctx);
    String iccid = iccid(ctx);
    LocalDate today = SimJson.today();
    repository.find(holder, iccid).compose(row -> {
      if (row == null) {
        return Future.failedFuture(notFound(iccid));
      }
      return repository.usage(iccid, SimJson.periodStart(today)).map(rows -> {
        JsonObject answer = new JsonObject().put("iccid", iccid);
        answer.put("usage_by_day", SimJson.usageByDay(rows, today, answer));
        answer.put("quota", row.getInteger("mb_limit"));
        return answer;
      });
    }).onSuccess(ctx::json).onFailure(ctx::fail);
  }

  /** {@code GET /v1/products/:p/sims/data_usage}: the fleet's use this month; paused SIMs count as active. */
  private void fleetUsage(RoutingContext ctx) {
    int productId = ProductAccess.scope(ctx).productId();
    LocalDate today = SimJson.today();
    repository.fleetUsage(productId, SimJson.periodStart(today)).map(fleet -> {
      JsonObject answer = new JsonObject();
      JsonArray days = SimJson.usageByDay(fleet.days(), today, answer);
      return answer.put("total_mbs_used", answer.getValue("used")).put("total_active_sim_cards", fleet.activeSims())
          .put("usage_by_day", days).put("quota", null);
    }).onSuccess(ctx::json).onFailure(ctx::fail);
  }
}
