package io.drover.gateway.support;

import io.drover.gateway.contract.AuthenticatedDevice;
import io.drover.gateway.contract.AuthenticationRequest;
import io.drover.gateway.contract.BusAddresses;
import io.drover.gateway.contract.CertificateAuthentication;
import io.drover.gateway.contract.CertificateRefusal;
import io.drover.gateway.contract.DeviceEvent;
import io.drover.gateway.contract.LocalDurableEvent;
import io.drover.gateway.contract.DeviceFailure;
import io.drover.gateway.contract.DeviceFailure.Kind;
import io.drover.gateway.contract.SessionNotice;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The hub's side of the bus contract ({@link BusAddresses}), answered from what the test programs and
 * recording what it receives. Answers keep BusAddresses' documented shapes; failures go back as
 * {@code message.fail(kind.busCode(), text)}, as the hub's verticles fail them. Consumers run on this
 * verticle's event loop; the test programs and reads from its own thread, hence the concurrent maps
 * and {@link Recorded} lists.
 */
public final class FakeHub extends VerticleBase {

  /** An event the hub was handed: {@code durable} when it was a request (QoS 1, CON), else a send. */
  public record ReceivedEvent(DeviceEvent event, boolean durable, long receivedNanos) {
  }

  /** The hub's answer to a durable event: {@code failure} null when it was written. */
  public record DurableAnswer(DeviceEvent event, Kind failure, long answeredNanos) {
  }

  private record Target(int version, Buffer binary, String sha256) {
  }

  private record Settings(String checksum, JsonObject settings) {
  }

  private final Map<String, String> secrets = new ConcurrentHashMap<>();
  private final Map<String, Kind> durableFailures = new ConcurrentHashMap<>();
  private final Map<String, Duration> durableDelays = new ConcurrentHashMap<>();
  /** How many more durable events of a device fail, with what: a hub overloaded for a while. */
  private final Map<String, Integer> durableFailuresLeft = new ConcurrentHashMap<>();
  private final Map<String, Target> targets = new ConcurrentHashMap<>();
  /** Binaries by "product/version", as the hub's firmware store keys them. */
  private final Map<String, Buffer> binaries = new ConcurrentHashMap<>();
  private final Map<String, Settings> settings = new ConcurrentHashMap<>();
  private final Map<String, Integer> unansweredConfigChecks = new ConcurrentHashMap<>();
  /** Device IDs by the base64 of a raw public key's SubjectPublicKeyInfo. */
  private final Map<String, String> publicKeys = new ConcurrentHashMap<>();
  /** Device IDs by certificate fingerprint (SHA-256 of the device's own DER certificate, hex). */
  private final Map<String, String> certificates = new ConcurrentHashMap<>();
  /** What the hub answers instead for a certificate, by fingerprint: a refusal, or UNAVAILABLE. */
  private final Map<String, DeviceFailure> certificateFailures = new ConcurrentHashMap<>();
  /** False: answers the device a certificate names even when the device claimed another, as a hub with that bug would. */
  private volatile boolean checksClaimedDevice = true;

  public final Recorded<ReceivedEvent> events = new Recorded<>();
  public final Recorded<DurableAnswer> durableAnswers = new Recorded<>();
  public final Recorded<SessionNotice> notices = new Recorded<>();
  public final Recorded<JsonObject> descriptions = new Recorded<>();
  public final Recorded<JsonObject> authentications = new Recorded<>();
  public final Recorded<CertificateAuthentication> certificateAuthentications = new Recorded<>();
  public final Recorded<JsonObject> firmwareTargetRequests = new Recorded<>();
  public final Recorded<JsonObject> firmwareOutcomes = new Recorded<>();
  public final Recorded<JsonObject> configChecks = new Recorded<>();
  public final Recorded<JsonObject> configAcks = new Recorded<>();

  /** Registers a device: it may connect with {@code secret} (MQTT password, DTLS PSK). */
  public void addDevice(String deviceId, String secret) {
    secrets.put(deviceId, secret);
  }

  /** The secret a device was registered with. */
  public String secretOf(String deviceId) {
    return secrets.get(deviceId);
  }

  /** Registers a raw public key (DER SubjectPublicKeyInfo) for the device, for DTLS handshakes with it. */
  public void addPublicKey(String deviceId, byte[] subjectPublicKeyInfo) {
    publicKeys.put(Base64.getEncoder().encodeToString(subjectPublicKeyInfo), deviceId);
  }

  /**
   * The hub accepts this certificate for the device, as one a device CA of the node issued for it or
   * one registered to it. A certificate the hub does not know is refused UNTRUSTED.
   */
  public void trustCertificate(String fingerprint, String deviceId) {
    certificates.put(fingerprint, deviceId);
  }

  /** The hub answers this certificate with {@code failure}: a {@link CertificateRefusal#failure}, or UNAVAILABLE. */
  public void failCertificate(String fingerprint, DeviceFailure failure) {
    certificateFailures.put(fingerprint, failure);
  }

  /** See {@link #checksClaimedDevice}. */
  public void checkClaimedDevice(boolean checks) {
    checksClaimedDevice = checks;
  }

  /** From now on the device's durable events fail with {@code kind}; null writes them again. */
  public void failDurableEvents(String deviceId, Kind kind) {
    durableFailuresLeft.remove(deviceId);
    if (kind == null) {
      durableFailures.remove(deviceId);
    } else {
      durableFailures.put(deviceId, kind);
    }
  }

  /**
   * The device's next {@code times} durable events (each offer of one, that is) fail with {@code kind},
   * then they are written again: a hub that is overloaded for a while.
   */
  public void failNextDurableEvents(String deviceId, Kind kind, int times) {
    durableFailuresLeft.put(deviceId, times);
    durableFailures.put(deviceId, kind);
  }

  /** From now on the device's durable events are answered only after {@code delay}, as a slow write. */
  public void delayDurableEvents(String deviceId, Duration delay) {
    durableDelays.put(deviceId, delay);
  }

  /** The device's firmware target: {@code version} of {@code productId}, whose whole binary is {@code binary}. */
  public void setFirmwareTarget(String deviceId, int productId, int version, Buffer binary) {
    binaries.put(productId + "/" + version, binary);
    targets.put(deviceId, new Target(version, binary, sha256(binary)));
  }

  /** Makes the device an Asset Tracker whose effective settings are these. */
  public void setTrackerSettings(String deviceId, String checksum, JsonObject effective) {
    settings.put(deviceId, new Settings(checksum, effective));
  }

  /** The device's next {@code times} settings comparisons fail with UNAVAILABLE, as a hub that is busy or restarting. */
  public void failConfigChecks(String deviceId, int times) {
    unansweredConfigChecks.put(deviceId, times);
  }

  public static String sha256(Buffer binary) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(binary.getBytes()));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public Future<?> start() {
    EventBus bus = vertx.eventBus();
    return Future.all(List.of(
        bus.<JsonObject>consumer(BusAddresses.AUTHENTICATE, this::authenticate).completion(),
        bus.<JsonObject>consumer(BusAddresses.PRESHARED_KEY, this::presharedKey).completion(),
        bus.<JsonObject>consumer(BusAddresses.DEVICE_BY_PUBLIC_KEY, this::deviceByPublicKey).completion(),
        bus.<JsonObject>consumer(BusAddresses.AUTHENTICATE_CERTIFICATE, this::authenticateCertificate).completion(),
        bus.<SessionNotice>consumer(BusAddresses.SESSION_NOTICES, message -> notices.add(message.body())).completion(),
        bus.<Object>consumer(BusAddresses.PUBLISH_EVENT, this::publish).completion(),
        bus.<JsonObject>consumer(BusAddresses.DESCRIBE, message -> descriptions.add(message.body())).completion(),
        bus.<JsonObject>consumer(BusAddresses.FIRMWARE_TARGET, this::firmwareTarget).completion(),
        bus.<JsonObject>consumer(BusAddresses.FIRMWARE_BINARY, this::firmwareBinary).completion(),
        bus.<JsonObject>consumer(BusAddresses.FIRMWARE_OUTCOME, message -> firmwareOutcomes.add(message.body())).completion(),
        bus.<JsonObject>consumer(BusAddresses.TRACKER_CONFIG_CHECK, this::configCheck).completion(),
        bus.<JsonObject>consumer(BusAddresses.TRACKER_CONFIG_ACK, message -> configAcks.add(message.body())).completion()));
  }

  private void authenticate(Message<JsonObject> message) {
    authentications.add(message.body());
    AuthenticationRequest request = AuthenticationRequest.fromJson(message.body());
    String secret = secrets.get(request.deviceId());
    if (secret == null) {
      message.fail(Kind.UNKNOWN_DEVICE.busCode(), "no device " + request.deviceId());
    } else if (!secret.equals(request.secret())) {
      message.fail(Kind.BAD_CREDENTIALS.busCode(), "wrong secret");
    } else {
      message.reply(new AuthenticatedDevice(request.deviceId()).toJson());
    }
  }

  private void deviceByPublicKey(Message<JsonObject> message) {
    String deviceId = publicKeys.get(message.body().getString("public_key"));
    if (deviceId == null) {
      message.fail(Kind.UNKNOWN_DEVICE.busCode(), "no device has this key");
    } else {
      message.reply(new JsonObject().put("device_id", deviceId));
    }
  }

  /** Answers as BusAddresses.AUTHENTICATE_CERTIFICATE says: the device, or BAD_CERTIFICATE with the reason first in its message. */
  private void authenticateCertificate(Message<JsonObject> message) {
    CertificateAuthentication request = CertificateAuthentication.fromJson(message.body());
    certificateAuthentications.add(request);
    String fingerprint = TestCertificates.fingerprint(request.chain().get(0));
    DeviceFailure failure = certificateFailures.get(fingerprint);
    String deviceId = certificates.get(fingerprint);
    if (failure == null && deviceId == null) {
      failure = CertificateRefusal.UNTRUSTED.failure("issued by no device CA of this node, and registered to no device");
    } else if (failure == null && checksClaimedDevice && request.claimedDeviceId() != null && !request.claimedDeviceId().equals(deviceId)) {
      failure = CertificateRefusal.ID_MISMATCH.failure("the certificate names " + deviceId + ", not " + request.claimedDeviceId());
    }
    if (failure != null) {
      message.fail(failure.kind().busCode(), failure.getMessage());
    } else {
      message.reply(new AuthenticatedDevice(deviceId).toJson());
    }
  }

  private void presharedKey(Message<JsonObject> message) {
    String secret = secrets.get(message.body().getString("device_id"));
    if (secret == null) {
      message.fail(Kind.UNKNOWN_DEVICE.busCode(), "no such device");
    } else {
      message.reply(new JsonObject().put("psk", secret));
    }
  }

  /**
   * A {@link DeviceEvent} (a request when durable, as from a gateway whose hub is on another node) or, as
   * the gateway sends a durable event to the hub of its own node, a {@link LocalDurableEvent}: answered
   * alike, the local one through its completion with the failure a bus request would get.
   */
  private void publish(Message<Object> message) {
    LocalDurableEvent local = message.body() instanceof LocalDurableEvent handed ? handed : null;
    DeviceEvent event = local != null ? local.event() : (DeviceEvent) message.body();
    boolean durable = local != null || message.replyAddress() != null;
    events.add(new ReceivedEvent(event, durable, System.nanoTime()));
    if (!durable) {
      return;
    }
    Kind failure = durableFailures.get(event.deviceId());
    Integer left = durableFailuresLeft.computeIfPresent(event.deviceId(), (device, count) -> count - 1);
    if (left != null && left < 0) {
      failure = null;
      durableFailuresLeft.remove(event.deviceId());
      durableFailures.remove(event.deviceId());
    }
    Duration delay = durableDelays.get(event.deviceId());
    Kind answered = failure;
    Runnable answer = () -> {
      durableAnswers.add(new DurableAnswer(event, answered, System.nanoTime()));
      String refusal = "the fake hub fails this write with " + answered;
      if (local != null) {
        local.written().complete(null, answered == null ? null : new ReplyException(ReplyFailure.RECIPIENT_FAILURE, answered.busCode(), refusal));
      } else if (answered == null) {
        message.reply(null);
      } else {
        message.fail(answered.busCode(), refusal);
      }
    };
    if (delay == null) {
      answer.run();
    } else {
      vertx.setTimer(delay.toMillis(), id -> answer.run());
    }
  }

  private void firmwareTarget(Message<JsonObject> message) {
    JsonObject request = message.body();
    firmwareTargetRequests.add(request);
    if (request.getString("device_id") == null || request.getInteger("product_id") == null) {
      message.fail(Kind.MALFORMED_PAYLOAD.busCode(), "device_id and product_id are required");
      return;
    }
    Target target = targets.get(request.getString("device_id"));
    if (target == null) {
      message.reply(new JsonObject().put("target_version", (Integer) null).put("rule", "none"));
    } else {
      message.reply(new JsonObject().put("target_version", target.version()).put("rule", "group").put("group", "beta")
          .put("size", target.binary().length()).put("sha256", target.sha256()));
    }
  }

  private void firmwareBinary(Message<JsonObject> message) {
    JsonObject request = message.body();
    Buffer binary = binaries.get(request.getInteger("product_id") + "/" + request.getInteger("version"));
    if (binary == null) {
      message.fail(Kind.UNKNOWN_DEVICE.busCode(), "product " + request.getInteger("product_id") + " has no firmware version " + request.getInteger("version"));
    } else {
      message.reply(binary);
    }
  }

  private void configCheck(Message<JsonObject> message) {
    configChecks.add(message.body());
    String deviceId = message.body().getString("device_id");
    if (unansweredConfigChecks.getOrDefault(deviceId, 0) > 0) {
      unansweredConfigChecks.merge(deviceId, -1, Integer::sum);
      message.fail(Kind.UNAVAILABLE.busCode(), "the fake hub does not answer this comparison");
      return;
    }
    Settings effective = settings.get(message.body().getString("device_id"));
    if (effective == null) {
      message.reply(new JsonObject().put("tracker", false));
      return;
    }
    boolean inSync = effective.checksum().equals(message.body().getString("checksum"));
    JsonObject answer = new JsonObject().put("tracker", true).put("checksum", effective.checksum()).put("in_sync", inSync);
    message.reply(inSync ? answer : answer.put("settings", effective.settings()));
  }

  /** The events the hub received from one device, in order. */
  public List<ReceivedEvent> eventsOf(String deviceId) {
    return events.matching(received -> received.event().deviceId().equals(deviceId));
  }

  /** The session notices of one device, in order. */
  public List<SessionNotice> noticesOf(String deviceId) {
    return notices.matching(notice -> notice.deviceId().equals(deviceId));
  }
}
