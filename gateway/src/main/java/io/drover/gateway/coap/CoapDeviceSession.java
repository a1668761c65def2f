package io.drover.gateway.coap;

import io.drover.coap.CoapReply;
import io.drover.coap.DevicePeer;
import io.drover.coap.RequestRateLimit;
import io.drover.gateway.contract.DeviceCommand;
import io.drover.gateway.contract.DeviceDescription;
import io.drover.gateway.contract.DeviceEvent;
import io.drover.gateway.contract.DeviceFailure;
import io.drover.gateway.contract.DeviceFailure.Kind;
import io.drover.gateway.contract.SessionNotice;
import io.drover.gateway.config.ConfigClient;
import io.drover.gateway.config.SessionConfig;
import io.drover.gateway.firmware.FirmwareClient;
import io.drover.gateway.firmware.FirmwareLink;
import io.drover.gateway.firmware.Handshake;
import io.drover.gateway.firmware.PulledFirmware;
import io.drover.gateway.session.DeviceSession;
import io.drover.gateway.session.DeviceSessions;
import io.drover.gateway.session.GatewayMetrics;
import io.drover.gateway.session.HubClient;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.eclipse.californium.core.coap.CoAP.Code;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One device's CoAP session: the time from its first request over a DTLS session until it goes idle,
 * its DTLS session ends, or another session takes over. Every method runs on the listener's context,
 * except {@link #closeForTakeover()} and {@link #request}, which hop onto it.
 */
final class CoapDeviceSession implements DeviceSession {

  static final String PROTOCOL = "coap";
  private static final String STATUS_EVENT = "spark/status";
  private static final Logger LOG = LoggerFactory.getLogger(CoapDeviceSession.class);

  private final Context context;
  private final DeviceSessions sessions;
  private final HubClient hub;
  private final GatewayMetrics metrics;
  private final Consumer<CoapDeviceSession> onClosed;
  private final String deviceId;
  private final String sessionId;
  private final String dtlsSessionId;
  private final RequestRateLimit rateLimit;
  private final List<CompletableFuture<CoapReply>> inFlight = new ArrayList<>(MAX_IN_FLIGHT);
  private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
      .onMalformedInput(CodingErrorAction.REPORT)
      .onUnmappableCharacter(CodingErrorAction.REPORT);
  /** The handshake and the firmware this device may fetch. */
  private final PulledFirmware firmware;
  /** The Asset Tracker settings of this session: sent with PUT /cfg, acknowledged with POST /cfg/ack. */
  private final SessionConfig config;
  private DevicePeer peer;
  private long lastHeardNanos;
  private boolean closed;

  CoapDeviceSession(String deviceId, DevicePeer peer, Context context, DeviceSessions sessions, HubClient hub, FirmwareClient firmwareHub,
      ConfigClient configHub, GatewayMetrics metrics, int requestsPerSecond, Consumer<CoapDeviceSession> onClosed) {
    this.firmware = new PulledFirmware(firmwareHub, deviceId, new FirmwareLink() {
      @Override
      public boolean send(String topic, io.vertx.core.buffer.Buffer payload) {
        return false; // the device pulls; nothing is pushed over CoAP but the "flash now" notice
      }

      @Override
      public void publishEvent(String name, String data) {
        hub.publish(new DeviceEvent(deviceId, name, data, System.currentTimeMillis(), DeviceEvent.DEFAULT_TTL, false));
      }
    });
    this.config = new SessionConfig(configHub, deviceId, new FirmwareLink() {
      @Override
      public boolean send(String topic, io.vertx.core.buffer.Buffer payload) {
        // c/cfg over MQTT is PUT /cfg to the device's own CoAP server (section 9)
        if (closed) {
          return false;
        }
        CoapDeviceSession.this.peer.request(Code.PUT, "cfg", payload.getBytes());
        return true;
      }

      @Override
      public void publishEvent(String name, String data) {
        hub.publish(new DeviceEvent(deviceId, name, data, System.currentTimeMillis(), DeviceEvent.DEFAULT_TTL, false));
      }
    });
    this.deviceId = deviceId;
    this.peer = peer;
    this.dtlsSessionId = peer.sessionId();
    this.context = context;
    this.sessions = sessions;
    this.hub = hub;
    this.metrics = metrics;
    this.onClosed = onClosed;
    this.sessionId = sessions.newSessionId();
    this.rateLimit = new RequestRateLimit(requestsPerSecond);
    this.lastHeardNanos = System.nanoTime();
  }

  /** The device talked for the first time over its DTLS session: it is online. */
  void open() {
    sessions.register(this);
    metrics.connectAccepted();
    hub.notifySession(new SessionNotice(deviceId, sessionId, sessions.nodeId(), SessionNotice.State.OPENED, PROTOCOL, remoteAddress(), System.currentTimeMillis()));
    LOG.debug("online [device-id: {}, remote: {}, dtls-session: {}]", deviceId, peer.address(), dtlsSessionId);
  }

  /** A request arrived: remembers where the device is now (its address may change under a connection ID). */
  void heard(DevicePeer latest) {
    peer = latest;
    lastHeardNanos = System.nanoTime();
  }

  boolean isIdleSince(long nanos) {
    return lastHeardNanos - nanos < 0;
  }

  boolean isClosed() {
    return closed;
  }

  String dtlsSessionId() {
    return dtlsSessionId;
  }

  /** {@code POST /e/{name}}: the same checks as MQTT's {@code e/{name}}, answered with a CoAP code. */
  Future<CoapReply> onEvent(String name, byte[] data, boolean confirmable) {
    if (!rateLimit.tryAcquire()) {
      return refuse(Kind.OVERLOADED, "more than the allowed requests per second; slow down");
    }
    if (!DeviceEvent.isValidName(name, 0)) {
      return refuse(Kind.BAD_TOPIC, "event name must be 1 to " + DeviceEvent.MAX_NAME_LENGTH + " characters, none of them control characters");
    }
    if (name.startsWith(STATUS_EVENT)) {
      return refuse(Kind.NOT_ALLOWED, "spark/status is the cloud's own event: a device cannot publish it");
    }
    if (data.length > DeviceEvent.MAX_DATA_BYTES) {
      return refuse(Kind.PAYLOAD_TOO_LARGE, "event data is " + data.length + " bytes; the limit is " + DeviceEvent.MAX_DATA_BYTES);
    }
    String text;
    try {
      text = data.length == 0 ? null : utf8.decode(ByteBuffer.wrap(data)).toString();
    } catch (CharacterCodingException e) {
      return refuse(Kind.MALFORMED_PAYLOAD, "event data must be UTF-8 text");
    }
    DeviceEvent event = new DeviceEvent(deviceId, name, text, System.currentTimeMillis(), DeviceEvent.DEFAULT_TTL, false);
    metrics.eventReceived();
    if (!confirmable) {
      hub.publish(event);
      return Future.succeededFuture(CoapReply.of(ResponseCode.CHANGED));
    }
    // a confirmable event is answered only once the hub has written it: a 2.04 survives a crash of this node
    return hub.publishDurably(event).transform(written -> {
      if (written.succeeded()) {
        return Future.succeededFuture(CoapReply.of(ResponseCode.CHANGED));
      }
      DeviceFailure failure = DeviceFailure.from(written.cause());
      metrics.eventRejected(failure.kind());
      LOG.warn("event not written [device-id: {}, reason: {}]", deviceId, failure.getMessage());
      return Future.succeededFuture(CoapReplies.refusal(failure.kind(), failure.getMessage()));
    });
  }

  /** {@code POST /d}: the device's functions and variables. */
  Future<CoapReply> onDescribe(byte[] payload) {
    if (!rateLimit.tryAcquire()) {
      return refuse(Kind.OVERLOADED, "more than the allowed requests per second; slow down");
    }
    try {
      hub.describe(DeviceDescription.parse(deviceId, new String(payload, StandardCharsets.UTF_8)));
      return Future.succeededFuture(CoapReply.of(ResponseCode.CHANGED));
    } catch (DeviceFailure failure) {
      return refuse(failure.kind(), failure.getMessage());
    }
  }

  /** {@code POST /h}: the handshake; the answer says whether an update follows (section 8.4). */
  Future<CoapReply> onHandshake(byte[] payload) {
    Handshake handshake;
    try {
      handshake = Handshake.parse(new String(payload, StandardCharsets.UTF_8));
    } catch (DeviceFailure failure) {
      return refuse(failure.kind(), failure.getMessage());
    }
    config.onHandshake(handshake);
    return firmware.onHandshake(handshake).transform(answered -> answered.succeeded()
        ? Future.succeededFuture(new CoapReply(ResponseCode.CHANGED, answered.result().toBuffer().getBytes()))
        : refuse(DeviceFailure.from(answered.cause()).kind(), answered.cause().getMessage()));
  }

  /** {@code GET /fw/{version}}: the offered binary, whole; the resource cuts the Block2 block asked for. */
  Future<CoapReply> onFirmware(int version) {
    byte[] binary = firmware.binary(version);
    return Future.succeededFuture(binary == null
        ? CoapReply.of(ResponseCode.FORBIDDEN, "version " + version + " is not offered to this device: POST /h first")
        : new CoapReply(ResponseCode.CONTENT, binary));
  }

  /** {@code POST /cfg/ack}. */
  Future<CoapReply> onConfigAck(byte[] payload) {
    try {
      config.onAck(io.vertx.core.buffer.Buffer.buffer(payload));
      return Future.succeededFuture(CoapReply.of(ResponseCode.CHANGED));
    } catch (DeviceFailure failure) {
      return refuse(failure.kind(), failure.getMessage());
    }
  }

  /** {@code POST /fw/result}. */
  Future<CoapReply> onFirmwareResult(byte[] payload) {
    try {
      firmware.onResult(payload);
      return Future.succeededFuture(CoapReply.of(ResponseCode.CHANGED));
    } catch (DeviceFailure failure) {
      return refuse(failure.kind(), failure.getMessage());
    }
  }

  private Future<CoapReply> refuse(Kind kind, String reason) {
    metrics.eventRejected(kind);
    LOG.debug("request refused [device-id: {}, reason: {}, detail: {}]", deviceId, kind.metricName(), reason);
    return Future.succeededFuture(CoapReplies.refusal(kind, reason));
  }

  @Override
  public Future<String> request(DeviceCommand command) {
    Promise<String> answer = Promise.promise();
    context.runOnContext(ignored -> send(command, answer));
    return answer.future();
  }

  /**
   * The cloud's request goes to the device's own resources over the same DTLS session: {@code POST
   * /f/{name}}, {@code GET /v/{name}}, {@code PUT /s}. Runs on this session's context.
   */
  private void send(DeviceCommand command, Promise<String> answer) {
    if (closed) {
      answer.fail(new DeviceFailure(Kind.DEVICE_OFFLINE, "device is offline"));
      return;
    }
    if (inFlight.size() >= MAX_IN_FLIGHT) {
      answer.fail(DeviceSession.tooManyInFlight());
      return;
    }
    if (command.kind() == DeviceCommand.Kind.CONFIG_CHECK) {
      config.check(command.argument()).onComplete(checked -> {
        if (checked.succeeded()) {
          answer.complete(checked.result());
        } else {
          answer.fail(DeviceFailure.from(checked.cause()));
        }
      });
      return;
    }
    if (command.kind() == DeviceCommand.Kind.FIRMWARE_CHECK) {
      // "flash now": the answer to the last handshake again, sent to the device's own /h (section 8.4)
      firmware.check().onComplete(checked -> {
        if (checked.failed()) {
          answer.fail(DeviceFailure.from(checked.cause()));
        } else if (checked.result() == null) {
          answer.complete("no_handshake");
        } else {
          boolean update = checked.result().getBoolean("firmware_update");
          peer.request(Code.PUT, "h", checked.result().toBuffer().getBytes());
          answer.complete(update ? "started" : "current");
        }
      });
      return;
    }
    String argument = command.argument() == null ? "" : command.argument();
    CompletableFuture<CoapReply> call = switch (command.kind()) {
      case FUNCTION -> peer.request(Code.POST, "f/" + command.name(), argument.getBytes(StandardCharsets.UTF_8));
      case VARIABLE -> peer.request(Code.GET, "v/" + command.name(), null);
      case SIGNAL -> peer.request(Code.PUT, "s", argument.getBytes(StandardCharsets.UTF_8));
      case FIRMWARE_CHECK, CONFIG_CHECK -> throw new IllegalStateException("answered above");
    };
    inFlight.add(call);
    long timer = context.owner().setTimer(command.timeoutMillis(), id -> call.cancel(false));
    call.whenComplete((reply, error) -> context.runOnContext(ignored -> {
      inFlight.remove(call);
      context.owner().cancelTimer(timer);
      if (reply != null && reply.isSuccess()) {
        answer.tryComplete(command.kind() == DeviceCommand.Kind.SIGNAL ? "" : reply.text());
      } else if (reply != null) {
        answer.tryFail(new DeviceFailure(Kind.NOT_ALLOWED, "the device answered " + reply.code() + " " + reply.text()));
      } else if (call.isCancelled()) {
        answer.tryFail(closed
            ? new DeviceFailure(Kind.DEVICE_OFFLINE, "the device went offline before answering")
            : new DeviceFailure(Kind.DEVICE_TIMEOUT, "the device did not answer within " + command.timeoutMillis() + " ms"));
      } else {
        answer.tryFail(new DeviceFailure(Kind.DEVICE_TIMEOUT, error.getMessage()));
      }
    }));
  }

  /** Ends the session: idle, DTLS session gone, or the listener stopping. Reports it offline if it was live. */
  void close(String reason) {
    if (closed) {
      return;
    }
    closed = true;
    for (CompletableFuture<CoapReply> call : List.copyOf(inFlight)) {
      call.cancel(false);
    }
    onClosed.accept(this);
    long closedAt = System.currentTimeMillis();
    sessions.unregister(this).onSuccess(current -> {
      if (current) {
        hub.notifySession(new SessionNotice(deviceId, sessionId, sessions.nodeId(), SessionNotice.State.CLOSED, PROTOCOL, remoteAddress(), closedAt));
        LOG.debug("offline [device-id: {}, reason: {}]", deviceId, reason);
      }
    });
  }

  @Override
  public void closeForTakeover() {
    context.runOnContext(ignored -> {
      if (!closed) {
        LOG.info("session taken over [device-id: {}, remote: {}]", deviceId, peer.address());
        close("taken over");
      }
    });
  }

  private String remoteAddress() {
    return peer.address() == null ? null : peer.address().getAddress().getHostAddress();
  }

  @Override
  public String deviceId() {
    return deviceId;
  }

  @Override
  public String sessionId() {
    return sessionId;
  }

  @Override
  public String protocol() {
    return PROTOCOL;
  }
}
