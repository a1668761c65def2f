package io.drover.hub.integrations.delivery;

import io.drover.gateway.commands.DeviceCommands;
import io.drover.gateway.log.SampledLog;
import io.drover.hub.HubAddresses;
import io.drover.hub.cluster.ClusterView;
import io.drover.hub.devices.SecretSealer;
import io.drover.hub.events.EventOutbox;
import io.drover.hub.events.LiveEvent;
import io.drover.hub.events.UsageMeter;
import io.drover.hub.integrations.IntegrationRepository;
import io.drover.hub.events.UsageMeter;
import io.drover.hub.integrations.TargetPolicy;
import io.drover.hub.events.UsageMeter;
import io.drover.hub.integrations.delivery.DeliveryMetrics.Outcome;
import io.drover.hub.events.UsageMeter;
import io.drover.hub.integrations.delivery.OutboxRepository.Attempt;
import io.drover.hub.events.UsageMeter;
import io.drover.hub.integrations.delivery.OutboxRepository.Settlement;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import java.net.URI;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The webhook delivery engine of one hub node: takes the deliveries of the outbox rows this
 * node wrote claimed (handed over by the event writer once committed) and claims due rows of any node
 * every {@code integrations.poll-interval-ms}; renders each request from its integration's compiled
 * templates, sends it under the bounds (per target host: requests in flight and a rate; the node: in
 * flight and held in memory), publishes the hook events, and settles each row in batches: delivered
 * rows are deleted; failed ones come due again after the next wait of {@code integrations.retry-seconds}
 * or become dead letters; 4xx answers, refused targets and broken templates are not retried.
 *
 * <p>Never two nodes at once: a row is sent only while this node's lease on it has at least the
 * request timeout (plus a margin) left; a delivery that waited longer in memory (a slow host) is put
 * back unsent. A node that dies leaves its rows to whoever claims them after the lease: at least once,
 * duplicates possible (a request answered just before the death is sent again).
 *
 * <p>Threading: everything runs on this verticle's event loop, but {@link DeliveryHandoff} (called by
 * the events verticle) and the index's matching.
 */
public final class DeliveryVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(DeliveryVerticle.class);
  /** Deliveries one host may have waiting in memory; past it they are put back in the outbox for later. */
  private static final int HOST_QUEUE = 1000;
  private static final int CLAIM_BATCH = 100;
  private static final int PUT_BACK_SECONDS = 5;
  /** Integrations left out of a claim at most (the statement's array stays small). */
  private static final int MAX_SKIPPED = 1000;
  private static final String[] NONE = new String[0];
  private static final long LEASE_MARGIN_MILLIS = 5000;
  private static final long SETTLE_INTERVAL_MILLIS = 100;
  private static final long COUNTS_INTERVAL_MILLIS = 5000;
  private static final long RETENTION_INTERVAL_MILLIS = 3_600_000;

  private final Pool pool;
  private final SecretSealer sealer;
  private final DeliverySettings settings;
  private final TargetPolicy targets;
  private final DeliveryMetrics metrics;
  private final ClusterView cluster;
  private final DeviceCommands devices;
  private final DeliveryCounts counts = new DeliveryCounts();
  /** Outbound events for billing: one per event an integration delivered (docs/operations.md, "Billing"). */
  private final UsageMeter usage;
  private final IntegrationIndex index = new IntegrationIndex(counts);
  private final DeliveryHandoff handoff;
  private final SampledLog warnings = new SampledLog(LOG, SampledLog.TEN_SECONDS);
  private final Map<String, HostLane> lanes = new HashMap<>();
  /**
   * Integrations whose host's lane was full, until when (nanoTime): the claim leaves their rows in the
   * outbox meanwhile. Without it a slow host's put-back rows, older than the others' by their due time,
   * came back first at every claim only to be put back again, and the other integrations waited.
   */
  private final Map<String, Long> fullUntil = new HashMap<>();
  /** Lanes with deliveries ready to go but for the node's bound on requests in flight. */
  private final LinkedHashSet<HostLane> waitingForRoom = new LinkedHashSet<>();
  private IntegrationRepository integrations;
  private OutboxRepository outbox;
  private WebhookSender sender;
  private CloudSender clouds;
  private HookEvents hooks;
  private int inFlight;
  private boolean polling;
  private boolean settling;
  private List<Settlement> done = new ArrayList<>();
  private List<Settlement> rescheduled = new ArrayList<>();
  private List<Attempt> attempts = new ArrayList<>();
  private final List<Long> timers = new ArrayList<>();

  /**
   * @param targets where requests may go, the rule the API applied when each integration was saved
   * @param devices how the hook's answers reach the device that triggered it
   */
  public DeliveryVerticle(Pool pool, SecretSealer sealer, DeliverySettings settings, TargetPolicy targets, DeliveryMetrics metrics,
      ClusterView cluster, DeviceCommands devices) {
    this.pool = pool;
    this.sealer = sealer;
    this.settings = settings;
    this.targets = targets;
    this.metrics = metrics;
    this.cluster = cluster;
    this.devices = devices;
    this.handoff = new DeliveryHandoff(index, settings, cluster.nodeId());
    this.usage = new UsageMeter(pool);
  }

  /** For the event writer, before and after this verticle is deployed (before: nothing is claimed at insert). */
  public EventOutbox outbox() {
    return handoff;
  }

  @Override
  public Future<?> start() {
    integrations = new IntegrationRepository(pool, sealer);
    outbox = new OutboxRepository(pool);
    sender = new WebhookSender(vertx, settings, targets);
    clouds = new CloudSender(sender);
    hooks = new HookEvents(vertx.eventBus(), devices);
    return integrations.all(null)
        .onSuccess(all -> {
          index.replaceAll(all.stream().map(Integration::of).toList());
          metrics.integrations.set(index.size());
          LOG.info("integrations loaded [integrations: {}]", all.size());
        })
        .compose(loaded -> vertx.eventBus().<JsonObject>consumer(HubAddresses.INTEGRATIONS_CHANGED, this::reload).completion())
        .compose(registered -> vertx.eventBus().<JsonObject>consumer(HubAddresses.INTEGRATIONS_TEST, this::test).completion())
        .compose(registered -> vertx.eventBus().<JsonObject>consumer(HubAddresses.INTEGRATIONS_LOG, this::readLog).completion())
        .compose(registered -> vertx.eventBus().<JsonObject>consumer(HubAddresses.INTEGRATIONS_REPLAY, this::replay).completion())
        .onSuccess(registered -> {
          handoff.open(context, this::committed);
          timers.add(vertx.setPeriodic(settings.pollInterval().toMillis(), id -> poll()));
          timers.add(vertx.setPeriodic(SETTLE_INTERVAL_MILLIS, id -> settle()));
          timers.add(vertx.setPeriodic(COUNTS_INTERVAL_MILLIS, id -> flushCounts()));
          timers.add(vertx.setPeriodic(60_000, RETENTION_INTERVAL_MILLIS, id -> prune()));
        });
  }

  /**
   * Stops taking deliveries; what waits in memory unsent is put back in the outbox (due at once, for
   * any node), the last settlements and counts are written. Requests in flight are not awaited: their
   * rows come back when the lease ends.
   */
  @Override
  public Future<?> stop() {
    handoff.close();
    timers.forEach(vertx::cancelTimer);
    for (HostLane lane : lanes.values()) {
      for (Prepared prepared : lane.queue) {
        rescheduled.add(new Settlement(prepared.job.event.id(), prepared.job.integrationId, prepared.job.attempts, 0, false, null));
      }
      lane.queue.clear();
    }
    return settleNow().eventually(() -> counts.flush(pool)).eventually(() -> usage.flush()).eventually(() -> sender.close());
  }

  // ---- intake: handed over by the writer, or claimed

  private void committed(LiveEvent live, String[] ids) {
    OutboxEvent event = new OutboxEvent(live.id(), live.event().deviceId(), live.event().name(), live.event().data(),
        live.event().publishedAtMillis(), live.ownerId(), live.productId());
    long leaseEnds = System.nanoTime() + settings.lease().toNanos();
    for (String id : ids) {
      take(new Job(event, id, 0, leaseEnds));
    }
  }

  private void poll() {
    if (polling) {
      return;
    }
    int reserved = handoff.reserveUpTo(CLAIM_BATCH);
    if (reserved == 0) {
      return;
    }
    polling = true;
    long leaseEnds = System.nanoTime() + settings.lease().toNanos();
    outbox.claim(cluster.nodeId(), reserved, (int) settings.lease().toSeconds(), skippedNow()).onComplete(result -> {
      polling = false;
      if (result.failed()) {
        handoff.release(reserved);
        warnings.warn("claim_failed", "outbox rows not claimed, trying again at the next poll [cause: {}]", result.cause().getMessage());
        return;
      }
      List<OutboxRepository.Claimed> claimed = result.result();
      handoff.release(reserved - claimed.size());
      for (OutboxRepository.Claimed row : claimed) {
        if (row.event() == null) {
          // its event was pruned by the events' retention: nothing left to send
          metrics.count(Outcome.DROPPED);
          done.add(new Settlement(row.eventId(), row.integrationId(), row.attempts(), 0, false, null));
          handoff.release(1);
          continue;
        }
        take(new Job(row.event(), row.integrationId(), row.attempts(), leaseEnds));
      }
      metrics.held.set(handoff.held());
      if (claimed.size() == reserved) {
        // a backlog: claim on at once rather than at the next tick
        vertx.runOnContext(next -> poll());
      }
    });
  }

  /** A delivery this node holds (one reservation of the handoff): rendered, then queued behind its host. */
  private void take(Job job) {
    metrics.held.set(handoff.held());
    Integration integration = index.get(job.integrationId);
    if (integration == null) {
      // deleted since the event matched: the row goes
      metrics.count(Outcome.DROPPED);
      finish(job, new Settlement(job.event.id(), job.integrationId, job.attempts, 0, false, null), null);
      return;
    }
    if (integration.disabled()) {
      counts.skipped(job.integrationId);
      metrics.count(Outcome.SKIPPED);
      finish(job, new Settlement(job.event.id(), job.integrationId, job.attempts, 0, false, null), null);
      return;
    }
    Webhook webhook = integration.webhook();
    CloudTarget cloud = integration.cloud();
    String invalid = cloud != null ? cloud.invalid() : webhook.invalid();
    if (invalid != null) {
      fail(job, null, Answer.failed(invalid, false, 0), null);
      return;
    }
    Map<String, Object> variables = EventVariables.of(job.event);
    WebhookRequest request;
    try {
      request = cloud != null ? cloud.render(job.event, variables, settings) : webhook.render(job.event, variables);
    } catch (RuntimeException e) {
      fail(job, null, Answer.failed("template failed to render: " + e.getMessage(), false, 0), null);
      return;
    }
    URI target = WebhookSender.target(request.url());
    if (target == null) {
      fail(job, request, Answer.failed("url is not an absolute http(s) URL: " + request.url(), false, 0), null);
      return;
    }
    HostLane lane = lanes.computeIfAbsent(target.getHost().toLowerCase(java.util.Locale.ROOT), HostLane::new);
    if (lane.queue.size() >= HOST_QUEUE) {
      putBack(job, "host_queue_full");
      return;
    }
    lane.queue.add(new Prepared(job, webhook, cloud, variables, request, target));
    pump(lane);
  }

  // ---- sending, under the bounds

  private void pump(HostLane lane) {
    while (!lane.queue.isEmpty() && lane.inFlight < settings.maxPerHost()) {
      if (inFlight >= settings.maxInFlight()) {
        waitingForRoom.add(lane);
        return;
      }
      long now = System.nanoTime();
      Prepared next = lane.queue.peek();
      if (!lane.takeToken(now, settings.perHostRate())) {
        if (!next.throttled) {
          next.throttled = true;
          counts.add(next.job.integrationId, DeliveryCounts.THROTTLED);
          metrics.count(Outcome.THROTTLED);
        }
        if (lane.timer < 0) {
          lane.timer = vertx.setTimer(Math.max(1, lane.millisToToken(settings.perHostRate())), id -> {
            lane.timer = -1;
            pump(lane);
          });
        }
        return;
      }
      lane.queue.poll();
      if (next.job.leaseEndsNanos - now < TimeUnit.MILLISECONDS.toNanos(settings.timeout().toMillis() + LEASE_MARGIN_MILLIS)) {
        // waited too long here: another node may claim the row before this request could end
        putBack(next.job, "lease_ran_low");
        continue;
      }
      send(lane, next);
    }
  }

  private void send(HostLane lane, Prepared prepared) {
    lane.inFlight++;
    inFlight++;
    metrics.inFlight.set(inFlight);
    hooks.sent(prepared.job.event);
    Future<Answer> answered = prepared.cloud != null ? clouds.send(prepared.cloud, prepared.request, prepared.target)
        : sender.send(prepared.request, prepared.target, prepared.webhook.rejectUnauthorized());
    answered.onComplete(result -> {
      lane.inFlight--;
      inFlight--;
      metrics.inFlight.set(inFlight);
      Answer answer = result.succeeded() ? result.result() : Answer.failed(String.valueOf(result.cause().getMessage()), true, 0);
      metrics.requestLatency.record(answer.latencyMillis(), TimeUnit.MILLISECONDS);
      if (prepared.job.attempts == 0) {
        metrics.acceptedToAnswered.record(Math.max(0, System.currentTimeMillis() - prepared.job.event.publishedAtMillis()), TimeUnit.MILLISECONDS);
      }
      if (answer.succeeded()) {
        succeed(prepared, answer);
      } else {
        fail(prepared.job, prepared.request, answer, prepared);
      }
      pump(lane);
      while (inFlight < settings.maxInFlight() && !waitingForRoom.isEmpty()) {
        HostLane waiting = waitingForRoom.iterator().next();
        waitingForRoom.remove(waiting);
        pump(waiting);
      }
      if (lane.queue.isEmpty() && lane.inFlight == 0 && lane.timer < 0) {
        lanes.remove(lane.host);
      }
    });
  }

  private void succeed(Prepared prepared, Answer answer) {
    Job job = prepared.job;
    metrics.count(Outcome.SUCCESS);
    counts.add(job.integrationId, DeliveryCounts.SUCCESS);
    usage.delivered(job.event.ownerId(), job.event.productId(), 1);
    try {
      // a cloud service's answer (204, message ids) is nothing for the device: no hook-response
      if (prepared.webhook != null) {
        String body = prepared.webhook.responseBody(answer.kept(), prepared.variables);
        hooks.response(job.event, prepared.webhook.responseTopic(prepared.variables), body);
      }
    } catch (RuntimeException e) {
      warnings.warn("response_template", "hook response not published: its template failed [integration: {}, cause: {}]", job.integrationId,
          e.getMessage());
    }
    finish(job, new Settlement(job.event.id(), job.integrationId, job.attempts + 1, 0, false, null),
        attempt(job, prepared.request, "success", answer));
  }

  /**
   * A failed attempt: due again after the next wait when it may succeed later and retries remain, else
   * a dead letter. Either way the device hears of it ({@code hook-error}).
   */
  private void fail(Job job, WebhookRequest request, Answer answer, Prepared prepared) {
    int attempt = job.attempts + 1;
    boolean retry = answer.retryable() && attempt <= settings.retries().size();
    counts.add(job.integrationId, DeliveryCounts.ERROR);
    metrics.count(retry ? Outcome.RETRY : Outcome.DEAD);
    if (prepared != null) {
      try {
        hooks.error(job.event, prepared.webhook != null ? prepared.webhook.errorTopic(prepared.variables) : "hook-error/" + job.event.name(),
            answer.error());
      } catch (RuntimeException e) {
        warnings.warn("error_template", "hook error not published: its topic failed [integration: {}, cause: {}]", job.integrationId, e.getMessage());
      }
    }
    if (!retry) {
      warnings.warn("dead_letter", "webhook delivery failed for good, kept as a dead letter [integration: {}, event-id: {}, attempts: {}, error: {}]",
          job.integrationId, job.event.id(), attempt, answer.error());
    }
    int delay = retry ? (int) settings.retries().get(attempt - 1).toSeconds() : 0;
    finish(job, null, attempt(job, request, retry ? "retry" : "dead", answer));
    rescheduled.add(new Settlement(job.event.id(), job.integrationId, attempt, delay, !retry, answer.error()));
  }

  /** The integrations not to claim now; those whose time is up are claimed again. */
  private String[] skippedNow() {
    if (fullUntil.isEmpty()) {
      return NONE;
    }
    long now = System.nanoTime();
    fullUntil.values().removeIf(until -> until - now <= 0);
    return fullUntil.keySet().toArray(NONE);
  }

  /** Given back to the outbox unsent (no attempt counted), due again in a few seconds for any node. */
  private void putBack(Job job, String reason) {
    if ("host_queue_full".equals(reason) && fullUntil.size() < MAX_SKIPPED) {
      fullUntil.put(job.integrationId, System.nanoTime() + TimeUnit.SECONDS.toNanos(PUT_BACK_SECONDS));
    }
    metrics.count(Outcome.THROTTLED);
    counts.add(job.integrationId, DeliveryCounts.THROTTLED);
    warnings.info(reason, "delivery put back in the outbox [integration: {}, reason: {}]", job.integrationId, reason);
    rescheduled.add(new Settlement(job.event.id(), job.integrationId, job.attempts, PUT_BACK_SECONDS, false, null));
    finish(job, null, null);
  }

  /** The job leaves memory: its reservation is freed; its row's deletion and its log line wait for the next settlement. */
  private void finish(Job job, Settlement delete, Attempt logged) {
    handoff.release(1);
    metrics.held.set(handoff.held());
    if (delete != null) {
      done.add(delete);
    }
    if (logged != null) {
      attempts.add(logged);
    }
  }

  private static Attempt attempt(Job job, WebhookRequest request, String outcome, Answer answer) {
    String response = answer.kept() == null ? null
        : answer.kept().length() <= DeliverySettings.LOGGED_RESPONSE_CHARS ? answer.kept() : answer.kept().substring(0, DeliverySettings.LOGGED_RESPONSE_CHARS);
    return new Attempt(job.integrationId, job.event.id(), job.attempts + 1, OffsetDateTime.now(ZoneOffset.UTC), outcome,
        request == null ? null : request.describe(), answer.status() == 0 ? null : answer.status(), (int) answer.latencyMillis(), response,
        answer.error());
  }

  // ---- settlements, counts, retention

  private void settle() {
    if (!settling && (!done.isEmpty() || !rescheduled.isEmpty() || !attempts.isEmpty())) {
      settleNow();
    }
  }

  private Future<Void> settleNow() {
    List<Settlement> deleting = done;
    List<Settlement> rescheduling = rescheduled;
    List<Attempt> logging = attempts;
    done = new ArrayList<>();
    rescheduled = new ArrayList<>();
    attempts = new ArrayList<>();
    settling = true;
    String node = cluster.nodeId();
    Future<Void> deleted = outbox.delete(node, deleting).onFailure(cause -> done.addAll(deleting));
    Future<Void> moved = outbox.reschedule(node, rescheduling).onFailure(cause -> rescheduled.addAll(rescheduling));
    Future<Void> logged = outbox.log(logging).onFailure(cause -> attempts.addAll(logging));
    return Future.join(deleted, moved, logged).<Void>mapEmpty().onComplete(result -> {
      settling = false;
      if (result.failed()) {
        warnings.warn("settle_failed", "outbox settlements not written, trying again [cause: {}]", result.cause().getMessage());
      }
    });
  }

  private void flushCounts() {
    usage.flush();
    counts.flush(pool).onFailure(cause -> warnings.warn("counts_failed", "integration counts not written, kept for the next flush [cause: {}]",
        cause.getMessage()));
  }

  private void prune() {
    if (cluster.leads()) {
      outbox.prune((int) settings.retention().toSeconds())
          .onFailure(cause -> warnings.warn("prune_failed", "integration log not pruned [cause: {}]", cause.getMessage()));
    }
  }

  // ---- the bus: changes, the Test button, the log, replays

  private void reload(Message<JsonObject> message) {
    JsonObject body = message.body() == null ? new JsonObject() : message.body();
    if (body.getValue("product_id") instanceof Number || body.getValue("user_id") instanceof Number) {
      reloadOwner(message, body.getValue("user_id") instanceof Number user ? IntegrationRepository.Owner.account(user.longValue())
          : IntegrationRepository.Owner.product(body.getInteger("product_id")));
      return;
    }
    String id = body.getValue("id") instanceof String s ? s : null;
    if (id == null) {
      LOG.warn("integration change ignored: no id [message: {}]", message.body());
      return;
    }
    integrations.one(id, null).map(Integration::of).onComplete(loaded -> {
      if (loaded.failed()) {
        LOG.warn("integration not reloaded [integration: {}, cause: {}]", id, loaded.cause().getMessage());
        message.fail(503, "the integration could not be read");
        return;
      }
      index.put(id, loaded.result());
      metrics.integrations.set(index.size());
      message.reply(null);
    });
  }

  /** Every integration of an owner at once: a product (or an account) was deleted and its rows went with it. */
  private void reloadOwner(Message<JsonObject> message, IntegrationRepository.Owner owner) {
    integrations.ofOwner(owner, null).onComplete(loaded -> {
      if (loaded.failed()) {
        LOG.warn("integrations not reloaded [user: {}, product: {}, cause: {}]", owner.userId(), owner.productId(), loaded.cause().getMessage());
        message.fail(503, "the integrations could not be read");
        return;
      }
      index.putOwner(owner.userId(), owner.productId(), loaded.result().stream().map(Integration::of).toList());
      metrics.integrations.set(index.size());
      message.reply(null);
    });
  }

  private void test(Message<JsonObject> message) {
    JsonObject body = message.body() == null ? new JsonObject() : message.body();
    String id = body.getValue("id") instanceof String given ? given : null;
    Integration known = id == null ? null : index.get(id);
    if (known != null || id == null) {
      test(message, body, known);
      return;
    }
    // the API's change notice may not have reached this node yet (a Test right after a create): read the row
    integrations.one(id, null).map(Integration::of).onComplete(loaded -> {
      if (loaded.succeeded() && loaded.result() != null && index.get(id) == null) {
        index.put(id, loaded.result());
        metrics.integrations.set(index.size());
      }
      test(message, body, loaded.succeeded() ? loaded.result() : null);
    });
  }

  private void test(Message<JsonObject> message, JsonObject body, Integration integration) {
    if (integration == null) {
      message.fail(404, "no such integration");
      return;
    }
    Object data = body.getValue("data");
    String device = body.getValue("device_id") instanceof String d && !d.isEmpty() ? d : integration.deviceId() != null ? integration.deviceId() : "api";
    OutboxEvent event = new OutboxEvent(0, device, integration.event(), data == null ? null : data instanceof String s ? s : data.toString(),
        System.currentTimeMillis(), integration.userId(), integration.productId());
    Webhook webhook = integration.webhook();
    CloudTarget cloud = integration.cloud();
    String invalid = cloud != null ? cloud.invalid() : webhook.invalid();
    if (invalid != null) {
      message.reply(new JsonObject().put("pass", false).put("data", new JsonObject().put("error", invalid)));
      return;
    }
    WebhookRequest request;
    try {
      request = cloud != null ? cloud.render(event, EventVariables.of(event), settings) : webhook.render(event, EventVariables.of(event));
    } catch (RuntimeException e) {
      message.reply(new JsonObject().put("pass", false).put("data", new JsonObject().put("error", "template failed to render: " + e.getMessage())));
      return;
    }
    URI target = WebhookSender.target(request.url());
    if (target == null) {
      message.reply(new JsonObject().put("pass", false).put("data", new JsonObject().put("request", request.describe())
          .put("error", "url is not an absolute http(s) URL")));
      return;
    }
    Future<Answer> answered = cloud != null ? clouds.send(cloud, request, target) : sender.send(request, target, webhook.rejectUnauthorized());
    answered.onComplete(result -> {
      Answer answer = result.result();
      String response = answer.kept() == null ? null
          : answer.kept().length() <= DeliverySettings.LOGGED_RESPONSE_CHARS ? answer.kept() : answer.kept().substring(0, DeliverySettings.LOGGED_RESPONSE_CHARS);
      message.reply(new JsonObject().put("pass", answer.succeeded()).put("data", new JsonObject()
          .put("request", request.describe()).put("body", firstKiB(request)).put("status", answer.status() == 0 ? null : answer.status())
          .put("response", response)
          .put("error", answer.error()).put("latency_ms", answer.latencyMillis())));
    });
  }

  /** The test request's body as the Test panel shows it: its first KiB, null when it has none. */
  private static String firstKiB(WebhookRequest request) {
    if (request.body() == null) {
      return null;
    }
    String body = request.body().toString();
    return body.length() <= DeliverySettings.LOGGED_RESPONSE_CHARS ? body : body.substring(0, DeliverySettings.LOGGED_RESPONSE_CHARS);
  }

  private void readLog(Message<JsonObject> message) {
    JsonObject body = message.body() == null ? new JsonObject() : message.body();
    String id = body.getValue("id") instanceof String s ? s : null;
    String kind = body.getValue("kind") instanceof String s ? s : "attempts";
    int limit = body.getValue("limit") instanceof Number n ? Math.max(1, Math.min(1000, n.intValue())) : 100;
    if (id == null) {
      message.fail(400, "id is required");
      return;
    }
    Future<JsonObject> answer;
    try {
      answer = switch (kind) {
        case "attempts" -> outbox.attempts(id, body.getValue("before") instanceof String before ? OffsetDateTime.parse(before) : null,
                body.getValue("since") instanceof String since ? OffsetDateTime.parse(since) : null,
                body.getValue("outcome") instanceof String outcome ? outcome : null, limit)
            .map(list -> new JsonObject().put("attempts", list));
        case "counts" -> outbox.counts(id, body.getValue("since") instanceof String since ? OffsetDateTime.parse(since)
                : OffsetDateTime.now(ZoneOffset.UTC).minusDays(30))
            .map(list -> new JsonObject().put("counts", list));
        case "dead_letters" -> outbox.deadLetters(id, limit).map(list -> new JsonObject().put("dead_letters", list));
        default -> null;
      };
    } catch (java.time.format.DateTimeParseException e) {
      message.fail(400, "before and since must be ISO-8601 times");
      return;
    }
    if (answer == null) {
      message.fail(400, "kind must be attempts, counts or dead_letters");
      return;
    }
    answer.onComplete(result -> {
      if (result.succeeded()) {
        message.reply(result.result());
      } else {
        LOG.warn("integration log not read [integration: {}, cause: {}]", id, result.cause().getMessage());
        message.fail(503, "the log could not be read");
      }
    });
  }

  private void replay(Message<JsonObject> message) {
    JsonObject body = message.body() == null ? new JsonObject() : message.body();
    String id = body.getValue("id") instanceof String s ? s : null;
    Object event = body.getValue("event_id");
    if (id == null || (event != null && !(event instanceof Number))) {
      message.fail(400, "id is required, event_id a number when given");
      return;
    }
    outbox.replay(id, event == null ? null : ((Number) event).longValue()).onComplete(result -> {
      if (result.failed()) {
        LOG.warn("dead letters not replayed [integration: {}, cause: {}]", id, result.cause().getMessage());
        message.fail(503, "the dead letters could not be replayed");
        return;
      }
      message.reply(new JsonObject().put("replayed", result.result()));
      poll();
    });
  }

  // ---- the state of a delivery and of a host

  /** A delivery held in memory. {@code attempts}: made before this one. */
  private record Job(OutboxEvent event, String integrationId, int attempts, long leaseEndsNanos) {
  }

  private static final class Prepared {
    final Job job;
    /** One of these two: the webhook, or the cloud service. */
    final Webhook webhook;
    final CloudTarget cloud;
    final Map<String, Object> variables;
    final WebhookRequest request;
    final URI target;
    boolean throttled;

    Prepared(Job job, Webhook webhook, CloudTarget cloud, Map<String, Object> variables, WebhookRequest request, URI target) {
      this.job = job;
      this.webhook = webhook;
      this.cloud = cloud;
      this.variables = variables;
      this.request = request;
      this.target = target;
    }
  }

  /** One target host: its waiting deliveries, its requests in flight, its rate (a token bucket, a second's worth of burst). */
  private static final class HostLane {
    final String host;
    final ArrayDeque<Prepared> queue = new ArrayDeque<>();
    int inFlight;
    long timer = -1;
    double tokens = -1;
    long refilledAt;

    HostLane(String host) {
      this.host = host;
    }

    boolean takeToken(long now, int rate) {
      if (tokens < 0) {
        tokens = rate;
        refilledAt = now;
      }
      tokens = Math.min(rate, tokens + (now - refilledAt) * rate / 1e9);
      refilledAt = now;
      if (tokens >= 1) {
        tokens -= 1;
        return true;
      }
      return false;
    }

    long millisToToken(int rate) {
      return (long) Math.ceil((1 - tokens) * 1000 / rate);
    }
  }
}
