package io.drover.gateway.mqtt;

import io.drover.gateway.contract.AuthenticatedDevice;
import io.drover.gateway.contract.AuthenticationRequest;
import io.drover.gateway.contract.DeviceEvent;
import io.drover.gateway.contract.DeviceFailure;
import io.drover.gateway.contract.DeviceFailure.Kind;
import io.drover.gateway.contract.DeviceIds;
import io.drover.gateway.contract.SessionNotice;
import io.drover.gateway.session.DeviceSession;
import io.drover.gateway.session.DeviceSessions;
import io.drover.gateway.session.GatewayMetrics;
import io.drover.gateway.session.HubClient;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.Context;
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
import java.util.List;
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
  private final GatewayMetrics metrics;
  private final String sessionId;
  private final String remoteAddress;
  private final List<String> subscriptions = new ArrayList<>(2);
  private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
      .onMalformedInput(CodingErrorAction.REPORT)
      .onUnmappableCharacter(CodingErrorAction.REPORT);

  private String deviceId;
  private boolean accepted;
  private boolean closed;

  MqttDeviceSession(MqttEndpoint endpoint, Context context, DeviceSessions sessions, HubClient hub, GatewayMetrics metrics) {
    this.endpoint = endpoint;
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
      subscriptions.removeAll(message.topics());
      endpoint.unsubscribeAcknowledge(message.messageId());
    });
    sessions.register(this);
    accepted = true;
    endpoint.accept(false);
    metrics.connectAccepted();
    hub.notifySession(new SessionNotice(device.deviceId(), sessionId, SessionNotice.State.OPENED, PROTOCOL, remoteAddress, System.currentTimeMillis()));
    LOG.debug("connected [device-id: {}, remote: {}, mqtt: {}]", deviceId, remoteAddress, endpoint.protocolVersion());
  }

  private void refuseConnect(Kind kind, String reason) {
    metrics.connectRejected(kind);
    LOG.info("connect refused [device-id: {}, remote: {}, reason: {}, detail: {}]", deviceId, remoteAddress, kind.metricName(), reason);
    if (!closed) {
      endpoint.reject(MqttReplies.connectRefusal(kind, endpoint.protocolVersion()));
    }
  }

  private void onPublish(MqttPublishMessage message) {
    String topic = message.topicName();
    if (!topic.startsWith(MqttTopics.EVENT_PREFIX)) {
      refusePublish(message, Kind.BAD_TOPIC, "unknown topic; events go to e/{name}");
      return;
    }
    if (!MqttTopics.isValidEventName(topic, MqttTopics.EVENT_PREFIX.length())) {
      refusePublish(message, Kind.BAD_TOPIC,
          "event name must be 1 to " + DeviceEvent.MAX_NAME_LENGTH + " characters, none of them control characters");
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
    if (closed) {
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
        if (!subscriptions.contains(filter)) {
          subscriptions.add(filter);
        }
        // The cloud sends at QoS 0 or 1; QoS 2 is granted as 1 (MQTT 3.1.1 section 3.9.3).
        MqttQoS qos = subscription.qualityOfService() == MqttQoS.AT_MOST_ONCE ? MqttQoS.AT_MOST_ONCE : MqttQoS.AT_LEAST_ONCE;
        granted.add(MqttSubAckReasonCode.qosGranted(qos));
      } else {
        granted.add(endpoint.protocolVersion() == MqttReplies.MQTT_5 ? MqttSubAckReasonCode.TOPIC_FILTER_INVALID : MqttSubAckReasonCode.UNSPECIFIED_ERROR);
      }
    }
    endpoint.subscribeAcknowledge(message.messageId(), granted, MqttProperties.NO_PROPERTIES);
  }

  /** Publishes a cloud-to-device message, if the device subscribed to a filter that matches it. */
  private void sendToDevice(String topic, Buffer payload) {
    for (String filter : subscriptions) {
      if (MqttTopics.matches(filter, topic)) {
        endpoint.publish(topic, payload, MqttQoS.AT_MOST_ONCE, false, false);
        return;
      }
    }
  }

  private void onClosed() {
    closed = true;
    if (accepted && sessions.unregister(this)) {
      hub.notifySession(new SessionNotice(deviceId, sessionId, SessionNotice.State.CLOSED, PROTOCOL, remoteAddress, System.currentTimeMillis()));
      LOG.debug("disconnected [device-id: {}]", deviceId);
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
        endpoint.disconnect(MqttDisconnectReasonCode.SESSION_TAKEN_OVER, MqttProperties.NO_PROPERTIES);
      }
      endpoint.close();
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

  private static MqttProperties reasonString(String reason) {
    MqttProperties properties = new MqttProperties();
    properties.add(new MqttProperties.StringProperty(MqttProperties.MqttPropertyType.REASON_STRING.value(), reason));
    return properties;
  }
}
