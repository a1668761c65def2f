package io.drover.gateway;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.drover.gateway.contract.BusAddresses;
import io.drover.gateway.contract.DeviceCommand;
import io.drover.gateway.contract.DeviceFailure.Kind;
import io.drover.gateway.contract.SessionNotice;
import io.drover.gateway.contract.SessionNotice.State;
import io.drover.gateway.commands.CommandDispatch;
import io.drover.gateway.intake.StepQuota;
import io.drover.gateway.support.CoapDevice;
import io.drover.gateway.support.DeviceLink;
import io.drover.gateway.support.DeviceLink.Call;
import io.drover.gateway.support.DeviceLink.FirmwareDownload;
import io.drover.gateway.support.FakeHub;
import io.drover.gateway.support.FakeHub.ReceivedEvent;
import io.drover.gateway.support.GatewayUnderTest;
import io.drover.gateway.support.MqttDevice;
import io.drover.gateway.support.WireAnswer;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The device session pipeline's contract, run once per transport against the same expectations, so
 * that no rule exists in one transport only. An expectation is written once, as a
 * {@link Kind} or "accepted"; each {@link Transport} turns it into what its wire says, by tables
 * written here from docs/device-protocol.md and the RFCs, not from production's own mappings.
 *
 * <p>One gateway and one fake hub serve every test; each test uses devices of its own.
 */
class PipelineContractTest {

  private static final SecureRandom RANDOM = new SecureRandom();
  private static Vertx vertx;
  /** The devices' own Vert.x: their clients' work is not the gateway's, and must not count against its event loops. */
  private static Vertx devices;
  private static FakeHub hub;
  private static GatewayUnderTest gateway;

  private final List<DeviceLink> opened = new ArrayList<>();

  /** A device's ID and secret, registered with the fake hub. */
  record Identity(String id, String secret) {
  }

  /** How a device reaches the gateway, and what each expectation looks like on its wire. */
  enum Transport {
    MQTT_3_1_1("mqtt") {
      @Override
      DeviceLink connect(Identity device) throws Exception {
        return MqttDevice.connect(MqttDevice.Version.V3_1_1, devices, gateway.mqttPort(), device.id(), device.secret());
      }

      @Override
      WireAnswer firstContact(String deviceId, String secret) throws Exception {
        return MqttDevice.connack(MqttDevice.Version.V3_1_1, devices, gateway.mqttPort(), deviceId, secret);
      }

      @Override
      WireAnswer accepted(boolean durable) {
        return answer(durable ? "PUBACK" : "sent");
      }

      /** MQTT 3.1.1 has no negative PUBACK: a plain one, so the device does not resend, and the notice. */
      @Override
      WireAnswer refused(Kind kind) {
        return answer("PUBACK + c/err " + kind.metricName());
      }

      /**
       * No negative PUBACK either: once the gateway has offered the event to the hub for its overload-retry
       * time, the connection is closed and the device resends (section 4.4).
       */
      @Override
      WireAnswer hubFailed(Kind kind) {
        return answer("disconnected");
      }

      /** The device waits for its PUBACK while the gateway offers the event again. */
      @Override
      WireAnswer hubBusyForAWhile() {
        return accepted(true);
      }

      /** Section 3.2.2.3: 0x04 bad user name or password, for an unknown device too. */
      @Override
      WireAnswer connectRefused(Kind kind) {
        return answer("CONNACK 0x04");
      }

      @Override
      WireAnswer takenOver() {
        return answer("connection closed");
      }
    },

    MQTT_5("mqtt") {
      @Override
      DeviceLink connect(Identity device) throws Exception {
        return MqttDevice.connect(MqttDevice.Version.V5, devices, gateway.mqttPort(), device.id(), device.secret());
      }

      @Override
      WireAnswer firstContact(String deviceId, String secret) throws Exception {
        return MqttDevice.connack(MqttDevice.Version.V5, devices, gateway.mqttPort(), deviceId, secret);
      }

      @Override
      WireAnswer accepted(boolean durable) {
        return answer(durable ? "PUBACK 0x00" : "sent");
      }

      @Override
      WireAnswer refused(Kind kind) {
        return answer("PUBACK " + WireAnswer.hex(pubackReasonCode(kind)) + " + c/err " + kind.metricName());
      }

      /** Past the overload-retry time, the reason code says it; the connection stays open and no notice follows (section 4.2). */
      @Override
      WireAnswer hubFailed(Kind kind) {
        return answer("PUBACK " + WireAnswer.hex(pubackReasonCode(kind)));
      }

      @Override
      WireAnswer hubBusyForAWhile() {
        return accepted(true);
      }

      /** MQTT 5 section 3.2.2.2: 0x86 Bad User Name or Password, for an unknown device too. */
      @Override
      WireAnswer connectRefused(Kind kind) {
        return answer("CONNACK 0x86");
      }

      /** MQTT 5 section 3.14.2.1: DISCONNECT 0x8E Session taken over. */
      @Override
      WireAnswer takenOver() {
        return answer("DISCONNECT 0x8E");
      }
    },

    COAP("coap") {
      @Override
      DeviceLink connect(Identity device) throws Exception {
        return CoapDevice.open(gateway.coapPort(), device.id(), device.secret());
      }

      @Override
      WireAnswer firstContact(String deviceId, String secret) throws Exception {
        return CoapDevice.firstRequest(gateway.coapPort(), deviceId, secret);
      }

      /** A NON request is answered too, at once (section 7.2). */
      @Override
      WireAnswer accepted(boolean durable) {
        return answer("2.04");
      }

      @Override
      WireAnswer refused(Kind kind) {
        return answer(responseCode(kind));
      }

      @Override
      WireAnswer hubFailed(Kind kind) {
        return answer(responseCode(kind));
      }

      /** A CoAP exchange is not held: answered at once, with the time to try again; the device resends. */
      @Override
      WireAnswer hubBusyForAWhile() {
        return answer(responseCode(Kind.OVERLOADED));
      }

      /** A wrong key or an unknown identity fails the DTLS handshake: no CoAP message at all (section 7.1). */
      @Override
      WireAnswer connectRefused(Kind kind) {
        return answer("handshake failed");
      }

      /** CoAP has no message for it; the device finds out from nothing. */
      @Override
      WireAnswer takenOver() {
        return null;
      }
    };

    /** The {@code protocol} of session notices and of the metrics' tag. */
    final String protocol;

    Transport(String protocol) {
      this.protocol = protocol;
    }

    /** Opens a session as firmware does (MQTT: connect, subscribe to c/#; both: declare functions). */
    abstract DeviceLink connect(Identity device) throws Exception;

    /** The answer to a device's first contact with these credentials. */
    abstract WireAnswer firstContact(String deviceId, String secret) throws Exception;

    /** What a device gets for an accepted message: durable (QoS 1, CON) or fire-and-forget (QoS 0, NON). */
    abstract WireAnswer accepted(boolean durable);

    /** What a device gets for a durable message the gateway refuses: it must not send it again. */
    abstract WireAnswer refused(Kind kind);

    /** What a device gets for a durable event the hub could not write: it may send it again. */
    abstract WireAnswer hubFailed(Kind kind);

    /** What a device gets for a durable event the hub is too busy to take for a moment, then takes. */
    abstract WireAnswer hubBusyForAWhile();

    /** What a device gets when its credentials are refused. */
    abstract WireAnswer connectRefused(Kind kind);

    /** What a device's session is told when another session of the same device takes over; null for nothing. */
    abstract WireAnswer takenOver();

    private static WireAnswer answer(String text) {
      return new WireAnswer(text);
    }

    /** MQTT 5 PUBACK reason codes (MQTT 5 section 3.4.2.1), as docs/device-protocol.md sections 4.1 and 4.2 give them. */
    private static int pubackReasonCode(Kind kind) {
      return switch (kind) {
        case BAD_TOPIC -> 0x90; // Topic Name invalid
        case NOT_ALLOWED -> 0x87; // Not authorized
        case PAYLOAD_TOO_LARGE -> 0x83; // Implementation specific error: a PUBACK has no "too large"
        case MALFORMED_PAYLOAD -> 0x99; // Payload format invalid
        case OVERLOADED, QUOTA_EXCEEDED -> 0x97; // Quota exceeded
        case UNAVAILABLE -> 0x83; // Implementation specific error
        default -> throw new IllegalArgumentException("no MQTT 5 PUBACK expectation written for " + kind);
      };
    }

    /**
     * CoAP response codes (RFC 7252 section 5.9; 4.29 from RFC 8516), as docs/device-protocol.md section
     * 7.5 gives them, with the Max-Age that says when to send again (RFC 8516 section 3, RFC 7252
     * section 5.9.3.4).
     */
    private static String responseCode(Kind kind) {
      return switch (kind) {
        case BAD_TOPIC -> "4.00"; // Bad Request
        case NOT_ALLOWED -> "4.03"; // Forbidden
        case PAYLOAD_TOO_LARGE -> "4.13"; // Request Entity Too Large
        case MALFORMED_PAYLOAD -> "4.15"; // Unsupported Content-Format
        case OVERLOADED, QUOTA_EXCEEDED -> "4.29 Max-Age 1"; // Too Many Requests, try again in a second
        case UNAVAILABLE -> "5.03 Max-Age 5"; // Service Unavailable, try again in five
        default -> throw new IllegalArgumentException("no CoAP expectation written for " + kind);
      };
    }
  }

  /** An event the gateway must refuse, whatever the transport, and the kind it is refused with. */
  enum Refusal {
    EMPTY_NAME("", "1", Kind.BAD_TOPIC),
    NAME_OF_65_CHARACTERS("n".repeat(65), "1", Kind.BAD_TOPIC),
    NAME_WITH_A_CONTROL_CHARACTER("two\nlines", "1", Kind.BAD_TOPIC),
    CLOUD_STATUS_EVENT("spark/status", "online", Kind.NOT_ALLOWED),
    DATA_OF_1025_BYTES("big", "x".repeat(1025), Kind.PAYLOAD_TOO_LARGE),
    DATA_NOT_UTF_8("latin1", new byte[] {(byte) 0xe9, 't', (byte) 0xe9}, Kind.MALFORMED_PAYLOAD),
    DATA_WITH_U_0000("nul", new byte[] {'a', 0, 'b'}, Kind.MALFORMED_PAYLOAD);

    final String name;
    final byte[] data;
    final Kind kind;

    Refusal(String name, String data, Kind kind) {
      this(name, data.getBytes(StandardCharsets.UTF_8), kind);
    }

    Refusal(String name, byte[] data, Kind kind) {
      this.name = name;
      this.data = data;
      this.kind = kind;
    }
  }

  @BeforeAll
  static void startGateway() throws Exception {
    vertx = GatewayUnderTest.strictVertx();
    devices = Vertx.vertx();
    hub = new FakeHub();
    gateway = GatewayUnderTest.start(vertx, hub);
  }

  @AfterAll
  static void stopGateway() throws Exception {
    try {
      gateway.stop();
    } finally {
      devices.close().await(10, TimeUnit.SECONDS);
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  @AfterEach
  void closeDevices() {
    opened.forEach(DeviceLink::close);
  }

  static Stream<Arguments> refusals() {
    return Stream.of(Transport.values()).flatMap(transport -> Stream.of(Refusal.values()).map(refusal -> Arguments.of(transport, refusal)));
  }

  static Stream<Arguments> hubFailures() {
    return Stream.of(Transport.values()).flatMap(transport -> Stream.of(Kind.OVERLOADED, Kind.UNAVAILABLE).map(kind -> Arguments.of(transport, kind)));
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Transport.class)
  void sessionIsNoticedOnlineWhenItOpensAndOfflineWhenItEnds(Transport transport) throws Exception {
    Identity device = newDevice();

    DeviceLink link = open(transport, device);

    SessionNotice online = hub.notices.awaitFirst(notice -> notice.deviceId().equals(device.id()), "the session's first notice");
    assertEquals(State.OPENED, online.state());
    assertEquals(transport.protocol, online.protocol());
    assertEquals(gateway.nodeId(), online.nodeId());
    assertEquals("127.0.0.1", online.remoteAddress());

    link.end();

    SessionNotice offline = hub.notices.awaitFirst(notice -> notice.deviceId().equals(device.id()) && notice.state() == State.CLOSED,
        "the session's end");
    assertEquals(online.sessionId(), offline.sessionId());
    assertEquals(List.of(State.OPENED, State.CLOSED), states(hub.noticesOf(device.id())));
    assertEquals(Kind.DEVICE_OFFLINE.busCode(), failureCode(command(device, DeviceCommand.Kind.FUNCTION, "led", "on", 1000)),
        "an ended session takes no commands");
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Transport.class)
  void durableEventIsAcknowledgedOnlyOnceTheHubHasWrittenIt(Transport transport) throws Exception {
    Identity device = newDevice();
    DeviceLink link = open(transport, device);
    hub.delayDurableEvents(device.id(), Duration.ofMillis(300));

    WireAnswer answer = link.publish("temperature", utf8("21.5"), true);

    // read at once: had the gateway acknowledged before the hub answered, the answer would not be here yet
    List<FakeHub.DurableAnswer> written = hub.durableAnswers.matching(durable -> durable.event().deviceId().equals(device.id()));
    assertEquals(transport.accepted(true), answer);
    assertEquals(1, written.size(), "the hub had answered the write when the device saw its acknowledgement");
    assertEquals(null, written.get(0).failure());
    ReceivedEvent received = hub.eventsOf(device.id()).get(0);
    assertTrue(received.durable(), "a durable event is a request to the hub");
    assertEquals("temperature", received.event().name());
    assertEquals("21.5", received.event().data());
    assertEquals(60, received.event().ttl());
    assertFalse(received.event().isPublic());
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Transport.class)
  void fireAndForgetEventReachesTheHubWithoutWaitingForIt(Transport transport) throws Exception {
    Identity device = newDevice();
    DeviceLink link = open(transport, device);

    WireAnswer answer = link.publish("humidity", utf8("40"), false);

    assertEquals(transport.accepted(false), answer);
    ReceivedEvent received = hub.events.awaitFirst(event -> event.event().deviceId().equals(device.id()), "the event at the hub");
    assertFalse(received.durable(), "a fire-and-forget event is sent, not requested");
    assertEquals("humidity", received.event().name());
    assertEquals("40", received.event().data());
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("refusals")
  void refusedEventIsAnsweredCountedKeptFromTheHubAndTheSessionGoesOn(Transport transport, Refusal refusal) throws Exception {
    // MQTT 5 section 1.5.4: UTF-8 strings "SHOULD NOT" hold control characters, and Paho refuses to
    // encode one (it drops its own connection instead); MQTT 3.1.1 runs the same gateway code for it
    assumeFalse(transport == Transport.MQTT_5 && refusal == Refusal.NAME_WITH_A_CONTROL_CHARACTER,
        "Paho cannot publish a topic with a control character");
    Identity device = newDevice();
    DeviceLink link = open(transport, device);
    double before = gateway.eventsRejected(transport.protocol, refusal.kind);

    WireAnswer answer = link.publish(refusal.name, refusal.data, true);

    assertEquals(transport.refused(refusal.kind), answer);
    assertEquals(before + 1, gateway.eventsRejected(transport.protocol, refusal.kind), "counted as " + refusal.kind.metricName());
    assertEquals(transport.accepted(true), link.publish("after", utf8("1"), true), "the session goes on");
    // the good event came after the refused one on the same session: had the refused one reached the hub, it would be first
    assertEquals(List.of("after"), names(hub.eventsOf(device.id())), "nothing of the refused event reached the hub");
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("hubFailures")
  void durableEventTheHubCannotWriteIsReportedSoTheDeviceSendsItAgain(Transport transport, Kind failure) throws Exception {
    Identity device = newDevice();
    DeviceLink link = open(transport, device);
    hub.failDurableEvents(device.id(), failure);
    double before = gateway.eventsRejected(transport.protocol, failure);

    WireAnswer answer = link.publish("reading", utf8("7"), true);

    assertEquals(transport.hubFailed(failure), answer);
    assertEquals(before + 1, gateway.eventsRejected(transport.protocol, failure), "counted once as " + failure.metricName());

    hub.failDurableEvents(device.id(), null);
    DeviceLink again = link.isOpen() ? link : open(transport, device);
    assertEquals(transport.accepted(true), again.publish("reading", utf8("7"), true), "sent again once the hub can write");
    List<FakeHub.DurableAnswer> answers = hub.durableAnswers.matching(durable -> durable.event().deviceId().equals(device.id()));
    assertEquals(List.of(failure), answers.subList(0, answers.size() - 1).stream().map(FakeHub.DurableAnswer::failure).distinct().toList(),
        "every offer before the device sent it again failed");
    assertEquals(null, answers.get(answers.size() - 1).failure(), "the event sent again was written");
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Transport.class)
  void durableEventTheHubIsTooBusyToTakeForAMomentIsWrittenOnceWithoutTheSessionEnding(Transport transport) throws Exception {
    Identity device = newDevice();
    DeviceLink link = open(transport, device);
    hub.failNextDurableEvents(device.id(), Kind.OVERLOADED, 3);
    double retried = gateway.eventsRetried(transport.protocol);
    double rejected = gateway.eventsRejected(transport.protocol, Kind.OVERLOADED);

    WireAnswer answer = link.publish("busy", utf8("1"), true);

    assertEquals(transport.hubBusyForAWhile(), answer);
    while (!answer.equals(transport.accepted(true))) {
      answer = link.publish("busy", utf8("1"), true); // what the device does with a time to try again
    }
    assertTrue(link.isOpen(), "the session did not end");
    List<FakeHub.DurableAnswer> answers = hub.durableAnswers.matching(durable -> durable.event().deviceId().equals(device.id()));
    assertEquals(List.of(Kind.OVERLOADED, Kind.OVERLOADED, Kind.OVERLOADED, "written"),
        answers.stream().map(durable -> durable.failure() == null ? "written" : durable.failure()).toList(), "written once, after three refusals");
    boolean held = transport != Transport.COAP;
    assertEquals(retried + (held ? 3 : 0), gateway.eventsRetried(transport.protocol), "offered again by the gateway, not the device");
    assertEquals(rejected + (held ? 0 : 3), gateway.eventsRejected(transport.protocol, Kind.OVERLOADED));
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Transport.class)
  void eventsPastTheDevicesQuotaAreRefusedForGoodCountedAndTheSessionGoesOn(Transport transport) throws Exception {
    Identity device = newDevice();
    DeviceLink link = open(transport, device);
    double before = gateway.eventsRejected(transport.protocol, Kind.QUOTA_EXCEEDED);

    // the test gateway allows 1 a second in bursts of 20: a device that sends as fast as it is answered goes past it
    List<WireAnswer> answers = new ArrayList<>();
    WireAnswer answer = transport.accepted(true);
    for (int i = 0; i < 200 && answer.equals(transport.accepted(true)); i++) {
      answer = link.publish("flood", utf8(Integer.toString(i)), true);
      answers.add(answer);
    }

    assertEquals(transport.refused(Kind.QUOTA_EXCEEDED), answer, "answered past the quota after " + answers.size() + " events");
    assertTrue(answers.size() >= 20, "the burst of 20 was taken first (the opening description used one place): " + answers.size());
    assertEquals(before + 1, gateway.eventsRejected(transport.protocol, Kind.QUOTA_EXCEEDED), "counted as quota_exceeded");
    assertEquals(answers.size() - 1, hub.eventsOf(device.id()).size(), "the refused one did not reach the hub");
    WireAnswer later = link.publish("later", utf8("1"), true);
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!later.equals(transport.accepted(true)) && System.nanoTime() < deadline) {
      later = link.publish("later", utf8("1"), true); // the quota refills: a device that slows down is served again
      // (each refused try is counted too, and the session stays)
    }
    assertEquals(transport.accepted(true), later, "the session goes on");
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Transport.class)
  void handshakeFirmwareAndSettingsStepsPastTheDevicesBoundAreRefusedForGoodCountedAndTheSessionGoesOn(Transport transport) throws Exception {
    Identity device = newDevice();
    DeviceLink link = open(transport, device);
    JsonObject handshake = new JsonObject().put("product_id", 1001).put("firmware_version", 2).put("platform_id", 12);
    double before = gateway.eventsRejected(transport.protocol, Kind.QUOTA_EXCEEDED);

    // a device that handshakes in a loop: each handshake it is allowed is a request to the hub
    List<WireAnswer> answers = new ArrayList<>();
    WireAnswer answer = transport.accepted(true);
    for (int i = 0; i < 100 && answer.equals(transport.accepted(true)); i++) {
      answer = link.sendHandshake(handshake);
      answers.add(answer);
    }

    assertEquals(transport.refused(Kind.QUOTA_EXCEEDED), answer, "answered past the bound after " + answers.size() + " handshakes");
    // the burst first; the bound gives a step back every StepQuota.REFILL_SECONDS s, which a slow run may reach once
    assertTrue(answers.size() > StepQuota.BURST && answers.size() <= StepQuota.BURST + 2,
        "the burst of " + StepQuota.BURST + " was taken, and not much more: " + answers.size());
    assertEquals(transport.refused(Kind.QUOTA_EXCEEDED), link.reportFirmwareResult(3, false), "fw/result is under the same bound");
    assertEquals(transport.refused(Kind.QUOTA_EXCEEDED), link.acknowledgeSettings("9f8e7d6c"), "and cfg/ack");
    assertEquals(before + 3, gateway.eventsRejected(transport.protocol, Kind.QUOTA_EXCEEDED), "each counted as quota_exceeded");
    assertEquals(transport.accepted(true), link.publish("after", utf8("1"), true), "the session goes on: its events have their own quota");
    assertTrue(link.isOpen(), "the session did not end");
    assertEquals(answers.size() - 1, hub.firmwareTargetRequests.matching(request -> device.id().equals(request.getString("device_id"))).size(),
        "the refused handshake did not reach the hub");
    assertEquals(List.of(), hub.configAcks.matching(ack -> device.id().equals(ack.getString("device_id"))), "nor the refused acknowledgement");
    assertEquals(List.of("after"), names(hub.eventsOf(device.id())), "nor anything of the refused fw/result (no spark/flash/status)");
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Transport.class)
  void descriptionReachesTheHubAndAMalformedOneIsRefused(Transport transport) throws Exception {
    Identity device = newDevice();
    DeviceLink link = open(transport, device);

    assertEquals(transport.accepted(true), link.describe("{\"f\":[\"led\"],\"v\":{\"temperature\":\"double\"}}"));
    double before = gateway.eventsRejected(transport.protocol, Kind.MALFORMED_PAYLOAD);
    assertEquals(transport.refused(Kind.MALFORMED_PAYLOAD), link.describe("{\"f\":\"led\"}"));
    assertEquals(before + 1, gateway.eventsRejected(transport.protocol, Kind.MALFORMED_PAYLOAD), "counted as malformed_payload");
    assertEquals(transport.accepted(true), link.describe("{\"f\":[\"led\",\"reboot\"]}"), "the session goes on");

    List<JsonObject> described = hub.descriptions.await(all -> describedBy(all, device).size() == 3, "three descriptions at the hub");
    assertEquals(List.of(
        description(device, new JsonArray(), new JsonObject()),
        description(device, new JsonArray().add("led"), new JsonObject().put("temperature", "double")),
        description(device, new JsonArray().add("led").add("reboot"), new JsonObject())),
        describedBy(described, device), "the opening one, the good one, the one after the refusal: nothing of the malformed one");
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Transport.class)
  void functionCallVariableReadAndSignalReachTheDeviceAndTheirAnswersComeBack(Transport transport) throws Exception {
    Identity device = newDevice();
    DeviceLink link = open(transport, device);
    link.serveFunction("led", argument -> "on".equals(argument) ? "1" : "0");
    link.serveVariable("temperature", "21.5");

    assertEquals("1", result(command(device, DeviceCommand.Kind.FUNCTION, "led", "on", 5000)));
    assertEquals("21.5", result(command(device, DeviceCommand.Kind.VARIABLE, "temperature", null, 5000)));
    assertEquals("", result(command(device, DeviceCommand.Kind.SIGNAL, null, "1", 5000)));

    assertEquals(List.of(new Call("function", "led", "on"), new Call("variable", "temperature", ""), new Call("signal", "", "1")),
        link.calls().await(calls -> calls.size() >= 3, "three requests at the device"));
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Transport.class)
  void requestTheDeviceDoesNotAnswerTimesOut(Transport transport) throws Exception {
    Identity device = newDevice();
    DeviceLink link = open(transport, device);
    link.serveFunction("hang", argument -> null);

    int failure = failureCode(command(device, DeviceCommand.Kind.FUNCTION, "hang", "x", 500));

    assertEquals(Kind.DEVICE_TIMEOUT.busCode(), failure);
    assertEquals(List.of(new Call("function", "hang", "x")), link.calls().all(), "the call reached the device");
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Transport.class)
  void requestPastTheInFlightBoundIsRefusedAsOverloadedWithoutReachingTheDevice(Transport transport) throws Exception {
    Identity device = newDevice();
    DeviceLink link = open(transport, device);
    link.serveFunction("hang", argument -> null);
    List<Future<JsonObject>> admitted = new ArrayList<>();
    for (int i = 0; i < CommandDispatch.MAX_IN_FLIGHT; i++) {
      admitted.add(command(device, DeviceCommand.Kind.FUNCTION, "hang", "x", 1000));
    }
    link.calls().await(calls -> calls.size() == CommandDispatch.MAX_IN_FLIGHT, "the admitted calls at the device");

    int refused = failureCode(command(device, DeviceCommand.Kind.FUNCTION, "hang", "x", 1000));

    assertEquals(Kind.OVERLOADED.busCode(), refused);
    assertEquals(CommandDispatch.MAX_IN_FLIGHT, link.calls().size(), "the refused call did not reach the device");
    for (Future<JsonObject> call : admitted) {
      assertEquals(Kind.DEVICE_TIMEOUT.busCode(), failureCode(call), "the admitted ones still time out on their own");
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Transport.class)
  void secondSessionOfADeviceTakesOverWithoutTheDeviceGoingOffline(Transport transport) throws Exception {
    Identity device = newDevice();
    DeviceLink first = open(transport, device);
    first.serveFunction("whoami", argument -> "1");
    hub.notices.await(all -> states(ofDevice(all, device)).equals(List.of(State.OPENED)), "the first session online");

    DeviceLink second = open(transport, device);
    second.serveFunction("whoami", argument -> "2");

    assertEquals(transport.takenOver(), first.awaitTakenOver());
    List<SessionNotice> online = ofDevice(hub.notices.await(all -> opened(ofDevice(all, device)).size() == 2, "the second session online"), device);
    String secondSession = opened(online).get(1).sessionId();
    assertEquals("2", result(command(device, DeviceCommand.Kind.FUNCTION, "whoami", "", 5000)), "commands reach the new session");
    assertEquals(List.of(State.OPENED, State.OPENED), states(hub.noticesOf(device.id())), "the takeover did not take the device offline");

    second.end();

    List<SessionNotice> notices = ofDevice(hub.notices.await(all -> ofDevice(all, device).stream()
        .anyMatch(notice -> notice.state() == State.CLOSED && notice.sessionId().equals(secondSession)), "the second session's end"), device);

    assertEquals(List.of(State.OPENED, State.OPENED, State.CLOSED), states(notices), "offline only when the last session ends: " + notices);
    assertNotEquals(notices.get(0).sessionId(), notices.get(1).sessionId());
    assertEquals(notices.get(1).sessionId(), notices.get(2).sessionId());
  }

  /**
   * A revoked certificate ends only a session that was authenticated with it ({@code END_SESSION}):
   * a session opened with the device's secret is kept, and goes on.
   */
  @ParameterizedTest(name = "{0}")
  @EnumSource(Transport.class)
  void revokedCertificateLeavesASessionAuthenticatedWithTheSecretOpen(Transport transport) throws Exception {
    Identity device = newDevice();
    DeviceLink link = open(transport, device);
    link.serveFunction("whoami", argument -> "still here");

    assertEquals("kept", result(command(device, DeviceCommand.Kind.END_SESSION, null, randomHex(32), 3000)));

    assertEquals("still here", result(command(device, DeviceCommand.Kind.FUNCTION, "whoami", "", 5000)));
    assertEquals(transport.accepted(true), link.publish("after", utf8("1"), true));
    assertEquals(List.of(State.OPENED), states(hub.noticesOf(device.id())), "the session did not end");
  }

  /**
   * A device whose SIM may no longer be used is cut off ({@code DISCONNECT}), whatever it authenticated
   * with, on every transport: the session ends and the hub hears it, and it takes no more commands.
   */
  @ParameterizedTest(name = "{0}")
  @EnumSource(Transport.class)
  void disconnectEndsTheSessionWhateverItAuthenticatedWith(Transport transport) throws Exception {
    Identity device = newDevice();
    open(transport, device);
    hub.notices.awaitFirst(notice -> notice.deviceId().equals(device.id()), "the session's first notice");

    assertEquals("ended", result(command(device, DeviceCommand.Kind.DISCONNECT, null, "sim_deactivated", 3000)));

    hub.notices.awaitFirst(notice -> notice.deviceId().equals(device.id()) && notice.state() == State.CLOSED, "the session's end");
    assertEquals(Kind.DEVICE_OFFLINE.busCode(), failureCode(command(device, DeviceCommand.Kind.FUNCTION, "led", "on", 1000)),
        "a cut-off session takes no commands");
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Transport.class)
  void handshakeOffersTheFirmwareTargetAndTheDeviceGetsTheWholeBinary(Transport transport) throws Exception {
    Identity device = newDevice();
    Buffer binary = Buffer.buffer(randomBytes(5000));
    hub.setFirmwareTarget(device.id(), 1001, 3, binary);
    DeviceLink link = open(transport, device);

    JsonObject answer = link.handshake(new JsonObject().put("product_id", 1001).put("firmware_version", 2).put("platform_id", 12));

    assertEquals(new JsonObject().put("device_id", device.id()).put("product_id", 1001).put("firmware_version", 2).put("platform_id", 12),
        hub.firmwareTargetRequests.awaitFirst(request -> device.id().equals(request.getString("device_id")), "the hub asked for the target"));
    assertEquals(true, answer.getBoolean("firmware_update"), answer.encode());
    assertEquals(3, answer.getInteger("target_version"));
    assertEquals("group", answer.getString("rule"));
    FirmwareDownload download = link.downloadFirmware(answer);
    assertEquals(3, download.version());
    assertEquals(binary.length(), download.size());
    assertEquals(FakeHub.sha256(binary), download.sha256());
    assertArrayEquals(binary.getBytes(), download.binary(), "the device holds the whole binary");

    assertEquals(transport.accepted(true), link.reportFirmwareResult(3, true));
    assertEquals(new JsonObject().put("device_id", device.id()).put("product_id", 1001).put("version", 3).put("succeeded", true),
        hub.firmwareOutcomes.awaitFirst(outcome -> device.id().equals(outcome.getString("device_id")), "the update's outcome at the hub"));
    hub.events.await(all -> flashStatuses(device).contains("success"), "spark/flash/status success");
    assertEquals(List.of("started", "success"), flashStatuses(device));
  }

  /**
   * A developer's cloud flash: the binary comes in the command, is offered whatever the hub targets
   * (here nothing), before any handshake of the session, and goes by the transport's delivery; no
   * rollout counts its end.
   */
  @ParameterizedTest(name = "{0}")
  @EnumSource(Transport.class)
  void aFlashCommandOffersItsOwnBinaryBeforeAnyHandshakeAndNoRolloutCountsIt(Transport transport) throws Exception {
    Identity device = newDevice();
    byte[] payload = randomBytes(3000);
    Buffer binary = Buffer.buffer("DRFW").appendShort((short) 1).appendShort((short) 64).appendInt(0).appendInt(5).appendInt(12)
        .appendInt(payload.length).appendBytes(java.security.MessageDigest.getInstance("SHA-256").digest(payload)).appendBytes(new byte[8])
        .appendBytes(payload);
    DeviceLink link = open(transport, device);

    assertEquals(Kind.MALFORMED_PAYLOAD.busCode(), failureCode(command(device, DeviceCommand.Kind.FIRMWARE_FLASH, null,
        java.util.Base64.getEncoder().encodeToString(payload), 3000)), "a binary without its header is refused");
    assertEquals("started", result(command(device, DeviceCommand.Kind.FIRMWARE_FLASH, null,
        java.util.Base64.getEncoder().encodeToString(binary.getBytes()), 3000)));

    JsonObject answer = link.awaitHandshakeNotice(notice -> "flash".equals(notice.getString("rule")));
    assertEquals(new JsonObject().put("firmware_update", true).put("target_version", 5).put("rule", "flash").put("size", binary.length())
        .put("sha256", FakeHub.sha256(Buffer.buffer(payload))), answer);
    FirmwareDownload download = link.downloadFirmware(answer);
    assertArrayEquals(binary.getBytes(), download.binary(), "the device holds the binary the command carried");
    assertEquals(transport.accepted(true), link.reportFirmwareResult(5, true));
    hub.events.await(all -> flashStatuses(device).contains("success"), "spark/flash/status success");
    assertEquals(List.of("started", "success"), flashStatuses(device));
    assertTrue(hub.firmwareOutcomes.all().stream().noneMatch(outcome -> device.id().equals(outcome.getString("device_id"))),
        "a flash is no rollout's outcome");
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Transport.class)
  void trackerSettingsThatDifferReachTheDeviceAndItsAcknowledgementReachesTheHub(Transport transport) throws Exception {
    Identity device = newDevice();
    JsonObject settings = new JsonObject().put("location", new JsonObject().put("radius", 50).put("interval_min", 900));
    hub.setTrackerSettings(device.id(), "9f8e7d6c", settings);
    DeviceLink link = open(transport, device);

    JsonObject answer = link.handshake(new JsonObject().put("product_id", 1001).put("firmware_version", 3).put("platform_id", 26)
        .put("config_checksum", "00000000"));

    assertEquals(false, answer.getBoolean("firmware_update"), answer.encode());
    assertEquals(new JsonObject().put("checksum", "9f8e7d6c").put("configuration", settings), link.awaitSettings());
    assertEquals(new JsonObject().put("device_id", device.id()).put("checksum", "00000000"),
        hub.configChecks.awaitFirst(check -> device.id().equals(check.getString("device_id")), "the hub compared checksums"));

    assertEquals(transport.accepted(true), link.acknowledgeSettings("9f8e7d6c"));
    assertEquals(new JsonObject().put("device_id", device.id()).put("checksum", "9f8e7d6c"),
        hub.configAcks.awaitFirst(ack -> device.id().equals(ack.getString("device_id")), "the acknowledgement at the hub"));
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Transport.class)
  void aSettingsComparisonTheHubCouldNotAnswerAtTheHandshakeIsAskedAgain(Transport transport) throws Exception {
    Identity device = newDevice();
    JsonObject settings = new JsonObject().put("rgb", new JsonObject().put("type", "off"));
    hub.setTrackerSettings(device.id(), "1a2b3c4d", settings);
    hub.failConfigChecks(device.id(), 1);
    DeviceLink link = open(transport, device);

    link.handshake(new JsonObject().put("product_id", 1001).put("firmware_version", 3).put("platform_id", 26).put("config_checksum", ""));

    assertEquals(new JsonObject().put("checksum", "1a2b3c4d").put("configuration", settings), link.awaitSettings(),
        "the settings arrive after the hub answers the second time, without a new handshake");
    assertEquals(2, hub.configChecks.matching(check -> device.id().equals(check.getString("device_id"))).size());
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Transport.class)
  void wrongSecretAndUnknownDeviceAreRefusedAlikeButCountedApart(Transport transport) throws Exception {
    Identity device = newDevice();
    String unknown = randomHex(12);
    double badCredentials = gateway.connectsRejected(transport.protocol, Kind.BAD_CREDENTIALS);
    double unknownDevice = gateway.connectsRejected(transport.protocol, Kind.UNKNOWN_DEVICE);

    assertEquals(transport.connectRefused(Kind.BAD_CREDENTIALS), transport.firstContact(device.id(), randomHex(16)));
    assertEquals(transport.connectRefused(Kind.UNKNOWN_DEVICE), transport.firstContact(unknown, device.secret()));

    assertEquals(badCredentials + 1, gateway.connectsRejected(transport.protocol, Kind.BAD_CREDENTIALS), "the wrong secret counted once");
    assertEquals(unknownDevice + 1, gateway.connectsRejected(transport.protocol, Kind.UNKNOWN_DEVICE), "the unknown device counted once");
    assertEquals(List.of(), hub.noticesOf(device.id()), "no session opened");
    assertEquals(List.of(), hub.noticesOf(unknown), "no session opened");
  }

  private DeviceLink open(Transport transport, Identity device) throws Exception {
    DeviceLink link = transport.connect(device);
    opened.add(link);
    return link;
  }

  private static Identity newDevice() {
    Identity device = new Identity(randomHex(12), randomHex(16));
    hub.addDevice(device.id(), device.secret());
    return device;
  }

  /** Asks the device's session, as the hub's DeviceCommands does once it knows the holder is this node. */
  private static Future<JsonObject> command(Identity device, DeviceCommand.Kind kind, String name, String argument, long timeoutMillis) {
    DeviceCommand command = new DeviceCommand(device.id(), kind, name, argument, timeoutMillis);
    return vertx.eventBus().<JsonObject>request(BusAddresses.deviceCommands(gateway.nodeId()), command.toJson(),
            new DeliveryOptions().setSendTimeout(timeoutMillis + 2000))
        .map(Message::body);
  }

  private static String result(Future<JsonObject> reply) throws Exception {
    return reply.await(15, TimeUnit.SECONDS).getString("result");
  }

  /** The failure code of a reply that must fail: a {@link Kind#busCode()}. */
  private static int failureCode(Future<JsonObject> reply) throws Exception {
    AsyncResult<JsonObject> outcome = reply.<AsyncResult<JsonObject>>transform(Future::succeededFuture).await(15, TimeUnit.SECONDS);
    assertTrue(outcome.failed(), () -> "expected a failure, got " + outcome.result());
    ReplyException failure = assertInstanceOf(ReplyException.class, outcome.cause());
    assertEquals(ReplyFailure.RECIPIENT_FAILURE, failure.failureType(), failure.getMessage());
    return failure.failureCode();
  }

  private static List<SessionNotice> ofDevice(List<SessionNotice> notices, Identity device) {
    return notices.stream().filter(notice -> notice.deviceId().equals(device.id())).toList();
  }

  private static List<SessionNotice> opened(List<SessionNotice> notices) {
    return notices.stream().filter(notice -> notice.state() == State.OPENED).toList();
  }

  private static List<State> states(List<SessionNotice> notices) {
    return notices.stream().map(SessionNotice::state).toList();
  }

  private static List<ReceivedEvent> ofDevice(List<ReceivedEvent> events, String deviceId) {
    return events.stream().filter(received -> received.event().deviceId().equals(deviceId)).toList();
  }

  private static List<String> names(List<ReceivedEvent> events) {
    return events.stream().map(received -> received.event().name()).toList();
  }

  private static List<String> flashStatuses(Identity device) {
    return hub.eventsOf(device.id()).stream()
        .filter(received -> received.event().name().equals("spark/flash/status"))
        .map(received -> received.event().data())
        .toList();
  }

  private static List<JsonObject> describedBy(List<JsonObject> descriptions, Identity device) {
    return descriptions.stream().filter(description -> device.id().equals(description.getString("device_id"))).toList();
  }

  private static JsonObject description(Identity device, JsonArray functions, JsonObject variables) {
    return new JsonObject().put("device_id", device.id()).put("functions", functions).put("variables", variables);
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] randomBytes(int length) {
    byte[] bytes = new byte[length];
    RANDOM.nextBytes(bytes);
    return bytes;
  }

  private static String randomHex(int bytes) {
    return HexFormat.of().formatHex(randomBytes(bytes));
  }
}
