package io.drover.gateway.mqtt;

import io.drover.gateway.contract.AuthenticatedDevice;
import io.drover.gateway.contract.AuthenticationRequest;
import io.drover.gateway.config.ConfigClient;
import io.drover.gateway.config.SessionConfig;
import io.drover.gateway.contract.DeviceCommand;
import io.drover.gateway.contract.DeviceDescription;
import io.drover.gateway.contract.DeviceEvent;
import io.drover.gateway.contract.DeviceFailure;
import io.drover.gateway.contract.DeviceFailure.Kind;
import io.drover.gateway.contract.DeviceIds;
import io.drover.gateway.contract.SessionNotice;
import io.drover.gateway.firmware.FirmwareClient;
import io.drover.gateway.firmware.FirmwareLink;
import io.drover.gateway.firmware.Handshake;
import io.drover.gateway.firmware.SessionFirmware;
import io.drover.gateway.session.ConnectionBudget;
import io.drover.gateway.session.DeviceSession;
import io.drover.gateway.session.DeviceSessions;
import io.drover.gateway.session.GatewayMetrics;
import io.drover.gateway.session.HubClient;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.mqtt.MqttAuth;
import io.vertx.mqtt.MqttEndpoint;
import io.vertx.mqtt.MqttTopicSubscription;
import io.vertx.mqtt.messages.MqttPublishMessage;
import io.vertx.mqtt.messages.MqttSubscribeMessage;
import io.vertx.mqtt.messages.codes.MqttDisconnectReasonCode;
import io.vertx.mqtt.messages.codes.MqttSubAckReasonCode;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One device's MQTT connection: authenticate, then publish events. All methods run on the listener's
 * event loop (the endpoint's context), except {@link #closeForTakeover()}, which hops onto it.
 */
final class MqttDeviceSession implements DeviceSession {

  static final String PROTOCOL = "mqtt";
  private static final Logger LOG = LoggerFactory.getLogger(MqttDeviceSession.class);

  private final MqttEndpoint endpoint;
  private final Context context;
  private final DeviceSessions sessions;
  private final HubClient hub;
  private final FirmwareClient firmwareHub;
  private final ConfigClient configHub;
  private final GatewayMetrics metrics;
  private final int maxMessageSize;
  private final ConnectionBudget budget;
  private final String sessionId;
  private final String remoteAddress;
  /** Granted filters and their QoS, in the order granted; a device has one or two. */
  private final List<String> subscriptions = new ArrayList<>(2);
  private final List<MqttQoS> subscriptionQos = new ArrayList<>(2);
  /** Requests sent to the device and not yet answered, by request ID; at most MAX_IN_FLIGHT. */
  private final Map<String, PendingRequest> pending = new HashMap<>();
  private long requestCounter;
  private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
      .onMalformedInput(CodingErrorAction.REPORT)
      .onUnmappableCharacter(CodingErrorAction.REPORT);

  private String deviceId;
  /** Set once accepted: the handshake and any firmware update of this session. */
  private SessionFirmware firmware;
  /** Set once accepted: the Asset Tracker settings of this session. */
  private SessionConfig config;
  private boolean accepted;
  private boolean closed;

  MqttDeviceSession(MqttEndpoint endpoint, Context context, DeviceSessions sessions, HubClient hub, FirmwareClient firmwareHub,
      ConfigClient configHub, GatewayMetrics metrics, int maxMessageSize, ConnectionBudget budget) {
    this.firmwareHub = firmwareHub;
    this.configHub = configHub;
    this.endpoint = endpoint;
    this.maxMessageSize = maxMessageSize;
    this.budget = budget;
    this.context = context;
    this.sessions = sessions;
    this.hub = hub;
    this.metrics = metrics;
    this.sessionId = sessions.newSessionId();
    this.remoteAddress = endpoint.remoteAddress() == null ? null : endpoint.remoteAddress().host();
  }

  /**
   * The CONNECT has arrived (MQTT 3.1.1 section 3.1): the client identifier is the device ID, the
   * user name (if any) repeats it, the password is the device secret.
   */
  void open() {
    if (!budget.tryAcquire()) {
      refuseConnect(Kind.OVERLOADED, "this gateway holds its limit of " + budget.limit() + " connections");
      return;
    }
    endpoint.closeHandler(ignored -> onClosed());
    endpoint.exceptionHandler(error -> LOG.debug("connection error [device-id: {}, remote: {}]", deviceId, remoteAddress, error));
    String id = DeviceIds.normalize(endpoint.clientIdentifier());
    if (id == null) {
      refuseConnect(Kind.MALFORMED_IDENTITY, "client identifier is not a 24-hex-digit device ID");
      return;
    }
    MqttAuth auth = endpoint.auth();
    if (auth == null || auth.getPassword() == null || (auth.getUsername() != null && !id.equals(DeviceIds.normalize(auth.getUsername())))) {
      deviceId = id;
      refuseConnect(Kind.BAD_CREDENTIALS, "user name must be the device ID and password its secret");
      return;
    }
    deviceId = id;
    hub.authenticate(new AuthenticationRequest(id, auth.getPassword(), PROTOCOL, remoteAddress))
        .onComplete(result -> {
          if (result.succeeded()) {
            accept(result.result());
          } else {
            refuseConnect(DeviceFailure.from(result.cause()).kind(), result.cause().getMessage());
          }
        });
  }

  private void accept(AuthenticatedDevice device) {
    if (closed) {
      return; // the client went away while the hub was answering
    }
    endpoint.publishAutoAck(false);
    endpoint.subscriptionAutoAck(false);
    endpoint.publishHandler(this::onPublish);
    endpoint.publishReleaseHandler(endpoint::publishComplete);
    endpoint.subscribeHandler(this::onSubscribe);
    endpoint.unsubscribeHandler(message -> {
      for (String filter : message.topics()) {
        int index = subscriptions.indexOf(filter);
        if (index >= 0) {
          subscriptions.remove(index);
          subscriptionQos.remove(index);
        }
      }
      endpoint.unsubscribeAcknowledge(message.messageId());
    });
    FirmwareLink link = new FirmwareLink() {
      @Override
      public boolean send(String topic, Buffer payload) {
        return !closed && sendToDevice(topic, payload);
      }

      @Override
      public void publishEvent(String name, String data) {
        hub.publish(new DeviceEvent(device.deviceId(), name, data, System.currentTimeMillis(), DeviceEvent.DEFAULT_TTL, false));
      }
    };
    firmware = new SessionFirmware(context.owner(), firmwareHub, device.deviceId(), link);
    config = new SessionConfig(configHub, device.deviceId(), link);
    sessions.register(this);
    accepted = true;
    if (endpoint.protocolVersion() == MqttReplies.MQTT_5) {
      // tells the device the largest packet it may send (MQTT 5 section 3.2.2.3.6) and that QoS 2 is not needed
      MqttProperties limits = new MqttProperties();
      limits.add(new MqttProperties.IntegerProperty(MqttProperties.MqttPropertyType.MAXIMUM_PACKET_SIZE.value(), maxMessageSize));
      endpoint.accept(false, limits);
    } else {
      endpoint.accept(false);
    }
    metrics.connectAccepted();
    hub.notifySession(new SessionNotice(device.deviceId(), sessionId, sessions.nodeId(), SessionNotice.State.OPENED, PROTOCOL, remoteAddress, System.currentTimeMillis()));
    LOG.debug("connected [device-id: {}, remote: {}, mqtt: {}]", deviceId, remoteAddress, endpoint.protocolVersion());
  }

  private void refuseConnect(Kind kind, String reason) {
    metrics.connectRejected(kind);
    if (kind == Kind.OVERLOADED) {
      // a reconnect storm past the budget refuses thousands a second: the counter tells, the log does not
      LOG.debug("connect refused [remote: {}, reason: {}, detail: {}]", remoteAddress, kind.metricName(), reason);
    } else {
      LOG.info("connect refused [device-id: {}, remote: {}, reason: {}, detail: {}]", deviceId, remoteAddress, kind.metricName(), reason);
    }
    if (!closed) {
      endpoint.reject(MqttReplies.connectRefusal(kind, endpoint.protocolVersion()));
    }
  }

  private void onPublish(MqttPublishMessage message) {
    String topic = message.topicName();
    if (topic.startsWith(MqttTopics.EVENT_PREFIX)) {
      onEvent(message, topic);
    } else if (topic.startsWith(MqttTopics.REPLY_PREFIX)) {
      onReply(message, topic.substring(MqttTopics.REPLY_PREFIX.length()));
    } else if (topic.equals(MqttTopics.DESCRIBE)) {
      onDescribe(message);
    } else if (topic.equals(MqttTopics.HANDSHAKE)) {
      onHandshake(message);
    } else if (topic.startsWith(MqttTopics.FIRMWARE_PREFIX)) {
      onFirmwareStep(message, topic.substring(MqttTopics.FIRMWARE_PREFIX.length()));
    } else if (topic.equals(MqttTopics.CONFIG_ACK)) {
      onConfigAck(message);
    } else {
      refusePublish(message, Kind.BAD_TOPIC, "unknown topic; see docs/device-protocol.md");
    }
  }

  /** The device declares its functions and variables; the hub keeps them for the API. */
  private void onDescribe(MqttPublishMessage message) {
    DeviceDescription description;
    try {
      description = DeviceDescription.parse(deviceId, message.payload().toString(StandardCharsets.UTF_8));
    } catch (DeviceFailure failure) {
      refusePublish(message, failure.kind(), failure.getMessage());
      return;
    }
    hub.describe(description);
    acknowledge(message);
  }

  /** The handshake: what the device runs; the firmware target is looked up and an update may start. */
  private void onHandshake(MqttPublishMessage message) {
    Handshake handshake;
    try {
      handshake = Handshake.parse(message.payload().toString(StandardCharsets.UTF_8));
    } catch (DeviceFailure failure) {
      refusePublish(message, failure.kind(), failure.getMessage());
      return;
    }
    acknowledge(message);
    firmware.onHandshake(handshake);
    config.onHandshake(handshake);
  }

  private void onConfigAck(MqttPublishMessage message) {
    try {
      config.onAck(message.payload());
    } catch (DeviceFailure failure) {
      refusePublish(message, failure.kind(), failure.getMessage());
      return;
    }
    acknowledge(message);
  }

  private void onFirmwareStep(MqttPublishMessage message, String step) {
    try {
      firmware.onDeviceMessage(step, message.payload());
    } catch (DeviceFailure failure) {
      refusePublish(message, failure.kind(), failure.getMessage());
      return;
    }
    acknowledge(message);
  }

  /** The answer to a request this session sent; a late or unknown one is acknowledged and dropped. */
  private void onReply(MqttPublishMessage message, String requestId) {
    PendingRequest request = pending.remove(requestId);
    acknowledge(message);
    if (request == null) {
      LOG.debug("reply to no pending request [device-id: {}, request: {}]", deviceId, requestId);
      return;
    }
    vertxTimerCancel(request.timer);
    request.answer.tryComplete(message.payload().toString(StandardCharsets.UTF_8));
  }

  private void onEvent(MqttPublishMessage message, String topic) {
    if (!MqttTopics.isValidEventName(topic, MqttTopics.EVENT_PREFIX.length())) {
      refusePublish(message, Kind.BAD_TOPIC,
          "event name must be 1 to " + DeviceEvent.MAX_NAME_LENGTH + " characters, none of them control characters");
      return;
    }
    if (topic.startsWith(MqttTopics.CLOUD_STATUS_EVENT, MqttTopics.EVENT_PREFIX.length())) {
      refusePublish(message, Kind.NOT_ALLOWED, "spark/status is the cloud's own event: a device cannot publish it");
      return;
    }
    Buffer payload = message.payload();
    if (payload.length() > DeviceEvent.MAX_DATA_BYTES) {
      refusePublish(message, Kind.PAYLOAD_TOO_LARGE,
          "event data is " + payload.length() + " bytes; the limit is " + DeviceEvent.MAX_DATA_BYTES);
      return;
    }
    String data;
    try {
      data = payload.length() == 0 ? null : utf8.decode(ByteBuffer.wrap(payload.getBytes())).toString();
    } catch (CharacterCodingException e) {
      refusePublish(message, Kind.MALFORMED_PAYLOAD, "event data must be UTF-8 text");
      return;
    }
    if (data != null && data.indexOf('\u0000') >= 0) {
      // valid UTF-8, but no text store (PostgreSQL included) holds it
      refusePublish(message, Kind.MALFORMED_PAYLOAD, "event data must not contain U+0000");
      return;
    }
    DeviceEvent event = new DeviceEvent(deviceId, topic.substring(MqttTopics.EVENT_PREFIX.length()), data,
        System.currentTimeMillis(), DeviceEvent.DEFAULT_TTL, false);
    metrics.eventReceived();
    if (message.qosLevel() == MqttQoS.AT_MOST_ONCE) {
      hub.publish(event);
      return;
    }
    // QoS 1 and 2 are acknowledged only once the hub has written the event: an acknowledged event
    // survives a crash of this node.
    hub.publishDurably(event).onComplete(written -> {
      if (written.succeeded()) {
        acknowledge(message);
      } else {
        onDurablePublishFailed(message, DeviceFailure.from(written.cause()));
      }
    });
  }

  private void acknowledge(MqttPublishMessage message) {
    // QoS 0 has nothing to acknowledge; a PUBACK without a packet ID would throw, and the throw
    // would keep a QoS 0 answer on r/... from ever reaching its caller
    if (closed || message.qosLevel() == MqttQoS.AT_MOST_ONCE) {
      return;
    }
    if (message.qosLevel() == MqttQoS.EXACTLY_ONCE) {
      endpoint.publishReceived(message.messageId());
    } else {
      endpoint.publishAcknowledge(message.messageId());
    }
  }

  /**
   * The hub could not take the event. MQTT 5 says so in the PUBACK; MQTT 3.1.1 has no negative
   * acknowledgement, so the connection is closed and the device resends the unacknowledged message
   * when it reconnects (section 4.4).
   */
  private void onDurablePublishFailed(MqttPublishMessage message, DeviceFailure failure) {
    metrics.eventRejected(failure.kind());
    LOG.warn("event not written [device-id: {}, reason: {}]", deviceId, failure.getMessage());
    if (closed) {
      return;
    }
    if (endpoint.protocolVersion() == MqttReplies.MQTT_5 && message.qosLevel() == MqttQoS.AT_LEAST_ONCE) {
      endpoint.publishAcknowledge(message.messageId(), MqttReplies.publishRefusal(failure.kind()), reasonString(failure.getMessage()));
    } else {
      endpoint.close();
    }
  }

  /**
   * A message the device must not resend: acknowledged (with the reason under MQTT 5), counted, and
   * explained on {@code c/err} to a device that subscribed to it. The session goes on.
   */
  private void refusePublish(MqttPublishMessage message, Kind kind, String reason) {
    metrics.eventRejected(kind);
    LOG.debug("publish refused [device-id: {}, topic: {}, reason: {}]", deviceId, message.topicName(), reason);
    if (message.qosLevel() == MqttQoS.AT_LEAST_ONCE) {
      if (endpoint.protocolVersion() == MqttReplies.MQTT_5) {
        endpoint.publishAcknowledge(message.messageId(), MqttReplies.publishRefusal(kind), reasonString(reason));
      } else {
        endpoint.publishAcknowledge(message.messageId());
      }
    } else if (message.qosLevel() == MqttQoS.EXACTLY_ONCE) {
      endpoint.publishReceived(message.messageId());
    }
    sendToDevice(MqttTopics.ERROR_NOTICE, new JsonObject()
        .put("topic", message.topicName())
        .put("error", kind.metricName())
        .put("message", reason)
        .toBuffer());
  }

  private void onSubscribe(MqttSubscribeMessage message) {
    List<MqttSubAckReasonCode> granted = new ArrayList<>(message.topicSubscriptions().size());
    for (MqttTopicSubscription subscription : message.topicSubscriptions()) {
      String filter = subscription.topicName();
      if (MqttTopics.isAllowedFilter(filter)) {
        // The cloud sends at QoS 0 or 1; QoS 2 is granted as 1 (MQTT 3.1.1 section 3.9.3).
        MqttQoS qos = subscription.qualityOfService() == MqttQoS.AT_MOST_ONCE ? MqttQoS.AT_MOST_ONCE : MqttQoS.AT_LEAST_ONCE;
        int existing = subscriptions.indexOf(filter);
        if (existing >= 0) {
          subscriptionQos.set(existing, qos);
        } else {
          subscriptions.add(filter);
          subscriptionQos.add(qos);
        }
        granted.add(MqttSubAckReasonCode.qosGranted(qos));
      } else {
        granted.add(endpoint.protocolVersion() == MqttReplies.MQTT_5 ? MqttSubAckReasonCode.TOPIC_FILTER_INVALID : MqttSubAckReasonCode.UNSPECIFIED_ERROR);
      }
    }
    endpoint.subscribeAcknowledge(message.messageId(), granted, MqttProperties.NO_PROPERTIES);
  }

  /**
   * Publishes a cloud-to-device message at the QoS the device was granted for it.
   *
   * @return false when the device subscribed to no filter that matches the topic
   */
  private boolean sendToDevice(String topic, Buffer payload) {
    for (int i = 0; i < subscriptions.size(); i++) {
      if (MqttTopics.matches(subscriptions.get(i), topic)) {
        endpoint.publish(topic, payload, subscriptionQos.get(i), false, false);
        return true;
      }
    }
    return false;
  }

  @Override
  public Future<String> request(DeviceCommand command) {
    Promise<String> answer = Promise.promise();
    context.runOnContext(ignored -> send(command, answer));
    return answer.future();
  }

  /** Runs on this session's context. */
  private void send(DeviceCommand command, Promise<String> answer) {
    if (closed) {
      answer.fail(new DeviceFailure(Kind.DEVICE_OFFLINE, "device is offline"));
      return;
    }
    if (command.kind() == DeviceCommand.Kind.FIRMWARE_CHECK || command.kind() == DeviceCommand.Kind.CONFIG_CHECK) {
      (command.kind() == DeviceCommand.Kind.FIRMWARE_CHECK ? firmware.check() : config.check(command.argument())).onComplete(checked -> {
        if (checked.succeeded()) {
          answer.complete(checked.result());
        } else {
          answer.fail(DeviceFailure.from(checked.cause()));
        }
      });
      return;
    }
    if (command.kind() == DeviceCommand.Kind.SIGNAL) {
      if (sendToDevice(MqttTopics.SIGNAL, Buffer.buffer(command.argument()))) {
        answer.complete("");
      } else {
        answer.fail(notListening());
      }
      return;
    }
    if (pending.size() >= MAX_IN_FLIGHT) {
      answer.fail(DeviceSession.tooManyInFlight());
      return;
    }
    String requestId = Long.toString(++requestCounter, 36);
    String prefix = command.kind() == DeviceCommand.Kind.FUNCTION ? MqttTopics.FUNCTION_PREFIX : MqttTopics.VARIABLE_PREFIX;
    String argument = command.argument() == null ? "" : command.argument();
    if (!sendToDevice(prefix + command.name() + "/" + requestId, Buffer.buffer(argument))) {
      answer.fail(notListening());
      return;
    }
    long timer = context.owner().setTimer(command.timeoutMillis(), id -> {
      if (pending.remove(requestId) != null) {
        answer.tryFail(new DeviceFailure(Kind.DEVICE_TIMEOUT, "the device did not answer within " + command.timeoutMillis() + " ms"));
      }
    });
    pending.put(requestId, new PendingRequest(answer, timer));
  }

  private static DeviceFailure notListening() {
    return new DeviceFailure(Kind.NOT_ALLOWED, "the device does not listen for requests (it has not subscribed to c/#)");
  }

  private void vertxTimerCancel(long timer) {
    context.owner().cancelTimer(timer);
  }

  private void onClosed() {
    closed = true;
    if (firmware != null) {
      firmware.stop();
    }
    budget.release();
    for (PendingRequest request : pending.values()) {
      vertxTimerCancel(request.timer);
      request.answer.tryFail(new DeviceFailure(Kind.DEVICE_OFFLINE, "the device went offline before answering"));
    }
    pending.clear();
    if (accepted) {
      long closedAt = System.currentTimeMillis();
      sessions.unregister(this).onSuccess(current -> {
        if (current) {
          hub.notifySession(new SessionNotice(deviceId, sessionId, sessions.nodeId(), SessionNotice.State.CLOSED, PROTOCOL, remoteAddress, closedAt));
          LOG.debug("disconnected [device-id: {}]", deviceId);
        }
      });
    }
  }

  @Override
  public void closeForTakeover() {
    context.runOnContext(ignored -> {
      if (closed) {
        return;
      }
      LOG.info("session taken over [device-id: {}, remote: {}]", deviceId, remoteAddress);
      if (endpoint.protocolVersion() == MqttReplies.MQTT_5) {
        // sends DISCONNECT 0x8E (MQTT 5 section 3.14.2.1) and closes the connection itself
        endpoint.disconnect(MqttDisconnectReasonCode.SESSION_TAKEN_OVER, MqttProperties.NO_PROPERTIES);
      } else {
        endpoint.close();
      }
    });
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

  private record PendingRequest(Promise<String> answer, long timer) {
  }

  private static MqttProperties reasonString(String reason) {
    MqttProperties properties = new MqttProperties();
    properties.add(new MqttProperties.StringProperty(MqttProperties.MqttPropertyType.REASON_STRING.value(), reason));
    return properties;
  }
}
