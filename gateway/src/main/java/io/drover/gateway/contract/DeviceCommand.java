package io.drover.gateway.contract;

import io.vertx.core.json.JsonObject;

/**
 * Something the cloud asks of a device over its live session.
 *
 * @param name the function or variable name; unused for a signal
 * @param argument the function's argument, or "1"/"0" for a signal; null for a variable
 */
public record DeviceCommand(String deviceId, Kind kind, String name, String argument, long timeoutMillis) {

  public enum Kind {
    /** Calls a function; the device answers with an integer. */
    FUNCTION,
    /** Reads a variable; the device answers with its value. */
    VARIABLE,
    /** Turns the "shouting rainbows" signal on or off; no answer is awaited. */
    SIGNAL,
    /**
     * Asks the session to look up the device's firmware target again and start an update if it
     * differs ("flash now", a release reaching online devices). Answered at once with "started" or
     * "current"; the update's progress shows in {@code spark/flash/status} events.
     */
    FIRMWARE_CHECK,
    /**
     * Offers the device one binary of the API's choosing (a developer's cloud flash,
     * {@code PUT /v1/devices/:id} with a file): {@code argument} is the whole binary, header included
     * (docs/device-protocol.md section 8.1), in base64. It goes as any update does (MQTT chunks, CoAP
     * Block2), with rule {@code flash}. Answered at once with "started"; the update's progress shows in
     * {@code spark/flash/status} events.
     */
    FIRMWARE_FLASH,
    /**
     * Asks the session to compare the device's Asset Tracker settings again and send them if they
     * differ (a settings change reaching online devices). Answered with "sent", "current",
     * "not_tracker" or "no_handshake".
     */
    TRACKER_CONFIG_CHECK,
    /**
     * Hands the device a cloud event (an integration's {@code hook-response/...} or {@code hook-error/...}):
     * {@code name} the event's name, {@code argument} its data. Not answered by the device: answered
     * "sent" once the session passed it on, or NOT_ALLOWED when the device does not listen for events.
     */
    EVENT,
    /**
     * Ends the session if it was authenticated with the X.509 certificate whose fingerprint (SHA-256 of
     * its DER, lower-case hex: {@link CertificateAuthentication#fingerprint}) is the argument: that
     * certificate was revoked. Answered "ended", or "kept" when the session was authenticated otherwise
     * (a secret, a key, another certificate), which then goes on.
     */
    END_SESSION,
    /**
     * Ends the session whatever it was authenticated with: the device may not use the network now (its
     * SIM was deactivated or paused at its data limit). {@code argument} is the reason, for the log and
     * the {@code drover.gateway.connections.closed} counter. Answered "ended".
     */
    DISCONNECT
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("device_id", deviceId)
        .put("kind", kind.name())
        .put("name", name)
        .put("argument", argument)
        .put("timeout_ms", timeoutMillis);
  }

  public static DeviceCommand fromJson(JsonObject json) {
    return new DeviceCommand(json.getString("device_id"), Kind.valueOf(json.getString("kind")), json.getString("name"),
        json.getString("argument"), json.getLong("timeout_ms"));
  }
}
