package io.drover.gateway.contract;

/**
 * Every event-bus address the gateway speaks, in one place. The gateway owns this contract; the hub
 * implements the {@code hub.*} consumers by importing it, never the other way round.
 */
public final class BusAddresses {

  /** Request: {@link AuthenticationRequest} as JSON; reply: {@link AuthenticatedDevice} as JSON, or a failure with a {@link DeviceFailure.Kind} code. */
  public static final String AUTHENTICATE = "hub.devices.authenticate";

  /**
   * Request: {@code {"device_id": "..."}} from a DTLS handshake with that PSK identity; reply:
   * {@code {"psk": "..."}}, the device secret itself (the handshake needs the key, not a hash), or a
   * failure UNKNOWN_DEVICE when the device is unknown or has no key for DTLS. Node-local: the key
   * crosses only the local bus.
   */
  public static final String PRESHARED_KEY = "hub.devices.psk";

  /**
   * Request: {@code {"public_key": "<base64 DER SubjectPublicKeyInfo>"}} from a DTLS handshake with a
   * raw public key; reply: {@code {"device_id": "..."}}, or a failure UNKNOWN_DEVICE when no device
   * has that key.
   */
  public static final String DEVICE_BY_PUBLIC_KEY = "hub.devices.by-public-key";

  /**
   * Request: {@link CertificateAuthentication} as JSON, from a device that presented an X.509
   * certificate (MQTT over TLS, DTLS); reply: {@link AuthenticatedDevice} as JSON, or a failure
   * BAD_CERTIFICATE whose message starts with the {@link CertificateRefusal} reason, or UNAVAILABLE.
   */
  public static final String AUTHENTICATE_CERTIFICATE = "hub.devices.authenticate-certificate";

  /**
   * Send: a {@link SessionNotice} ({@link SessionNoticeCodec}: the record itself on this node, its JSON
   * across the cluster), when a device session opens or closes. No reply.
   */
  public static final String SESSION_NOTICES = "hub.devices.sessions";

  /**
   * Send or request: a {@link DeviceEvent}. A request is answered once the event is durably written
   * (the gateway uses that for MQTT QoS 1 and CoAP CON when the hub is on another node); a send is
   * fire-and-forget (QoS 0). On this node only, a send may carry a {@link LocalDurableEvent} instead,
   * answered the same way through its completion rather than by a reply.
   */
  public static final String PUBLISH_EVENT = "hub.events.publish";

  /**
   * Send: {@link DeviceDescription} as JSON, the functions and variables a device declared; or
   * {@code {device_id, system_firmware_version}}, the system firmware it runs (a Particle device's
   * system describe), which leaves its functions and variables alone. No reply.
   */
  public static final String DESCRIBE = "hub.devices.describe";

  /**
   * Request, to the gateway node that holds the device's session (found in the cluster's
   * {@code SessionOwnership}; {@code DeviceCommands} does both steps): {@link DeviceCommand} as JSON;
   * reply: {@code {"result": "..."}}, or a failure with a {@link DeviceFailure.Kind} code
   * (DEVICE_OFFLINE, DEVICE_TIMEOUT, OVERLOADED, NOT_ALLOWED when the device does not listen).
   */
  public static String deviceCommands(String nodeId) {
    return "gateway.devices.command." + nodeId;
  }

  /**
   * Send, to the gateway node whose session of a device another node's new session replaced:
   * {@code {"device_id": "...", "session_id": "<the replaced session>"}}. No reply.
   */
  public static String sessionTakeover(String nodeId) {
    return "gateway.sessions.takeover." + nodeId;
  }

  /**
   * Request, at the handshake: {@code {"device_id", "product_id", "firmware_version", "platform_id"}};
   * reply: {@code {"target_version": 3|null, "rule": "group", "group": "beta"}} and, when a target is
   * set, its {@code "size"} and {@code "sha256"}. The hub answers from memory and records the version
   * the device reports.
   */
  public static final String FIRMWARE_TARGET = "hub.firmware.target";

  /**
   * Request: {@code {"product_id", "version"}}; reply: the whole firmware binary (header and payload)
   * as a buffer, or a failure UNKNOWN_DEVICE when the product has no such version.
   */
  public static final String FIRMWARE_BINARY = "hub.firmware.binary";

  /**
   * Send: {@code {"device_id", "product_id", "version", "succeeded": true|false}} when a device's
   * update ends (verified, or given up). No reply. The hub counts it for a staged rollout.
   */
  public static final String FIRMWARE_OUTCOME = "hub.firmware.outcome";

  /**
   * Request, at the handshake of a device that reports a {@code config_checksum}:
   * {@code {"device_id", "checksum"}}; reply: {@code {"tracker": false}} when the device is not in an
   * Asset Tracker product, else {@code {"tracker": true, "checksum": "<effective>", "in_sync": bool}}
   * and, when not in sync, {@code "settings"}: what to send the device. Answered from memory.
   * A push after a settings change adds {@code "expected"}, the checksum the pushing hub node computed:
   * a hub node whose index says otherwise (its reload has not happened yet) reads that device's
   * settings from the database before it answers.
   */
  public static final String TRACKER_CONFIG_CHECK = "hub.tracker.config-check";

  /**
   * Send: {@code {"device_id", "checksum"}} when a device acknowledges settings ({@code cfg/ack}): it
   * runs that checksum now. No reply.
   */
  public static final String TRACKER_CONFIG_ACK = "hub.tracker.config-ack";

  /**
   * Send, every {@code gateway.data-usage-flush} from each gateway node: the bytes each device's sessions
   * moved on the wire since the last batch, {@code {"devices": [{"device_id", "rx", "tx"}, ...]}}
   * ({@code rx} from the device, {@code tx} to it; MQTT or DTLS framing and headers included). No reply.
   * The hub adds them to the day's usage of the device's SIM; devices with no SIM are not kept.
   */
  public static final String DATA_USAGE = "hub.devices.data-usage";

  /**
   * Request, when a device first subscribes to events (a Particle device's {@code GET /e/{prefix}}):
   * {@code {"device_id"}}; reply: {@code {"owner_id"?, "product_id"?}}, the account that owns the device
   * and the product it is in, from the hub's memory. A device whose events nobody may see (unowned, in no
   * product) gets an empty object: it is delivered nothing.
   */
  public static final String DEVICE_SUBSCRIBER = "hub.devices.subscriber";

  /**
   * Publish, by the hub node that accepted an event, to every gateway node holding a session subscribed
   * to the account's events: a {@link DeviceEvent} ({@link DeviceEventCodec}) of a device of account
   * {@code ownerId}, or one that account published through the API. The cloud's own events are not
   * published here. Nobody listens unless a device of the account subscribed.
   */
  public static String ownerEvents(long ownerId) {
    return "gateway.events.owner." + ownerId;
  }

  /**
   * Publish, as {@link #ownerEvents}, for an event of a device in product {@code productId} or one
   * published to the product through the API; header {@link #EVENT_OWNER_HEADER} names the event's
   * account, whose subscribed devices have it from {@link #ownerEvents} already.
   */
  public static String productEvents(int productId) {
    return "gateway.events.product." + productId;
  }

  /** On {@link #productEvents}: the account the event is also published to, when it has one. */
  public static final String EVENT_OWNER_HEADER = "owner-id";

  private BusAddresses() {
  }
}
