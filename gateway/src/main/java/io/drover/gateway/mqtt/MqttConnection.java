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
import io.drover.gateway.log.LogText;
import io.drover.gateway.pipeline.ConnectionClose;
import io.drover.gateway.pipeline.DeviceCall;
import io.drover.gateway.pipeline.DeviceLink;
import io.drover.gateway.pipeline.LiveSession;
import io.drover.gateway.pipeline.SessionPipeline;
import io.drover.gateway.pipeline.WireBytes;
import io.drover.gateway.pipeline.SubscriptionRefusal;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.internal.net.NetSocketInternal;
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
import java.util.function.BiConsumer;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One device's MQTT connection: decodes its packets into the steps of its {@link LiveSession}, and
 * encodes the session's messages as publishes on the device's topics (docs/device-protocol.md). All
 * methods run on the event loop of the listener instance that accepted the connection.
 *
 * <p>Nothing here writes to an endpoint that is closed, whoever closed it (the device, the keep-alive,
 * this class): vertx-mqtt throws for that, and a throw would reach Vert.x as an unhandled exception
 * per message. Every write checks {@link #connected()} first, and closing goes through the socket.
 */
final class MqttConnection implements DeviceLink, MqttOutbound.Listener {

  static final String PROTOCOL = "mqtt";
  /** Topic filters one session may hold; firmware needs one or two ({@code c/#}, or a few of its own). */
  static final int MAX_SUBSCRIPTIONS = 16;
  private static final Logger LOG = LoggerFactory.getLogger(MqttConnection.class);

  private final MqttEndpoint endpoint;
  private final NetSocketInternal socket;
  private final Context context;
  private final SessionPipeline pipeline;
  private final MqttSettings settings;
  private final String remoteAddress;
  /** False when the connection came past the connection budget: its CONNECT is refused "server unavailable". */
  private final boolean admitted;
  /** Where an error of the connection's socket goes: counted, logged (sampled) and closed by the acceptor. */
  private final BiConsumer<String, Throwable> failed;
  /** Made at the first message to the device or acknowledgement: an idle session has sent nothing but its CONNACK. */
  private MqttOutbound outbound;
  /**
   * Granted filters and their QoS, in the order granted; a device has one or two, {@link #MAX_SUBSCRIPTIONS}
   * at most. Made at the first SUBSCRIBE, as {@link #pending} at the first request: an idle session's
   * heap is what bounds a node's session count.
   */
  private List<String> subscriptions;
  private List<MqttQoS> subscriptionQos;
  /** Calls sent on {@code c/f/...} and {@code c/v/...} awaiting their {@code r/{id}}, by request ID; null until the first. */
  private Map<String, Promise<String>> pending;
  private long requestCounter;
  private String deviceId;
  /** The fingerprint of the client certificate the device authenticated with; null when it used its secret. */
  private String certificateFingerprint;
  private LiveSession session;
  private boolean closed;
  /** Durable events the pipeline is offering to the hub again: reading waits for them. */
  private int hubHolds;
  /** Set while the outbound queue is full: reading waits for it to drain. */
  private boolean outboundHold;
  private boolean readingPaused;

  /** What the connection moved on the wire since its accept; counted by {@link WireCounter}. */
  private final WireBytes wireBytes;

  /** @param failed takes the device ID (null before it is known) and the error */
  MqttConnection(MqttEndpoint endpoint, NetSocketInternal socket, Context context, SessionPipeline pipeline, MqttSettings settings, boolean admitted,
      BiConsumer<String, Throwable> failed, WireBytes wireBytes) {
    this.endpoint = endpoint;
    this.wireBytes = wireBytes;
    this.socket = socket;
    this.context = context;
    this.pipeline = pipeline;
    this.settings = settings;
    this.admitted = admitted;
    this.failed = failed;
    this.remoteAddress = socket.remoteAddress() == null ? null : socket.remoteAddress().host();
  }

  /**
   * The CONNECT has arrived (MQTT 3.1.1 section 3.1): the client identifier is the device ID. Over TLS
   * with a client certificate, the certificate authenticates the device and must name that ID; a
   * password is not needed and, if sent, not checked. Otherwise the user name repeats the ID and the
   * password is the device secret. Either way a user name must be the device ID (vertx-mqtt shows a
   * user name only together with a password, so one sent alone is not seen).
   *
   * <p>A client may send packets right after its CONNECT, without awaiting the CONNACK (section 3.1.4):
   * they are not read until the device is authenticated (vertx-mqtt would close the connection for them).
   */
  void open() {
    endpoint.closeHandler(ignored -> onClosed());
    endpoint.exceptionHandler(error -> failed.accept(deviceId, error));
    socket.pause();
    if (!admitted) {
      refuseConnect(Kind.OVERLOADED, "this gateway holds its limit of " + pipeline.budget().limit() + " connections");
      return;
    }
    String id = DeviceIds.normalize(endpoint.clientIdentifier());
    if (id == null) {
      refuseConnect(Kind.MALFORMED_IDENTITY, "client identifier '" + endpoint.clientIdentifier() + "' is not a 24-hex-digit device ID");
      return;
    }
    deviceId = id;
    MqttAuth auth = endpoint.auth();
    ConnectDetails.forget(endpoint); // read: the endpoint need not keep the device's secret for the connection's life
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
      CertificateAuthentication presented = new CertificateAuthentication(certificates, id, PROTOCOL, remoteAddress);
      certificateFingerprint = presented.fingerprint();
      authenticated = pipeline.authenticateCertificate(presented);
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
    if (closed) {
      return; // the client went away while the hub was answering
    }
    try {
      acceptEndpoint();
    } catch (IllegalArgumentException | IllegalStateException endpointClosed) {
      // vertx-mqtt closed the endpoint itself (its keep-alive ran out) before its close reached this class
      socket.close();
      return;
    }
    // the ID this connection holds already (the client identifier's own string), not the hub's copy of it
    session = pipeline.open(device.deviceId().equals(deviceId) ? deviceId : device.deviceId(), certificateFingerprint, context, this);
    socket.resume();
  }

  private void acceptEndpoint() {
    endpoint.publishAutoAck(false);
    endpoint.subscriptionAutoAck(false);
    endpoint.publishHandler(this::onPublish);
    endpoint.publishReleaseHandler(endpoint::publishComplete);
    endpoint.subscribeHandler(this::onSubscribe);
    endpoint.unsubscribeHandler(message -> {
      for (String filter : subscriptions == null ? List.<String>of() : message.topics()) {
        int index = subscriptions.indexOf(filter);
        if (index >= 0) {
          subscriptions.remove(index);
          subscriptionQos.remove(index);
        }
      }
      if (connected()) {
        endpoint.unsubscribeAcknowledge(message.messageId());
      }
    });
    if (endpoint.protocolVersion() == MqttReplies.MQTT_5) {
      // tells the device the largest packet it may send (MQTT 5 section 3.2.2.3.6) and that QoS 2 is not needed
      MqttProperties limits = new MqttProperties();
      limits.add(new MqttProperties.IntegerProperty(MqttProperties.MqttPropertyType.MAXIMUM_PACKET_SIZE.value(), settings.maxMessageSize()));
      endpoint.accept(false, limits);
    } else {
      endpoint.accept(false);
    }
  }

  private void refuseConnect(Kind kind, String reason) {
    refuseConnect(new DeviceFailure(kind, reason));
  }

  private void refuseConnect(DeviceFailure failure) {
    pipeline.connectRefused(failure, deviceId, remoteAddress);
    if (closed) {
      return;
    }
    try {
      endpoint.reject(MqttReplies.connectRefusal(failure.kind(), endpoint.protocolVersion()));
    } catch (IllegalArgumentException | IllegalStateException endpointClosed) {
      // vertx-mqtt closed the endpoint itself (a second CONNECT) before its close reached this class
      socket.close();
    }
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
    Promise<String> answer = pending == null ? null : pending.remove(requestId);
    if (answer == null) {
      LOG.debug("reply to no pending request [device-id: {}, request: {}]", deviceId, LogText.untrusted(requestId));
      return;
    }
    answer.tryComplete(payload.toString(StandardCharsets.UTF_8));
  }

  private void acknowledge(MqttPublishMessage message) {
    // QoS 0 has nothing to acknowledge; a PUBACK without a packet ID would throw, and the throw
    // would keep a QoS 0 answer on r/... from ever reaching its caller
    if (!connected() || message.qosLevel() == MqttQoS.AT_MOST_ONCE) {
      return;
    }
    if (message.qosLevel() == MqttQoS.EXACTLY_ONCE) {
      endpoint.publishReceived(message.messageId());
    } else {
      endpoint.publishAcknowledge(message.messageId());
    }
    outbound().check();
  }

  /**
   * Maps a refusal to MQTT. One the device may retry ({@link Kind#deviceMayRetry()}: the hub could not
   * store it, even when offered again for {@code gateway.overload-retry-ms}): MQTT 5 says so in the
   * PUBACK; MQTT 3.1.1 has no negative acknowledgement, so the connection is closed and the device
   * resends the unacknowledged message when it reconnects (section 4.4). Any other refusal is final:
   * acknowledged (with the reason under MQTT 5) so it is not resent, and explained on {@code c/err} to
   * a device that subscribed to it (unless the device is not reading: then the notice is dropped). The
   * session goes on.
   */
  private void refusePublish(MqttPublishMessage message, DeviceFailure failure) {
    if (!connected()) {
      return;
    }
    boolean v5 = endpoint.protocolVersion() == MqttReplies.MQTT_5;
    if (failure.kind().deviceMayRetry()) {
      if (message.qosLevel() == MqttQoS.AT_MOST_ONCE) {
        return;
      }
      if (v5 && message.qosLevel() == MqttQoS.AT_LEAST_ONCE) {
        endpoint.publishAcknowledge(message.messageId(), MqttReplies.publishRefusal(failure.kind()), reasonString(failure.getMessage()));
        outbound().check();
      } else {
        closeFor(ConnectionClose.HUB_OVERLOADED, "the hub could not take a QoS " + message.qosLevel().value() + " event ("
            + failure.kind().metricName() + "); the device resends it when it reconnects");
      }
      return;
    }
    if (message.qosLevel() == MqttQoS.AT_LEAST_ONCE) {
      if (v5) {
        endpoint.publishAcknowledge(message.messageId(), MqttReplies.publishRefusal(failure.kind()), reasonString(failure.getMessage()));
      } else {
        endpoint.publishAcknowledge(message.messageId());
      }
    } else if (message.qosLevel() == MqttQoS.EXACTLY_ONCE) {
      endpoint.publishReceived(message.messageId());
    }
    if (outbound().isFull()) {
      pipeline.metrics().outboundDropped();
    } else {
      publish(MqttTopics.ERROR_NOTICE, new JsonObject()
          .put("topic", message.topicName())
          .put("error", failure.kind().metricName())
          .put("message", failure.getMessage())
          .toBuffer());
    }
    outbound().check();
  }

  /**
   * Grants the filters of the device's own namespace, up to {@link #MAX_SUBSCRIPTIONS} per session (each
   * message to the device is matched against them). A filter outside it, or past the bound, is refused
   * in its SUBACK: 0x80 under MQTT 3.1.1 (section 3.9.3), 0x8F Topic Filter invalid or 0x97 Quota
   * exceeded under MQTT 5 (section 3.9.3).
   */
  private void onSubscribe(MqttSubscribeMessage message) {
    if (!connected()) {
      return;
    }
    boolean v5 = endpoint.protocolVersion() == MqttReplies.MQTT_5;
    if (subscriptions == null) {
      subscriptions = new ArrayList<>(2);
      subscriptionQos = new ArrayList<>(2);
    }
    List<MqttSubAckReasonCode> granted = new ArrayList<>(message.topicSubscriptions().size());
    for (MqttTopicSubscription subscription : message.topicSubscriptions()) {
      String filter = subscription.topicName();
      int existing = subscriptions.indexOf(filter);
      if (!MqttTopics.isAllowedFilter(filter)) {
        pipeline.subscriptionRefused(SubscriptionRefusal.INVALID_FILTER, deviceId, filter);
        granted.add(v5 ? MqttSubAckReasonCode.TOPIC_FILTER_INVALID : MqttSubAckReasonCode.UNSPECIFIED_ERROR);
      } else if (existing < 0 && subscriptions.size() >= MAX_SUBSCRIPTIONS) {
        pipeline.subscriptionRefused(SubscriptionRefusal.TOO_MANY, deviceId, filter);
        granted.add(v5 ? MqttSubAckReasonCode.QUOTA_EXCEEDED : MqttSubAckReasonCode.UNSPECIFIED_ERROR);
      } else {
        // The cloud sends at QoS 0 or 1; QoS 2 is granted as 1 (MQTT 3.1.1 section 3.9.3).
        MqttQoS qos = subscription.qualityOfService() == MqttQoS.AT_MOST_ONCE ? MqttQoS.AT_MOST_ONCE : MqttQoS.AT_LEAST_ONCE;
        if (existing >= 0) {
          subscriptionQos.set(existing, qos);
        } else {
          subscriptions.add(filter);
          subscriptionQos.add(qos);
        }
        granted.add(MqttSubAckReasonCode.qosGranted(qos));
      }
    }
    endpoint.subscribeAcknowledge(message.messageId(), granted, MqttProperties.NO_PROPERTIES);
    outbound().check();
  }

  /**
   * Publishes a cloud-to-device message at the QoS the device was granted for it, counted in the
   * outbound queue until it is written.
   *
   * @return false when the connection is closed or the device subscribed to no filter that matches
   */
  private boolean publish(String topic, Buffer payload) {
    if (!connected() || subscriptions == null) {
      return false;
    }
    for (int i = 0; i < subscriptions.size(); i++) {
      if (MqttTopics.matches(subscriptions.get(i), topic)) {
        outbound().track(topic, payload.length(), endpoint.publish(topic, payload, subscriptionQos.get(i), false, false));
        return true;
      }
    }
    return false;
  }

  private MqttOutbound outbound() {
    if (outbound == null) {
      outbound = new MqttOutbound(context.owner(), socket, pipeline.metrics(), settings.outboundStall(), this);
    }
    return outbound;
  }

  /** Whether the endpoint can be written: vertx-mqtt throws for a write once it is closed, by anyone. */
  private boolean connected() {
    return !closed && endpoint.isConnected();
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
  public WireBytes wireBytes() {
    return wireBytes;
  }

  @Override
  public boolean sendHandshakeAnswer(HandshakeAnswer answer) {
    return publish(MqttTopics.HANDSHAKE_ANSWER, answer.toJson().toBuffer());
  }

  @Override
  public boolean sendFirmwareOffer(FirmwareOffer offer) {
    return publish(MqttTopics.FIRMWARE_OFFER, offer.toJson().toBuffer());
  }

  /** Sent when asked; {@link io.drover.gateway.handshake.SessionHandshake}'s transfer asks only while {@link #writable()}. */
  @Override
  public boolean sendFirmwareChunk(int offset, long crc32, Buffer chunk) {
    return publish(MqttTopics.firmwareChunk(offset, crc32), chunk);
  }

  @Override
  public boolean sendTrackerConfig(TrackerConfigPush push) {
    return publish(MqttTopics.TRACKER_CONFIG, push.toJson().toBuffer());
  }

  /**
   * {@code c/e/{name}}; a name with an MQTT wildcard ({@code +}, {@code #}) cannot be a topic name
   * (MQTT 3.1.1 section 4.7.1) and is not sent.
   */
  @Override
  public boolean sendEvent(String name, String data) {
    if (name.indexOf('+') >= 0 || name.indexOf('#') >= 0) {
      return false;
    }
    return publish(MqttTopics.EVENT_PREFIX_TO_DEVICE + name, Buffer.buffer(data));
  }

  /** MQTT pushes chunks itself ({@link FirmwareDelivery#PUSH}). */
  @Override
  public Future<Void> transferFirmware(Buffer binary) {
    return Future.failedFuture(new DeviceFailure(Kind.NOT_ALLOWED, "MQTT devices get firmware pushed in chunks"));
  }

  /** A Drover device never gets its owner's events (section 4.3): only a Particle device subscribes to them. */
  @Override
  public Future<Void> sendSubscribedEvent(String name, String data) {
    return Future.failedFuture(new DeviceFailure(Kind.NOT_ALLOWED, "an MQTT device does not subscribe to events"));
  }

  /** {@code c/f/{name}/{id}} and {@code c/v/{name}/{id}} are answered on {@code r/{id}}; {@code c/s} is not answered. */
  @Override
  public DeviceCall call(DeviceCommand command) {
    if (outbound().isFull()) {
      return DeviceCall.failed(new DeviceFailure(Kind.OVERLOADED, "the device is not reading what was sent to it"));
    }
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
    if (pending == null) {
      pending = new HashMap<>(4);
    }
    pending.put(requestId, answer);
    return DeviceCall.of(answer.future(), () -> pending.remove(requestId));
  }

  @Override
  public boolean writable() {
    return connected() && !outbound().isFull();
  }

  @Override
  public void whenWritable(Runnable task) {
    outbound().whenDrained(task);
  }

  /** The device awaits the PUBACK of a QoS 1 event: it can be held while the hub is offered the event again. */
  @Override
  public boolean holdsDurableEvents() {
    return true;
  }

  @Override
  public void pauseReading() {
    hubHolds++;
    updateReading();
  }

  @Override
  public void resumeReading() {
    hubHolds = Math.max(0, hubHolds - 1);
    updateReading();
  }

  /**
   * Reads from the device only while nothing holds it: no event is being offered to the hub again and
   * the outbound queue is not full. Paused, Vert.x reads a few packets ahead and then stops reading the
   * socket, so the device's TCP window closes. Resuming is deferred to its own task: it delivers the
   * packets read ahead at once, and they must not run inside the step that resumed.
   */
  private void updateReading() {
    boolean pause = hubHolds > 0 || outboundHold;
    if (closed || pause == readingPaused) {
      return;
    }
    readingPaused = pause;
    if (pause) {
      socket.pause();
    } else {
      context.runOnContext(ignored -> {
        if (!readingPaused && !closed) {
          socket.resume();
        }
      });
    }
  }

  @Override
  public void closeTakenOver() {
    if (!connected()) {
      return;
    }
    closed = true;
    if (endpoint.protocolVersion() == MqttReplies.MQTT_5) {
      // sends DISCONNECT 0x8E (MQTT 5 section 3.14.2.1) and closes the connection itself
      endpoint.disconnect(MqttDisconnectReasonCode.SESSION_TAKEN_OVER, MqttProperties.NO_PROPERTIES);
    } else {
      socket.close();
    }
  }

  /** MQTT 5 section 3.14.2.1: DISCONNECT 0x87 Not authorized; MQTT 3.1.1 has no DISCONNECT from the server, so the connection closes. */
  @Override
  public void closeRevoked(String reason) {
    if (!connected()) {
      return;
    }
    closed = true;
    if (endpoint.protocolVersion() == MqttReplies.MQTT_5) {
      endpoint.disconnect(MqttDisconnectReasonCode.NOT_AUTHORIZED, reasonString(reason));
    } else {
      socket.close();
    }
  }

  /**
   * Closes the connection for a bound: counted and logged (sampled) by reason. Closed at once, so that
   * the answers to the messages still in flight on it do not touch it. A device that does not read gets
   * its connection cut without the flush Vert.x does before a close: the flush would wait for it, with
   * everything queued, for as long as it keeps its end open. (Vert.x's handler turns a close of the
   * channel into that flush; closing from the handler's own context goes past it, toward the socket.)
   */
  private void closeFor(ConnectionClose reason, String detail) {
    if (closed) {
      return;
    }
    closed = true;
    pipeline.connectionClosed(reason, deviceId, remoteAddress, detail);
    if (reason == ConnectionClose.SLOW_READER) {
      socket.channelHandlerContext().close();
    } else {
      socket.close();
    }
  }

  // --- MqttOutbound.Listener (this class is it: a session holds no object more for it) ---

  @Override
  public void outboundFull() {
    outboundHold = true;
    updateReading();
  }

  @Override
  public void outboundDrained() {
    outboundHold = false;
    updateReading();
  }

  @Override
  public void outboundStalled(String detail) {
    closeFor(ConnectionClose.SLOW_READER, detail);
  }

  private void onClosed() {
    closed = true;
    if (outbound != null) {
      outbound.stop();
    }
    if (pending != null) {
      pending.clear();
    }
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
