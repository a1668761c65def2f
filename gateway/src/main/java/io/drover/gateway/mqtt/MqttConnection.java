package io.drover.gateway.mqtt;

import io.drover.gateway.contract.AuthenticatedDevice;
import io.drover.gateway.contract.AuthenticationRequest;
import io.drover.gateway.contract.CertificateAuthentication;
import io.drover.gateway.contract.CertificateRefusal;
import io.drover.gateway.contract.DeviceCommand;
import io.drover.gateway.contract.DeviceFailure;
import io.drover.gateway.contract.DeviceFailure.Kind;
import io.drover.gateway.contract.DeviceIds;
import io.drover.gateway.handshake.FirmwareOffer;
import io.drover.gateway.handshake.HandshakeAnswer;
import io.drover.gateway.handshake.TrackerConfigPush;
import io.drover.gateway.pipeline.DeviceCall;
import io.drover.gateway.pipeline.DeviceLink;
import io.drover.gateway.pipeline.LiveSession;
import io.drover.gateway.pipeline.SessionPipeline;
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
import java.nio.charset.StandardCharsets;
import java.security.cert.Certificate;
import java.security.cert.CertificateEncodingException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One device's MQTT connection: decodes its packets into the steps of its {@link LiveSession}, and
 * encodes the session's messages as publishes on the device's topics (docs/device-protocol.md). All
 * methods run on the event loop of the listener instance that accepted the connection.
 */
final class MqttConnection implements DeviceLink {

  static final String PROTOCOL = "mqtt";
  private static final Logger LOG = LoggerFactory.getLogger(MqttConnection.class);
  /**
   * What vertx-mqtt 5.0.7's endpoint throws (IllegalArgumentExceptions) for a call once it is closed: once
   * this connection accepted it, "not accepted yet" means that it was closed since.
   */
  private static final Set<String> ENDPOINT_CLOSED = Set.of("MQTT endpoint is closed", "Connection not accepted yet");

  private final MqttEndpoint endpoint;
  private final Context context;
  private final SessionPipeline pipeline;
  private final int maxMessageSize;
  private final String remoteAddress;
  /** The connections of the listener instance that accepted this one. */
  private final AtomicInteger held;
  /** Granted filters and their QoS, in the order granted; a device has one or two. */
  private final List<String> subscriptions = new ArrayList<>(2);
  private final List<MqttQoS> subscriptionQos = new ArrayList<>(2);
  /** Calls sent on {@code c/f/...} and {@code c/v/...} awaiting their {@code r/{id}}, by request ID. */
  private final Map<String, Promise<String>> pending = new HashMap<>(4);
  private long requestCounter;
  private String deviceId;
  private LiveSession session;
  private boolean holdsBudget;
  /** This connection is no longer counted in {@link #held}. */
  private boolean released;
  private boolean closed;

  MqttConnection(MqttEndpoint endpoint, Context context, SessionPipeline pipeline, int maxMessageSize, AtomicInteger held) {
    this.endpoint = endpoint;
    this.held = held;
    this.context = context;
    this.pipeline = pipeline;
    this.maxMessageSize = maxMessageSize;
    this.remoteAddress = endpoint.remoteAddress() == null ? null : endpoint.remoteAddress().host();
  }

  /**
   * The CONNECT has arrived (MQTT 3.1.1 section 3.1): the client identifier is the device ID. Over TLS
   * with a client certificate, the certificate authenticates the device and must name that ID; a
   * password is not needed and, if sent, not checked. Otherwise the user name repeats the ID and the
   * password is the device secret. Either way a user name must be the device ID (vertx-mqtt shows a
   * user name only together with a password, so one sent alone is not seen).
   */
  void open() {
    held.incrementAndGet();
    endpoint.closeHandler(ignored -> onClosed());
    if (!pipeline.budget().tryAcquire()) {
      refuseConnect(Kind.OVERLOADED, "this gateway holds its limit of " + pipeline.budget().limit() + " connections");
      return;
    }
    holdsBudget = true;
    endpoint.exceptionHandler(error -> LOG.debug("connection error [device-id: {}, remote: {}]", deviceId, remoteAddress, error));
    String id = DeviceIds.normalize(endpoint.clientIdentifier());
    if (id == null) {
      refuseConnect(Kind.MALFORMED_IDENTITY, "client identifier is not a 24-hex-digit device ID");
      return;
    }
    deviceId = id;
    MqttAuth auth = endpoint.auth();
    if (auth != null && auth.getUsername() != null && !id.equals(DeviceIds.normalize(auth.getUsername()))) {
      refuseConnect(Kind.BAD_CREDENTIALS, "user name must be the device ID");
      return;
    }
    List<byte[]> certificates = presentedCertificates();
    Future<AuthenticatedDevice> authenticated;
    if (certificates != null) {
      if (certificates.isEmpty()) {
        refuseConnect(CertificateRefusal.MALFORMED.failure("the presented certificates cannot be encoded"));
        return;
      }
      authenticated = pipeline.authenticateCertificate(new CertificateAuthentication(certificates, id, PROTOCOL, remoteAddress));
    } else if (auth == null || auth.getPassword() == null) {
      refuseConnect(Kind.BAD_CREDENTIALS, "user name must be the device ID and password its secret");
      return;
    } else {
      authenticated = pipeline.authenticate(new AuthenticationRequest(id, auth.getPassword(), PROTOCOL, remoteAddress));
    }
    authenticated.onComplete(result -> {
      if (result.succeeded()) {
        accept(result.result());
      } else {
        refuseConnect(DeviceFailure.from(result.cause()));
      }
    });
  }

  /**
   * The certificate chain the client presented in the TLS handshake, DER, its own first; null over
   * plain TCP or when it presented none; empty when one cannot be encoded.
   */
  private List<byte[]> presentedCertificates() {
    SSLSession tls = endpoint.isSsl() ? endpoint.sslSession() : null;
    if (tls == null) {
      return null;
    }
    Certificate[] chain;
    try {
      chain = tls.getPeerCertificates();
    } catch (SSLPeerUnverifiedException none) {
      return null;
    }
    List<byte[]> der = new ArrayList<>(chain.length);
    try {
      for (Certificate certificate : chain) {
        der.add(certificate.getEncoded());
      }
    } catch (CertificateEncodingException e) {
      return List.of();
    }
    return der;
  }

  private void accept(AuthenticatedDevice device) {
    // the client went away while the hub was answering, or sent a second CONNECT
    if (onEndpoint(this::acceptOnEndpoint)) {
      session = pipeline.open(device.deviceId(), context, this);
    }
  }

  private void acceptOnEndpoint() {
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
      onEndpoint(() -> endpoint.unsubscribeAcknowledge(message.messageId()));
    });
    if (endpoint.protocolVersion() == MqttReplies.MQTT_5) {
      // tells the device the largest packet it may send (MQTT 5 section 3.2.2.3.6) and that QoS 2 is not needed
      MqttProperties limits = new MqttProperties();
      limits.add(new MqttProperties.IntegerProperty(MqttProperties.MqttPropertyType.MAXIMUM_PACKET_SIZE.value(), maxMessageSize));
      endpoint.accept(false, limits);
    } else {
      endpoint.accept(false);
    }
  }

  private void refuseConnect(Kind kind, String reason) {
    refuseConnect(new DeviceFailure(kind, reason));
  }

  /**
   * Answers the CONNECT with its refusal, which closes the connection, and gives back what it holds at
   * once: a CONNECT of an unacceptable protocol level right behind this one makes vertx-mqtt report the
   * close to another endpoint, never to this one.
   */
  private void refuseConnect(DeviceFailure failure) {
    pipeline.connectRefused(failure, deviceId, remoteAddress);
    onEndpoint(() -> endpoint.reject(MqttReplies.connectRefusal(failure.kind(), endpoint.protocolVersion())));
    onClosed();
  }

  /** Decodes a PUBLISH into its step by topic; the step's outcome becomes the acknowledgement. */
  private void onPublish(MqttPublishMessage message) {
    String topic = message.topicName();
    Future<?> step;
    if (topic.startsWith(MqttTopics.EVENT_PREFIX)) {
      step = session.onEvent(topic.substring(MqttTopics.EVENT_PREFIX.length()), message.payload(), message.qosLevel() != MqttQoS.AT_MOST_ONCE);
    } else if (topic.startsWith(MqttTopics.REPLY_PREFIX)) {
      onReply(topic.substring(MqttTopics.REPLY_PREFIX.length()), message.payload());
      step = Future.succeededFuture();
    } else if (topic.equals(MqttTopics.DESCRIBE)) {
      step = session.onDescribe(message.payload());
    } else if (topic.equals(MqttTopics.HANDSHAKE)) {
      step = session.onHandshake(message.payload());
    } else if (topic.startsWith(MqttTopics.FIRMWARE_PREFIX)) {
      step = session.onFirmwareStep(topic.substring(MqttTopics.FIRMWARE_PREFIX.length()), message.payload());
    } else if (topic.equals(MqttTopics.CONFIG_ACK)) {
      step = session.onTrackerConfigAck(message.payload());
    } else {
      step = session.onUnknown("topic");
    }
    step.onComplete(done -> {
      if (done.succeeded()) {
        acknowledge(message);
      } else {
        refusePublish(message, DeviceFailure.from(done.cause()));
      }
    });
  }

  /** The answer to a request this connection sent; a late or unknown one is dropped. */
  private void onReply(String requestId, Buffer payload) {
    Promise<String> answer = pending.remove(requestId);
    if (answer == null) {
      LOG.debug("reply to no pending request [device-id: {}, request: {}]", deviceId, requestId);
      return;
    }
    answer.tryComplete(payload.toString(StandardCharsets.UTF_8));
  }

  private void acknowledge(MqttPublishMessage message) {
    // QoS 0 has nothing to acknowledge; a PUBACK without a packet ID would throw, and the throw
    // would keep a QoS 0 answer on r/... from ever reaching its caller
    if (message.qosLevel() == MqttQoS.AT_MOST_ONCE) {
      return;
    }
    if (message.qosLevel() == MqttQoS.EXACTLY_ONCE) {
      onEndpoint(() -> endpoint.publishReceived(message.messageId()));
    } else {
      onEndpoint(() -> endpoint.publishAcknowledge(message.messageId()));
    }
  }

  /**
   * Maps a refusal to MQTT. One the device may retry ({@link Kind#deviceMayRetry()}: the hub could not
   * store it now): MQTT 5 says so in the PUBACK; MQTT 3.1.1 has no negative acknowledgement, so the
   * connection is closed and the device resends the unacknowledged message when it reconnects (section
   * 4.4). Any other refusal is final: acknowledged (with the reason under MQTT 5) so it is not resent,
   * and explained on {@code c/err} to a device that subscribed to it. The session goes on.
   */
  private void refusePublish(MqttPublishMessage message, DeviceFailure failure) {
    if (closed) {
      return;
    }
    boolean v5 = endpoint.protocolVersion() == MqttReplies.MQTT_5;
    if (failure.kind().deviceMayRetry()) {
      if (message.qosLevel() == MqttQoS.AT_MOST_ONCE) {
        return;
      }
      if (v5 && message.qosLevel() == MqttQoS.AT_LEAST_ONCE) {
        onEndpoint(() -> endpoint.publishAcknowledge(message.messageId(), MqttReplies.publishRefusal(failure.kind()),
            reasonString(failure.getMessage())));
      } else if (onEndpoint(endpoint::close)) {
        // closed at once: the refusals of the messages still in flight on this connection must not touch it
        closed = true;
      }
      return;
    }
    if (message.qosLevel() == MqttQoS.AT_LEAST_ONCE) {
      if (v5) {
        onEndpoint(() -> endpoint.publishAcknowledge(message.messageId(), MqttReplies.publishRefusal(failure.kind()),
            reasonString(failure.getMessage())));
      } else {
        onEndpoint(() -> endpoint.publishAcknowledge(message.messageId()));
      }
    } else if (message.qosLevel() == MqttQoS.EXACTLY_ONCE) {
      onEndpoint(() -> endpoint.publishReceived(message.messageId()));
    }
    publish(MqttTopics.ERROR_NOTICE, new JsonObject()
        .put("topic", message.topicName())
        .put("error", failure.kind().metricName())
        .put("message", failure.getMessage())
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
    onEndpoint(() -> endpoint.subscribeAcknowledge(message.messageId(), granted, MqttProperties.NO_PROPERTIES));
  }

  /**
   * Publishes a cloud-to-device message at the QoS the device was granted for it.
   *
   * @return false when the connection is closed or the device subscribed to no filter that matches
   */
  private boolean publish(String topic, Buffer payload) {
    if (closed) {
      return false;
    }
    for (int i = 0; i < subscriptions.size(); i++) {
      if (MqttTopics.matches(subscriptions.get(i), topic)) {
        MqttQoS qos = subscriptionQos.get(i);
        return onEndpoint(() -> endpoint.publish(topic, payload, qos, false, false));
      }
    }
    return false;
  }

  // --- DeviceLink: the session's messages as publishes on c/... ---

  @Override
  public FirmwareDelivery firmwareDelivery() {
    return FirmwareDelivery.PUSH;
  }

  @Override
  public String remoteAddress() {
    return remoteAddress;
  }

  @Override
  public boolean sendHandshakeAnswer(HandshakeAnswer answer) {
    return publish(MqttTopics.HANDSHAKE_ANSWER, answer.toJson().toBuffer());
  }

  @Override
  public boolean sendFirmwareOffer(FirmwareOffer offer) {
    return publish(MqttTopics.FIRMWARE_OFFER, offer.toJson().toBuffer());
  }

  @Override
  public boolean sendFirmwareChunk(int offset, long crc32, Buffer chunk) {
    return publish(MqttTopics.firmwareChunk(offset, crc32), chunk);
  }

  @Override
  public boolean sendTrackerConfig(TrackerConfigPush push) {
    return publish(MqttTopics.TRACKER_CONFIG, push.toJson().toBuffer());
  }

  /** {@code c/f/{name}/{id}} and {@code c/v/{name}/{id}} are answered on {@code r/{id}}; {@code c/s} is not answered. */
  @Override
  public DeviceCall call(DeviceCommand command) {
    String argument = command.argument() == null ? "" : command.argument();
    if (command.kind() == DeviceCommand.Kind.SIGNAL) {
      return publish(MqttTopics.SIGNAL, Buffer.buffer(argument)) ? DeviceCall.answered("") : DeviceCall.failed(notListening());
    }
    String requestId = Long.toString(++requestCounter, 36);
    String prefix = command.kind() == DeviceCommand.Kind.FUNCTION ? MqttTopics.FUNCTION_PREFIX : MqttTopics.VARIABLE_PREFIX;
    if (!publish(prefix + command.name() + "/" + requestId, Buffer.buffer(argument))) {
      return DeviceCall.failed(notListening());
    }
    Promise<String> answer = Promise.promise();
    pending.put(requestId, answer);
    return DeviceCall.of(answer.future(), () -> pending.remove(requestId));
  }

  /**
   * Closes the connection and ends its part at once, without waiting for the close to be reported: a
   * connection vertx-mqtt 5.0.7 already closed may never report it (a second CONNECT of an unacceptable
   * protocol level is refused by an endpoint made for that, which alone hears of the close), and the
   * takeover by the device's next session is then the only way its session ends.
   */
  @Override
  public void closeTakenOver() {
    if (endpoint.protocolVersion() == MqttReplies.MQTT_5) {
      // sends DISCONNECT 0x8E (MQTT 5 section 3.14.2.1) and closes the connection itself
      onEndpoint(() -> endpoint.disconnect(MqttDisconnectReasonCode.SESSION_TAKEN_OVER, MqttProperties.NO_PROPERTIES));
    } else {
      onEndpoint(endpoint::close);
    }
    onClosed();
  }

  /**
   * Makes a call on the endpoint, unless the connection is closed. vertx-mqtt closes the endpoint itself
   * when a second CONNECT arrives (MQTT 3.1.1 section 3.1.0-2) and reports the close only once the socket
   * is gone; a call in between throws. The connection is then closed as far as this one is concerned.
   *
   * @return false when the connection is closed, and the call was not made
   */
  private boolean onEndpoint(Runnable call) {
    if (closed) {
      return false;
    }
    try {
      call.run();
      return true;
    } catch (IllegalArgumentException refused) {
      if (!ENDPOINT_CLOSED.contains(refused.getMessage())) {
        throw refused;
      }
      LOG.debug("endpoint closed by vertx-mqtt before its close was reported [device-id: {}, remote: {}]", deviceId, remoteAddress);
      onClosed();
      return false;
    }
  }

  /** The connection is closed, or is being closed: ends the session and gives back what it holds, once. */
  private void onClosed() {
    closed = true;
    if (released) {
      return;
    }
    released = true;
    held.decrementAndGet();
    if (holdsBudget) {
      holdsBudget = false;
      pipeline.budget().release();
    }
    pending.clear();
    if (session != null) {
      session.close("connection closed");
    }
  }

  private static DeviceFailure notListening() {
    return new DeviceFailure(Kind.NOT_ALLOWED, "the device does not listen for requests (it has not subscribed to c/#)");
  }

  private static MqttProperties reasonString(String reason) {
    MqttProperties properties = new MqttProperties();
    properties.add(new MqttProperties.StringProperty(MqttProperties.MqttPropertyType.REASON_STRING.value(), reason));
    return properties;
  }
}
