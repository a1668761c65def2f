package io.drover.gateway.coap;

import io.drover.coap.CoapReply;
import io.drover.coap.DevicePeer;
import io.drover.coap.ParticleCalls;
import io.drover.coap.ParticleFirmwareUpdate;
import io.drover.gateway.contract.DeviceCommand;
import io.drover.gateway.contract.DeviceFailure;
import io.drover.gateway.contract.DeviceFailure.Kind;
import io.drover.gateway.handshake.FirmwareOffer;
import io.drover.gateway.handshake.HandshakeAnswer;
import io.drover.gateway.handshake.TrackerConfigPush;
import io.drover.gateway.pipeline.DeviceCall;
import io.drover.gateway.pipeline.DeviceLink;
import io.drover.gateway.pipeline.WireBytes;
import io.drover.gateway.pipeline.LiveSession;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Function;
import org.eclipse.californium.core.coap.CoAP.Code;

/**
 * One device's CoAP session on the wire: the time from its first request over a DTLS session until it
 * goes idle, its DTLS session ends, or another session takes over. The cloud's messages are requests
 * to the device's own resources over that same DTLS session (docs/device-protocol.md). Every method
 * runs on the listener's context; Californium completes requests on its own threads, which hop back.
 */
final class CoapPeerLink implements DeviceLink {

  static final String PROTOCOL = "coap";

  private final Context context;
  private final String dtlsSessionId;
  /** The DTLS datagrams of this peer, counted by the connector from the handshake on ({@link CoapWireMeter}). */
  private final WireBytes wireBytes;
  /** The address the session's bytes are counted under. */
  private final java.net.InetSocketAddress address;
  private final Consumer<CoapPeerLink> onClosed;
  private DevicePeer peer;
  private long lastHeardNanos;
  private LiveSession session;
  /** A Particle device's variables and their Device OS types, from its application describe: its values are bytes of that type. */
  private Map<String, Integer> particleVariables = Map.of();

  CoapPeerLink(DevicePeer peer, Context context, Consumer<CoapPeerLink> onClosed, WireBytes wireBytes) {
    this.peer = peer;
    this.wireBytes = wireBytes;
    this.address = peer.address();
    this.dtlsSessionId = peer.sessionId();
    this.context = context;
    this.onClosed = onClosed;
    this.lastHeardNanos = System.nanoTime();
  }

  void attach(LiveSession live) {
    this.session = live;
  }

  LiveSession session() {
    return session;
  }

  /** A request arrived: remembers where the device is now (its address may change under a connection ID). */
  void heard(DevicePeer latest) {
    peer = latest;
    lastHeardNanos = System.nanoTime();
  }

  /** The variables of a Particle device's latest application describe, by Device OS type number. */
  void particleVariables(Map<String, Integer> types) {
    particleVariables = types;
  }

  boolean isIdleSince(long nanos) {
    return lastHeardNanos - nanos < 0;
  }

  String dtlsSessionId() {
    return dtlsSessionId;
  }

  /** Ends the session: idle, DTLS session gone, taken over, or the listener stopping. */
  void close(String reason) {
    if (!session.isClosed()) {
      onClosed.accept(this);
      session.close(reason);
    }
  }

  /** Drover's CoAP devices pull Block2 blocks; a Particle device takes Device OS's legacy OTA ({@link #transferFirmware}). */
  @Override
  public FirmwareDelivery firmwareDelivery() {
    return peer.isParticle() ? FirmwareDelivery.TRANSFER : FirmwareDelivery.PULL;
  }

  /** A Particle device's legacy OTA ({@link ParticleFirmwareUpdate}): {@code /u}, {@code /c} chunks, {@code PUT /u}. */
  @Override
  public Future<Void> transferFirmware(Buffer binary) {
    if (!peer.isParticle()) {
      return Future.failedFuture(new DeviceFailure(Kind.NOT_ALLOWED, "a Drover CoAP device pulls its firmware"));
    }
    Promise<Void> taken = Promise.promise();
    ParticleFirmwareUpdate.send(peer, binary.getBytes(), ParticleFirmwareUpdate.CHUNK_SIZE)
        .whenComplete((done, error) -> context.runOnContext(ignored -> {
          if (error == null) {
            taken.complete();
          } else {
            taken.fail(new DeviceFailure(Kind.DEVICE_TIMEOUT, error.getMessage()));
          }
        }));
    return taken.future();
  }

  java.net.InetSocketAddress address() {
    return address;
  }

  @Override
  public WireBytes wireBytes() {
    return wireBytes;
  }

  @Override
  public String remoteAddress() {
    return peer.address() == null ? null : peer.address().getAddress().getHostAddress();
  }

  /** "Flash now": the answer to the last handshake again, sent to the device's own {@code PUT /h} (section 8.4); a Particle device has none. */
  @Override
  public boolean sendHandshakeAnswer(HandshakeAnswer answer) {
    if (peer.isParticle()) {
      return false;
    }
    peer.request(Code.PUT, "h", answer.toJson().toBuffer().getBytes());
    return true;
  }

  /** The device pulls the binary: nothing is pushed over CoAP. */
  @Override
  public boolean sendFirmwareOffer(FirmwareOffer offer) {
    return false;
  }

  @Override
  public boolean sendFirmwareChunk(int offset, long crc32, Buffer chunk) {
    return false;
  }

  /** MQTT's {@code c/cfg} is {@code PUT /cfg} to the device's own CoAP server (section 9). */
  @Override
  public boolean sendTrackerConfig(TrackerConfigPush push) {
    peer.request(Code.PUT, "cfg", push.toJson().toBuffer().getBytes());
    return true;
  }

  /** MQTT's {@code c/e/{name}} is {@code POST /e/{name}} to the device's own CoAP server, not awaited. */
  @Override
  public boolean sendEvent(String name, String data) {
    peer.request(Code.POST, "e/" + name, data.getBytes(StandardCharsets.UTF_8));
    return true;
  }

  /**
   * A subscribed event: a confirmable {@code POST /e/{name}} as Device OS takes it, done when the device
   * acknowledges it ({@link DevicePeer#deliverEvent}).
   */
  @Override
  public Future<Void> sendSubscribedEvent(String name, String data) {
    Promise<Void> acknowledged = Promise.promise();
    peer.deliverEvent(name, data.getBytes(StandardCharsets.UTF_8)).whenComplete((done, error) -> context.runOnContext(ignored -> {
      if (error == null) {
        acknowledged.complete();
      } else {
        acknowledged.fail(new DeviceFailure(Kind.DEVICE_TIMEOUT, error.getMessage()));
      }
    }));
    return acknowledged.future();
  }

  /**
   * {@code POST /f/{name}}, {@code GET /v/{name}}, {@code PUT /s}: a confirmable request over the DTLS
   * session, in Drover's shapes (section 7.4) or, to a Particle device, in Device OS's ({@link #particleCall}).
   */
  @Override
  public DeviceCall call(DeviceCommand command) {
    if (peer.isParticle()) {
      return particleCall(command);
    }
    String argument = command.argument() == null ? "" : command.argument();
    CompletableFuture<CoapReply> request = switch (command.kind()) {
      case FUNCTION -> peer.request(Code.POST, "f/" + command.name(), argument.getBytes(StandardCharsets.UTF_8));
      case VARIABLE -> peer.request(Code.GET, "v/" + command.name(), null);
      case SIGNAL -> peer.request(Code.PUT, "s", argument.getBytes(StandardCharsets.UTF_8));
      case FIRMWARE_CHECK, FIRMWARE_FLASH, TRACKER_CONFIG_CHECK, EVENT, END_SESSION, DISCONNECT -> throw new IllegalArgumentException("not a device call: " + command.kind());
    };
    return answered(command, request, CoapReply::text);
  }

  /**
   * The same calls to a Particle device ({@link ParticleCalls}): the argument in a Uri-Query, the
   * function's int32 and the variable's typed bytes read back as the text a Drover device answers with.
   * A variable is read in the type of the device's describe over this DTLS session.
   */
  private DeviceCall particleCall(DeviceCommand command) {
    String argument = command.argument() == null ? "" : command.argument();
    switch (command.kind()) {
      case FUNCTION -> {
        if (argument.getBytes(StandardCharsets.UTF_8).length > ParticleCalls.MAX_ARGUMENT_BYTES) {
          return DeviceCall.failed(new DeviceFailure(Kind.PAYLOAD_TOO_LARGE, "the argument is "
              + argument.getBytes(StandardCharsets.UTF_8).length + " bytes; a Particle device takes " + ParticleCalls.MAX_ARGUMENT_BYTES + " here"));
        }
        return answered(command, ParticleCalls.function(peer, command.name(), argument), reply -> ParticleCalls.returnValue(reply.payload()));
      }
      case VARIABLE -> {
        Integer type = particleVariables.get(command.name());
        if (type == null) {
          return DeviceCall.failed(new DeviceFailure(Kind.NOT_ALLOWED, "the device has not described a variable " + command.name()
              + " over this session"));
        }
        return answered(command, ParticleCalls.variable(peer, command.name()), reply -> ParticleCalls.value(reply.payload(), type));
      }
      case SIGNAL -> {
        return answered(command, ParticleCalls.signal(peer, "1".equals(argument)), CoapReply::text);
      }
      default -> throw new IllegalArgumentException("not a device call: " + command.kind());
    }
  }

  /**
   * The device's answer to a request, back on the link's context: a 2.xx read by {@code read} (an answer
   * that cannot be read fails NOT_ALLOWED, as any other code does), no answer DEVICE_TIMEOUT.
   */
  private DeviceCall answered(DeviceCommand command, CompletableFuture<CoapReply> request, Function<CoapReply, String> read) {
    Promise<String> answer = Promise.promise();
    request.whenComplete((reply, error) -> context.runOnContext(ignored -> {
      if (reply != null && reply.isSuccess()) {
        if (command.kind() == DeviceCommand.Kind.SIGNAL) {
          answer.tryComplete("");
          return;
        }
        try {
          answer.tryComplete(read.apply(reply));
        } catch (IllegalArgumentException unreadable) {
          answer.tryFail(new DeviceFailure(Kind.NOT_ALLOWED, "the device's answer cannot be read: " + unreadable.getMessage()));
        }
      } else if (reply != null) {
        answer.tryFail(new DeviceFailure(Kind.NOT_ALLOWED, "the device answered " + reply.code() + " " + reply.text()));
      } else if (!request.isCancelled()) {
        answer.tryFail(new DeviceFailure(Kind.DEVICE_TIMEOUT, error.getMessage()));
      }
    }));
    return DeviceCall.of(answer.future(), () -> request.cancel(false));
  }

  /** Californium bounds what is sent to a peer (its exchanges and their lifetime); nothing is pushed in a stream. */
  @Override
  public boolean writable() {
    return true;
  }

  @Override
  public void whenWritable(Runnable task) {
    context.runOnContext(ignored -> task.run());
  }

  /**
   * A CON request is answered at once, 4.29 or 5.03 with a Max-Age saying when to try again (RFC 7252
   * section 5.9.3.4, RFC 8516): holding the exchange would only make the device retransmit it.
   */
  @Override
  public boolean holdsDurableEvents() {
    return false;
  }

  @Override
  public void pauseReading() {
  }

  @Override
  public void resumeReading() {
  }

  /** CoAP has no connection to end: the session ends here, and the DTLS session ages out. */
  @Override
  public void closeTakenOver() {
    close("taken over");
  }

  /**
   * CoAP has no message for it: the DTLS session ends (a close_notify alert, and Scandium forgets it,
   * so it cannot be resumed), and so does the session here. The device's next record needs a new
   * handshake, which the certificate rule refuses.
   */
  @Override
  public void closeRevoked(String reason) {
    peer.endSession();
    close(reason);
  }
}
