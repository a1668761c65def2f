package io.drover.gateway.pipeline;

import io.drover.gateway.commands.CommandDispatch;
import io.drover.gateway.contract.DeviceCommand;
import io.drover.gateway.contract.DeviceDescription;
import io.drover.gateway.contract.DeviceEvent;
import io.drover.gateway.contract.DeviceFailure;
import io.drover.gateway.contract.DeviceFailure.Kind;
import io.drover.gateway.contract.SessionNotice;
import io.drover.gateway.handshake.Handshake;
import io.drover.gateway.handshake.HandshakeAnswer;
import io.drover.gateway.handshake.SessionHandshake;
import io.drover.gateway.intake.EventIntake;
import io.drover.gateway.intake.RateLimit;
import io.drover.gateway.intake.StepQuota;
import io.drover.gateway.log.LogText;
import io.drover.gateway.pipeline.DeviceLink.FirmwareDelivery;
import io.drover.gateway.session.DeviceSession;
import io.drover.gateway.session.DeviceSessions;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One device's session, the same whatever carries it: events and descriptions in, the handshake and
 * what follows it, the cloud's commands out. The transport decodes each message, calls the step here
 * and maps the outcome to its wire: a step that refuses fails with a {@link DeviceFailure}, already
 * counted and logged. Every method runs on the session's context (the listener instance's event loop),
 * except {@link #request} and {@link #closeForTakeover}, which hop onto it.
 */
public final class LiveSession implements DeviceSession {

  /** The first pause before a durable event the hub could not take is offered again; each further one doubles, up to the last. */
  static final long FIRST_RETRY_MILLIS = 50;
  static final long LAST_RETRY_MILLIS = 1_000;
  private static final Logger LOG = LoggerFactory.getLogger(LiveSession.class);

  private final SessionPipeline pipeline;
  private final DeviceSessions sessions;
  private final String deviceId;
  /** The ID is made when asked for ({@link DeviceSessions#sessionId(long)}): a few times in a session's life. */
  private final long sessionNumber;
  private final Context context;
  private final DeviceLink link;
  /** The fingerprint of the X.509 certificate the device authenticated with; null for a secret or a key. */
  private final String certificateFingerprint;
  // What only some sessions use is made at its first use (an idle session's heap is what a node's
  // session count is bound by): the event checks (a UTF-8 decoder) and the quota's bucket at the first
  // event or description, the command dispatch at the first command, the handshake and the steps' bucket
  // at the first handshake, firmware or settings step.
  private EventIntake intake;
  /** A bucket made at its first use is full, as one made at the session's start would be by then. */
  private RateLimit eventRate;
  private RateLimit stepRate;
  private CommandDispatch commands;
  /** Made at the first handshake: most sessions of a plain device never have one. */
  private SessionHandshake handshake;
  /** Made at the first subscription to the owner's events (Particle devices only). */
  private SessionSubscriptions subscriptions;
  private boolean closed;

  /** The hub, the metrics, the event quota and the overload-retry time are the pipeline's: a session holds no copy of them. */
  LiveSession(SessionPipeline pipeline, DeviceSessions sessions, String deviceId, long sessionNumber, String certificateFingerprint,
      Context context, DeviceLink link) {
    this.pipeline = pipeline;
    this.sessions = sessions;
    this.deviceId = deviceId;
    this.sessionNumber = sessionNumber;
    this.certificateFingerprint = certificateFingerprint;
    this.context = context;
    this.link = link;
  }

  void open() {
    sessions.register(this);
    pipeline.dataUsage().track(deviceId, link.wireBytes());
    pipeline.metrics().connectAccepted();
    pipeline.hub().notifySession(notice(SessionNotice.State.OPENED, System.currentTimeMillis()));
    LOG.debug("online [device-id: {}, protocol: {}, remote: {}]", deviceId, pipeline.protocol(), link.remoteAddress());
  }

  /**
   * An event ({@code e/{name}}, {@code POST /e/{name}}).
   *
   * @param durable true when the device awaits an acknowledgement (MQTT QoS 1 and 2, CoAP CON): the
   *     future then completes once the hub has written the event, so an acknowledged event survives a
   *     crash of this node; false completes at once (QoS 0, NON: one the hub cannot take is dropped
   *     there, and counted)
   * @return fails with a refusal (the device must not resend: QUOTA_EXCEEDED past the device's event
   *     quota) or, when {@link Kind#deviceMayRetry()}, with the hub's failure to store it: where the link
   *     {@link DeviceLink#holdsDurableEvents() holds} the device, only after the event was offered to the
   *     hub again for the overload-retry time
   */
  public Future<Void> onEvent(String name, Buffer data, boolean durable) {
    return onEvent(name, data, durable, DeviceEvent.DEFAULT_TTL);
  }

  /** As {@link #onEvent(String, Buffer, boolean)}, with the TTL the device gave the event (a Particle device's Max-Age). */
  public Future<Void> onEvent(String name, Buffer data, boolean durable, int ttlSeconds) {
    DeviceEvent event;
    try {
      admit();
      if (intake == null) {
        intake = new EventIntake();
      }
      event = intake.check(deviceId, name, data, ttlSeconds);
    } catch (DeviceFailure failure) {
      return refused(failure);
    }
    pipeline.metrics().eventReceived();
    if (!durable) {
      pipeline.hub().publish(event);
      return Future.succeededFuture();
    }
    return pipeline.hub().publishDurably(event).recover(cause -> {
      DeviceFailure failure = DeviceFailure.from(cause);
      if (failure.kind().deviceMayRetry() && link.holdsDurableEvents() && pipeline.overloadRetryNanos() > 0 && !closed) {
        return offerAgain(event, failure);
      }
      return notWritten(failure);
    });
  }

  /**
   * The hub could not take a durable event now: the device is slowed, not cut. Its connection is not
   * read meanwhile (so it sends nothing more, and its TCP window closes), and the event is offered again
   * after 50 ms, 100 ms, ... up to a second apart, until the hub takes it or the overload-retry time has
   * passed; then reading resumes.
   */
  private Future<Void> offerAgain(DeviceEvent event, DeviceFailure first) {
    link.pauseReading();
    Promise<Void> written = Promise.promise();
    retry(event, System.nanoTime() + pipeline.overloadRetryNanos(), FIRST_RETRY_MILLIS, first, written);
    return written.future()
        .andThen(done -> link.resumeReading())
        .recover(cause -> notWritten(DeviceFailure.from(cause)));
  }

  private void retry(DeviceEvent event, long deadlineNanos, long pauseMillis, DeviceFailure last, Promise<Void> written) {
    if (closed || System.nanoTime() + pauseMillis * 1_000_000 - deadlineNanos > 0) {
      written.fail(last);
      return;
    }
    pipeline.hub().after(pauseMillis).compose(paused -> {
      if (closed) {
        return Future.failedFuture(last);
      }
      pipeline.metrics().eventRetried();
      return pipeline.hub().publishDurably(event);
    }).onComplete(offered -> {
      if (offered.succeeded()) {
        written.complete();
        return;
      }
      DeviceFailure failure = DeviceFailure.from(offered.cause());
      if (failure.kind().deviceMayRetry()) {
        retry(event, deadlineNanos, Math.min(pauseMillis * 2, LAST_RETRY_MILLIS), failure, written);
      } else {
        written.fail(failure);
      }
    });
  }

  private <T> Future<T> notWritten(DeviceFailure failure) {
    pipeline.eventNotWritten(failure, deviceId);
    return Future.failedFuture(failure);
  }

  /** The functions and variables the device declares ({@code d}, {@code POST /d}). */
  public Future<Void> onDescribe(Buffer payload) {
    try {
      admit();
      pipeline.hub().describe(DeviceDescription.parse(deviceId, payload.toString(StandardCharsets.UTF_8)));
      return Future.succeededFuture();
    } catch (DeviceFailure failure) {
      return refused(failure);
    }
  }

  /**
   * The version of the system firmware the device runs, as its transport reads it (a Particle device's
   * system describe): shown as the device's {@code system_firmware_version}. Counted against the event
   * quota, as a description is.
   */
  public Future<Void> onSystemFirmware(String systemFirmwareVersion) {
    try {
      admit();
      pipeline.hub().describeSystem(deviceId, systemFirmwareVersion);
      return Future.succeededFuture();
    } catch (DeviceFailure failure) {
      return refused(failure);
    }
  }

  /**
   * The handshake ({@code h}, {@code POST /h}). With {@link FirmwareDelivery#PULL} the future carries
   * the answer, once the hub has given the target; with {@link FirmwareDelivery#PUSH} it completes with
   * null as soon as the handshake is read, and the answer follows as a message of its own.
   */
  public Future<HandshakeAnswer> onHandshake(Buffer payload) {
    Handshake reported;
    try {
      admitStep();
      reported = Handshake.parse(payload.toString(StandardCharsets.UTF_8));
    } catch (DeviceFailure failure) {
      return refused(failure);
    }
    Future<HandshakeAnswer> answered = handshake().onHandshake(reported);
    if (link.firmwareDelivery() == FirmwareDelivery.PULL) {
      return answered.recover(cause -> refused(DeviceFailure.from(cause)));
    }
    answered.onFailure(cause -> pipeline.handshakeLog().info("no-firmware-target", "no firmware target [device-id: {}, cause: {}]",
        deviceId, LogText.untrusted(cause.getMessage())));
    return Future.succeededFuture();
  }

  /**
   * A handshake the transport read from its own wire (a Particle device's Hello: its product firmware
   * version and platform), as {@link #onHandshake} does for Drover's: the hub decides the firmware
   * target and records the version; an update, if one follows, goes as the link delivers it. The device
   * waits for none of it, so the step runs on and its failure is logged, not answered.
   *
   * @param productId the product the device names; null when it names none it may be trusted with
   *     (Device OS 4 and later, and the virtual device, send their platform ID): then the product the
   *     cloud has the device in, asked of the hub; a device in none is targeted nothing
   */
  public void onReportedHandshake(Integer productId, int firmwareVersion, int platformId) {
    try {
      admitStep();
    } catch (DeviceFailure failure) {
      refused(failure);
      return;
    }
    Future<Integer> product = productId != null ? Future.succeededFuture(productId)
        : pipeline.hub().subscriber(deviceId).map(place -> place.getInteger("product_id"));
    product.compose(inProduct -> inProduct == null || closed
        ? Future.succeededFuture()
        : handshake().onHandshake(new Handshake(inProduct, firmwareVersion, platformId, null)))
        .onFailure(cause -> pipeline.handshakeLog().info("no-firmware-target", "no firmware target [device-id: {}, cause: {}]",
            deviceId, LogText.untrusted(cause.getMessage())));
  }

  /**
   * A firmware step ({@code fw/{step}}, {@code POST /fw/result}); see {@link SessionHandshake#onFirmwareStep}.
   * {@code fw/ack} and {@code fw/nak} come per chunk: the transfer paces them, not the steps' bound.
   */
  public Future<Void> onFirmwareStep(String step, Buffer payload) {
    try {
      if (!step.equals("ack") && !step.equals("nak")) {
        admitStep();
      }
      handshake().onFirmwareStep(step, json(payload, "fw/" + step));
      return Future.succeededFuture();
    } catch (DeviceFailure failure) {
      return refused(failure);
    }
  }

  /** @return the binary of the version offered at the handshake, or null when that version is not offered */
  public Buffer firmwareBinary(int version) {
    return handshake == null ? null : handshake.binary(version);
  }

  /** The tracker settings the device applied ({@code cfg/ack}, {@code POST /cfg/ack}). */
  public Future<Void> onTrackerConfigAck(Buffer payload) {
    try {
      admitStep();
      handshake().onTrackerConfigAck(json(payload, "cfg/ack"));
      return Future.succeededFuture();
    } catch (DeviceFailure failure) {
      return refused(failure);
    }
  }

  /** Event data the transport cannot carry as text (a Particle device's binary or CBOR data): refused as MALFORMED_PAYLOAD. */
  public <T> Future<T> onUnreadableData(String why) {
    return refused(new DeviceFailure(Kind.MALFORMED_PAYLOAD, why));
  }

  /**
   * A subscription to the owner's events whose names start with {@code prefix} (a Particle device's
   * {@code GET /e/{prefix}}; docs/device-protocol.md section 10). The first asks the hub whose the device
   * is; the future completes once the session gets the events of that account and, for a device in a
   * product, of that product (docs/architecture.md, "Particle devices"). The subscriptions last as long
   * as the session.
   *
   * @return fails with BAD_TOPIC for a prefix that is no event name, QUOTA_EXCEEDED past
   *     {@value SessionSubscriptions#MAX_PREFIXES} prefixes, or the hub's failure
   */
  public Future<Void> onSubscribe(String prefix) {
    if (prefix == null || !DeviceEvent.isValidName(prefix, 0)) {
      pipeline.subscriptionRefused(SubscriptionRefusal.INVALID_FILTER, deviceId, prefix == null ? "" : prefix);
      return Future.failedFuture(new DeviceFailure(Kind.BAD_TOPIC, "a subscription's prefix is 1 to 64 characters, none a control character"));
    }
    if (subscriptions == null) {
      subscriptions = new SessionSubscriptions();
    }
    SessionSubscriptions held = subscriptions;
    if (held.holds(prefix)) {
      return Future.succeededFuture();
    }
    if (held.isFull()) {
      pipeline.subscriptionRefused(SubscriptionRefusal.TOO_MANY, deviceId, prefix);
      return Future.failedFuture(new DeviceFailure(Kind.QUOTA_EXCEEDED, "a session holds at most " + SessionSubscriptions.MAX_PREFIXES
          + " subscriptions"));
    }
    held.add(prefix);
    if (held.joined) {
      return Future.succeededFuture();
    }
    return pipeline.hub().subscriber(deviceId).compose(owner -> {
      if (!closed && !held.joined) {
        held.ownerId = owner.getLong("owner_id");
        held.productId = owner.getInteger("product_id");
        held.joined = true;
        pipeline.subscriptions(context.owner()).join(this, held.ownerId, held.productId);
      }
      return Future.<Void>succeededFuture();
    }).recover(cause -> refused(DeviceFailure.from(cause)));
  }

  /**
   * An event of the account or product this session subscribed to, from the node's
   * {@link EventSubscriptions} (any thread): sent to the device if a prefix matches, unless
   * {@value SessionSubscriptions#MAX_IN_FLIGHT} are already on their way to it (then dropped and counted).
   *
   * @param skipOwner an account whose events this session has from that account's address already: an
   *     event of it that arrives again through the product is not sent twice
   */
  void offerSubscribed(DeviceEvent event, Long skipOwner) {
    SessionSubscriptions held = subscriptions;
    if (held == null || (skipOwner != null && skipOwner.equals(held.ownerId))
        || DeviceEvent.STATUS.equals(event.name()) || DeviceEvent.FLASH_STATUS.equals(event.name())) {
      // the cloud's notices about a device (published by its session, not by it) are for streams, not devices
      return;
    }
    if (held.inFlight.incrementAndGet() > SessionSubscriptions.MAX_IN_FLIGHT) {
      held.inFlight.decrementAndGet();
      pipeline.subscribedEventDropped(deviceId, event.name());
      return;
    }
    context.runOnContext(ignored -> {
      if (closed || !held.matches(event.name())) {
        held.inFlight.decrementAndGet();
        return;
      }
      pipeline.metrics().subscribedEventSent();
      link.sendSubscribedEvent(event.name(), event.data() == null ? "" : event.data())
          .onComplete(sent -> held.inFlight.decrementAndGet());
    });
  }

  /** A message that is none of the protocol's: refused as BAD_TOPIC. */
  public <T> Future<T> onUnknown(String what) {
    return refused(new DeviceFailure(Kind.BAD_TOPIC, "unknown " + what + "; see docs/device-protocol.md"));
  }

  @Override
  public Future<String> request(DeviceCommand command) {
    Promise<String> answer = Promise.promise();
    context.runOnContext(ignored -> dispatch(command).onComplete(answer));
    return answer.future();
  }

  private Future<String> dispatch(DeviceCommand command) {
    if (closed) {
      return Future.failedFuture(new DeviceFailure(Kind.DEVICE_OFFLINE, "device is offline"));
    }
    return switch (command.kind()) {
      case FUNCTION, VARIABLE, SIGNAL -> commands().send(command);
      case FIRMWARE_CHECK -> handshake == null ? Future.succeededFuture("no_handshake") : handshake.checkFirmware();
      case FIRMWARE_FLASH -> flash(command.argument());
      case TRACKER_CONFIG_CHECK -> handshake == null ? Future.succeededFuture("no_handshake") : handshake.checkTrackerConfig(command.argument());
      case EVENT -> link.sendEvent(command.name(), command.argument() == null ? "" : command.argument())
          ? Future.succeededFuture("sent")
          : Future.failedFuture(new DeviceFailure(Kind.NOT_ALLOWED, "the device does not listen for events"));
      case END_SESSION -> Future.succeededFuture(endIfAuthenticatedWith(command.argument()));
      case DISCONNECT -> {
        pipeline.connectionClosed(ConnectionClose.CONNECTIVITY_PAUSED, deviceId, link.remoteAddress(), command.argument());
        link.closeRevoked("the device may not use the network now: " + command.argument());
        yield Future.succeededFuture("ended");
      }
    };
  }

  /** {@link DeviceCommand.Kind#FIRMWARE_FLASH}: the binary, in base64, offered to this device whatever it runs. */
  private Future<String> flash(String base64) {
    byte[] binary;
    try {
      binary = java.util.Base64.getDecoder().decode(base64 == null ? "" : base64);
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(new DeviceFailure(Kind.MALFORMED_PAYLOAD, "the binary to flash is not base64"));
    }
    try {
      return Future.succeededFuture(handshake().flash(Buffer.buffer(binary)));
    } catch (DeviceFailure failure) {
      return Future.failedFuture(failure);
    }
  }

  /**
   * A certificate was revoked: the session ends if the device authenticated with it, on every
   * transport alike; a session authenticated otherwise (its secret, a key, another certificate) goes on.
   */
  private String endIfAuthenticatedWith(String revokedFingerprint) {
    if (certificateFingerprint == null || !certificateFingerprint.equals(revokedFingerprint)) {
      return "kept";
    }
    pipeline.connectionClosed(ConnectionClose.CERTIFICATE_REVOKED, deviceId, link.remoteAddress(), "certificate sha256 " + certificateFingerprint
        + " was revoked");
    link.closeRevoked("the certificate this connection was authenticated with was revoked");
    return "ended";
  }

  /** Ends the session (connection closed, DTLS session gone, idle, listener stopping); tells the hub if it was the device's live one. */
  public void close(String reason) {
    if (closed) {
      return;
    }
    closed = true;
    pipeline.dataUsage().ended(link.wireBytes());
    if (commands != null) {
      commands.close();
    }
    if (handshake != null) {
      handshake.stop();
    }
    if (subscriptions != null && subscriptions.joined) {
      pipeline.subscriptions(context.owner()).leave(this, subscriptions.ownerId, subscriptions.productId);
    }
    long closedAt = System.currentTimeMillis();
    sessions.unregister(this).onSuccess(current -> {
      if (current) {
        pipeline.hub().notifySession(notice(SessionNotice.State.CLOSED, closedAt));
        LOG.debug("offline [device-id: {}, protocol: {}, reason: {}]", deviceId, pipeline.protocol(), reason);
      }
    });
  }

  public boolean isClosed() {
    return closed;
  }

  @Override
  public void closeForTakeover() {
    context.runOnContext(ignored -> {
      if (!closed) {
        pipeline.sessionTakenOver(deviceId, link.remoteAddress());
        link.closeTakenOver();
      }
    });
  }

  @Override
  public String deviceId() {
    return deviceId;
  }

  @Override
  public String sessionId() {
    return sessions.sessionId(sessionNumber);
  }

  @Override
  public String protocol() {
    return pipeline.protocol();
  }

  private CommandDispatch commands() {
    if (commands == null) {
      commands = new CommandDispatch(context.owner(), link);
    }
    return commands;
  }

  private SessionHandshake handshake() {
    if (handshake == null) {
      handshake = new SessionHandshake(context.owner(), pipeline.hub(), deviceId, link, pipeline.handshakeLog());
    }
    return handshake;
  }

  /**
   * The device's event quota, the same on every transport: it covers what a device sends at will and the
   * hub stores or forwards (events, descriptions). Handshake, firmware and settings steps are bounded
   * apart, by {@link #admitStep()}.
   *
   * @throws DeviceFailure QUOTA_EXCEEDED past the quota
   */
  private void admit() {
    if (eventRate == null) {
      eventRate = pipeline.eventQuota().newBucket();
    }
    if (!eventRate.tryAcquire()) {
      throw new DeviceFailure(Kind.QUOTA_EXCEEDED, "over this device's quota of " + pipeline.eventQuota().describe()
          + " (devices.events-per-second, devices.events-burst); this message is dropped, do not resend it");
    }
  }

  /**
   * The bound on handshake, firmware and settings steps ({@link StepQuota}), the same on every transport:
   * each costs a request to the hub or a write, so a device looping on them would load the fleet. Apart
   * from the event quota, so a device at that quota can still be updated.
   *
   * @throws DeviceFailure QUOTA_EXCEEDED past the bound
   */
  private void admitStep() {
    if (stepRate == null) {
      stepRate = StepQuota.newBucket();
    }
    if (!stepRate.tryAcquire()) {
      throw new DeviceFailure(Kind.QUOTA_EXCEEDED, "over this device's bound of " + StepQuota.describe()
          + "; this message is dropped, do not resend it");
    }
  }

  private <T> Future<T> refused(DeviceFailure failure) {
    pipeline.messageRefused(failure, deviceId);
    return Future.failedFuture(failure);
  }

  private static JsonObject json(Buffer payload, String what) {
    try {
      return new JsonObject(payload);
    } catch (DecodeException | ClassCastException e) {
      throw new DeviceFailure(Kind.MALFORMED_PAYLOAD, what + " must carry a JSON object");
    }
  }

  private SessionNotice notice(SessionNotice.State state, long at) {
    return new SessionNotice(deviceId, sessionId(), sessions.nodeId(), state, pipeline.protocol(), link.remoteAddress(), at);
  }
}
