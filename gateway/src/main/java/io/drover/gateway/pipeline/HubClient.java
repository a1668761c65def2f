package io.drover.gateway.pipeline;

import io.drover.gateway.contract.AuthenticatedDevice;
import io.drover.gateway.contract.AuthenticationRequest;
import io.drover.gateway.contract.BusAddresses;
import io.drover.gateway.contract.CertificateAuthentication;
import io.drover.gateway.contract.DeviceDescription;
import io.drover.gateway.contract.DeviceEvent;
import io.drover.gateway.contract.DeviceEventCodec;
import io.drover.gateway.contract.DeviceFailure;
import io.drover.gateway.contract.LocalDurableEvent;
import io.drover.gateway.contract.SessionNotice;
import io.drover.gateway.contract.SessionNoticeCodec;
import io.netty.channel.EventLoop;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.PromiseInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The session pipeline's view of the hub: every step that needs the fleet asks over the event bus
 * ({@link BusAddresses}), with one deadline and one locality rule, and every failure comes back as a
 * {@link DeviceFailure}. Built once per node and shared by every listener instance (the event bus is
 * thread-safe; a reply runs on the asking context).
 */
public final class HubClient {

  private final Vertx vertx;
  private final EventBus bus;
  private final DeliveryOptions requestOptions;
  private final DeliveryOptions eventOptions;
  private final DeliveryOptions noticeOptions;
  private final DeliveryOptions localEventOptions;
  private final boolean hubOnThisNode;
  private final long timeoutNanos;
  /**
   * Per event loop, a context of no deployment on it, where the reply handlers of requests are registered
   * (see {@link #ask}), and the durable events handed to this node's hub from that loop (see {@link #handOver}).
   */
  private final Map<EventLoop, Loop> loops = new ConcurrentHashMap<>();

  /**
   * @param hubOnThisNode true when this node is also a hub: then every request stays on this node
   *     (no hop through the cluster for what the local hub answers as well); false sends each to any
   *     hub node of the cluster
   */
  public HubClient(Vertx vertx, Duration requestTimeout, boolean hubOnThisNode) {
    this.vertx = vertx;
    this.bus = vertx.eventBus();
    this.requestOptions = new DeliveryOptions().setSendTimeout(requestTimeout.toMillis()).setLocalOnly(hubOnThisNode);
    this.eventOptions = new DeliveryOptions(requestOptions).setCodecName(DeviceEventCodec.NAME);
    this.noticeOptions = new DeliveryOptions(requestOptions).setCodecName(SessionNoticeCodec.NAME);
    this.localEventOptions = new DeliveryOptions().setLocalOnly(true).setCodecName(LocalDurableEvent.Codec.NAME);
    this.hubOnThisNode = hubOnThisNode;
    this.timeoutNanos = requestTimeout.toNanos();
  }

  public Future<AuthenticatedDevice> authenticate(AuthenticationRequest request) {
    return request(BusAddresses.AUTHENTICATE, request.toJson()).map(AuthenticatedDevice::fromJson);
  }

  /**
   * The device an X.509 certificate names, if the hub accepts the certificate; see
   * {@link BusAddresses#AUTHENTICATE_CERTIFICATE}.
   *
   * @return fails with BAD_CERTIFICATE (its message starting with the refusal's reason) or UNAVAILABLE
   */
  public Future<AuthenticatedDevice> authenticateCertificate(CertificateAuthentication request) {
    return request(BusAddresses.AUTHENTICATE_CERTIFICATE, request.toJson()).map(AuthenticatedDevice::fromJson);
  }

  /**
   * The pre-shared key of a device, for its DTLS handshake.
   *
   * @return completes with the key's bytes, or with null when the device is unknown or has none;
   *     fails with UNAVAILABLE when the hub does not answer
   */
  public Future<byte[]> presharedKey(String deviceId) {
    return orNullWhenUnknown(request(BusAddresses.PRESHARED_KEY, new JsonObject().put("device_id", deviceId))
        .map(reply -> reply.getString("psk").getBytes(StandardCharsets.US_ASCII)));
  }

  /**
   * The device registered with a raw public key, for its DTLS handshake.
   *
   * @return completes with the device ID, or with null when no device has this key
   */
  public Future<String> deviceForPublicKey(byte[] subjectPublicKeyInfo) {
    JsonObject request = new JsonObject().put("public_key", Base64.getEncoder().encodeToString(subjectPublicKeyInfo));
    return orNullWhenUnknown(request(BusAddresses.DEVICE_BY_PUBLIC_KEY, request).map(reply -> reply.getString("device_id")));
  }

  /**
   * The account that owns a device and the product it is in, when it subscribes to events; see
   * {@link BusAddresses#DEVICE_SUBSCRIBER}.
   *
   * @return {@code {"owner_id"?, "product_id"?}}; fails with the hub's DeviceFailure
   */
  public Future<JsonObject> subscriber(String deviceId) {
    return request(BusAddresses.DEVICE_SUBSCRIBER, new JsonObject().put("device_id", deviceId));
  }

  public void notifySession(SessionNotice notice) {
    bus.send(BusAddresses.SESSION_NOTICES, notice, noticeOptions);
  }

  public void describe(DeviceDescription description) {
    bus.send(BusAddresses.DESCRIBE, description.toJson(), requestOptions);
  }

  /** The system firmware a device runs, on the describe address: a message without {@code functions} leaves those alone. */
  public void describeSystem(String deviceId, String systemFirmwareVersion) {
    bus.send(BusAddresses.DESCRIBE, new JsonObject().put("device_id", deviceId).put("system_firmware_version", systemFirmwareVersion),
        requestOptions);
  }

  /**
   * Hands an event to the hub; the future completes once the hub has written it durably, and fails with
   * the hub's refusal, or UNAVAILABLE when no answer came within the hub timeout. Called on a session's
   * event loop with the hub on this node, it is handed over without a bus request ({@link #handOver}).
   */
  public Future<Void> publishDurably(DeviceEvent event) {
    ContextInternal caller = ContextInternal.current();
    if (hubOnThisNode && caller != null && caller.isEventLoopContext() && caller.inThread()) {
      return handOver(event, caller);
    }
    return ask(BusAddresses.PUBLISH_EVENT, event, eventOptions)
        .recover(cause -> Future.failedFuture(DeviceFailure.from(cause)))
        .mapEmpty();
  }

  /** Hands an event to the hub without waiting (QoS 0, NON, cloud events): the hub counts it if it must drop it. */
  public void publish(DeviceEvent event) {
    bus.send(BusAddresses.PUBLISH_EVENT, event, eventOptions);
  }

  /** See {@link BusAddresses#FIRMWARE_TARGET}. */
  public Future<JsonObject> firmwareTarget(JsonObject request) {
    return request(BusAddresses.FIRMWARE_TARGET, request);
  }

  /** The whole binary, header included, as the device receives it; see {@link BusAddresses#FIRMWARE_BINARY}. */
  public Future<Buffer> firmwareBinary(int productId, int version) {
    return bus.<Buffer>request(BusAddresses.FIRMWARE_BINARY, new JsonObject().put("product_id", productId).put("version", version), requestOptions)
        .recover(cause -> Future.failedFuture(DeviceFailure.from(cause)))
        .map(reply -> reply.body());
  }

  /** Tells the hub how a device's update ended, for a staged rollout's failure threshold. */
  public void reportFirmwareOutcome(String deviceId, int productId, int version, boolean succeeded) {
    bus.send(BusAddresses.FIRMWARE_OUTCOME, new JsonObject().put("device_id", deviceId).put("product_id", productId)
        .put("version", version).put("succeeded", succeeded), requestOptions);
  }

  /** See {@link BusAddresses#TRACKER_CONFIG_CHECK}. */
  public Future<JsonObject> checkTrackerConfig(String deviceId, String runningChecksum, String expectedChecksum) {
    JsonObject question = new JsonObject().put("device_id", deviceId).put("checksum", runningChecksum);
    return request(BusAddresses.TRACKER_CONFIG_CHECK, expectedChecksum == null ? question : question.put("expected", expectedChecksum));
  }

  /** The device says it now runs the tracker settings with this checksum; see {@link BusAddresses#TRACKER_CONFIG_ACK}. */
  public void trackerConfigApplied(String deviceId, String checksum) {
    bus.send(BusAddresses.TRACKER_CONFIG_ACK, new JsonObject().put("device_id", deviceId).put("checksum", checksum), requestOptions);
  }

  /** Completes after {@code millis}, on the caller's context: a pause before asking the hub again. */
  public Future<Void> after(long millis) {
    Promise<Void> elapsed = Promise.promise();
    vertx.setTimer(millis, id -> elapsed.complete());
    return elapsed.future();
  }

  private Future<JsonObject> request(String address, JsonObject body) {
    return this.<JsonObject>ask(address, body, requestOptions)
        .recover(cause -> Future.failedFuture(DeviceFailure.from(cause)))
        .map(reply -> reply.body());
  }

  /**
   * A bus request whose answer comes back on the asking context, as {@link EventBus#request}'s does, but
   * whose reply handler is registered on a context of the same event loop that belongs to no deployment.
   * Vert.x adds the reply handler of a request made on a verticle's context to that verticle's close
   * hooks, a {@code HashMap} put of the handler while {@code HandlerRegistration.register} holds its lock:
   * on Java 17 an identity hash of a stack-locked object inflates its monitor, so every request (one per
   * connect, one per QoS 1 event) left the JVM an {@code ObjectMonitor} in native memory until its
   * deflation thread came by, about 0.2 KiB per connection in a connect wave. The close hook only failed
   * the request early when the verticle was undeployed; its send timeout still ends it.
   */
  private <T> Future<Message<T>> ask(String address, Object body, DeliveryOptions options) {
    ContextInternal caller = ContextInternal.current();
    if (caller == null || !caller.isDeployment() || !caller.isEventLoopContext() || !caller.inThread()) {
      return bus.request(address, body, options);
    }
    PromiseInternal<Message<T>> answer = caller.promise();
    loopOf(caller).replies.dispatch(ignored -> bus.<T>request(address, body, options).onComplete(answer));
    return answer.future();
  }

  /**
   * A durable event to this node's hub as a {@link LocalDurableEvent}: no reply handler is registered
   * under an address of its own, and no timer is set per event (a bus request does both, and they were
   * about a tenth of a CoAP node's event-loop samples at its maximum rate of confirmable events). The
   * hub's answer is handed to the caller's context, queued as a bus reply is, never run inside the hub's
   * own work; the deadline is the caller's loop's ({@link Loop#await}). A send has no "no handlers" answer
   * as a request has: the hub's consumer is deployed before any gateway and undeployed after them, and
   * the deadline answers an event sent without one.
   */
  private Future<Void> handOver(DeviceEvent event, ContextInternal caller) {
    PromiseInternal<Void> written = caller.promise();
    loopOf(caller).await(written);
    bus.send(BusAddresses.PUBLISH_EVENT, new LocalDurableEvent(event, (ignored, failure) -> caller.runOnContext(answered -> {
      if (failure == null) {
        written.tryComplete();
      } else {
        written.tryFail(DeviceFailure.from(failure));
      }
    })), localEventOptions);
    return written.future();
  }

  private Loop loopOf(ContextInternal caller) {
    return loops.computeIfAbsent(caller.nettyEventLoop(),
        loop -> new Loop(((VertxInternal) vertx).contextBuilder().withEventLoop(loop).withClassLoader(caller.classLoader()).build()));
  }

  /**
   * One event loop's part: its context of no deployment, and the durable events handed over from it that
   * the hub has not answered yet, oldest first. They all wait the same timeout, so the oldest is the next
   * to expire, and one timer, set for it, serves them all; answered ones leave from the head as new ones
   * arrive (the hub answers in about the order it was asked). Touched on its event loop only.
   */
  private final class Loop {

    private final ContextInternal replies;
    private final ArrayDeque<Awaited> awaited = new ArrayDeque<>();
    private boolean timerSet;

    Loop(ContextInternal replies) {
      this.replies = replies;
    }

    void await(PromiseInternal<Void> written) {
      dropAnswered();
      awaited.add(new Awaited(System.nanoTime() + timeoutNanos, written));
      if (!timerSet) {
        expireIn(timeoutNanos);
      }
    }

    private void dropAnswered() {
      while (!awaited.isEmpty() && awaited.peek().written.future().isComplete()) {
        awaited.poll();
      }
    }

    private void expireIn(long nanos) {
      timerSet = true;
      replies.setTimer(Math.max(1, (nanos + 999_999) / 1_000_000), id -> expire());
    }

    /** Fails the events past their deadline as a bus request's timeout would (UNAVAILABLE), and waits for the next. */
    private void expire() {
      timerSet = false;
      long now = System.nanoTime();
      dropAnswered();
      while (!awaited.isEmpty() && awaited.peek().deadlineNanos - now <= 0) {
        Awaited late = awaited.poll();
        late.written.tryFail(DeviceFailure.from(new ReplyException(ReplyFailure.TIMEOUT,
            "Timed out after waiting " + timeoutNanos / 1_000_000 + "(ms) for the hub to write the event")));
        dropAnswered();
      }
      if (!awaited.isEmpty()) {
        expireIn(awaited.peek().deadlineNanos - now);
      }
    }
  }

  private record Awaited(long deadlineNanos, PromiseInternal<Void> written) {
  }

  private static <T> Future<T> orNullWhenUnknown(Future<T> answer) {
    return answer.recover(cause -> ((DeviceFailure) cause).kind() == DeviceFailure.Kind.UNKNOWN_DEVICE
        ? Future.succeededFuture(null)
        : Future.failedFuture(cause));
  }
}
