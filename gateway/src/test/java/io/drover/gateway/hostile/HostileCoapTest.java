package io.drover.gateway.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.drover.gateway.hostile.CoapMessages.CoapMessage;
import io.drover.gateway.hostile.DtlsDatagrams.Datagram;
import io.drover.gateway.hostile.MqttPackets.Device;
import io.drover.gateway.hostile.gen.Gen;
import io.drover.gateway.hostile.gen.Gens;
import io.drover.gateway.support.CoapDevice;
import io.drover.gateway.support.FakeHub;
import io.drover.gateway.support.GatewayUnderTest;
import io.vertx.core.Vertx;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.eclipse.californium.core.coap.CoAP;
import org.eclipse.californium.core.coap.Message;
import org.eclipse.californium.core.coap.Response;
import org.eclipse.californium.core.network.serialization.UdpDataParser;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The CoAP listener against hostile datagrams (docs/operations.md, "Hostile input"): CoAP messages of
 * every shape inside a device's DTLS session, and datagrams of every shape outside any, on the CoAPS
 * port. Whatever comes, the node answers with CoAP (inside) or DTLS (outside), or ignores it, logs no
 * ERROR, and keeps answering: after each case a probe request over a device's session must be
 * answered by its deadline, and after each property a good device still publishes an event that
 * reaches the hub.
 */
class HostileCoapTest {

  private static final Duration ANSWER_WAIT = Duration.ofSeconds(8);
  /** A probe not answered within this is sent again, as a device retransmits (RFC 7252 section 4.2). */
  private static final Duration PROBE_RESEND = Duration.ofSeconds(2);
  /** How long stray answers to datagrams sent outside DTLS are collected once the probe is answered. */
  private static final Duration STRAY_WAIT = Duration.ofMillis(30);
  private static final int DEVICES = 8;
  private static final SecureRandom RANDOM = new SecureRandom();

  private static Vertx vertx;
  private static FakeHub hub;
  private static GatewayUnderTest gateway;
  private static final List<Device> DEVICE_POOL = new ArrayList<>();
  private static final List<DtlsClient> SESSIONS = new ArrayList<>();

  /** A case inside DTLS: the device whose session carries it, and its messages. */
  record InsideCase(int device, List<CoapMessage> messages) {

    @Override
    public String toString() {
      return "device " + device + " " + messages;
    }
  }

  @BeforeAll
  static void startGateway() throws Exception {
    vertx = GatewayUnderTest.strictVertx();
    hub = new FakeHub();
    gateway = GatewayUnderTest.start(vertx, hub);
    for (int i = 0; i < DEVICES; i++) {
      Device device = new Device(newDeviceId(), "coap-secret-" + i);
      hub.addDevice(device.id(), device.secret());
      DEVICE_POOL.add(device);
      SESSIONS.add(new DtlsClient(gateway.coapPort(), device.id(), device.secret()));
    }
  }

  @AfterAll
  static void stopGateway() throws Exception {
    try {
      SESSIONS.forEach(DtlsClient::close);
      gateway.stop();
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  static Gen<InsideCase> insideDtls() {
    return Gens.combine(Gens.ints(0, DEVICES - 1), CoapMessages.messages().list(1, 3), InsideCase::new);
  }

  static Gen<List<Datagram>> outsideDtls() {
    return DtlsDatagrams.datagrams().list(1, 3);
  }

  /**
   * Inside a device's DTLS session: every datagram the node sends back is a CoAP message, never 5.00;
   * every clean confirmable request is answered (a response, or a Reset); the probe is answered.
   */
  @Test
  @Hostile(surface = "coap-dtls", ciTries = 1000)
  void everyCoapMessageInsideDtlsIsAnsweredWithACodeOrIgnored(HostileRun run) throws Exception {
    run.forAll(insideDtls(), HostileCoapTest::answeredWithACodeOrIgnored, HostileCoapTest::aGoodDeviceStillPublishes);
  }

  /** One case inside DTLS: its messages, then the probe, over its device's session. */
  private static void answeredWithACodeOrIgnored(InsideCase hostile, Tally tally) throws Exception {
    DtlsClient session = SESSIONS.get(hostile.device());
    List<CoapMessage> owed = new ArrayList<>();
    for (CoapMessage message : hostile.messages()) {
      CoapMessage sent = message.clean() ? message.withMessageId(session.nextMessageId()) : message;
      if (sent.clean()) {
        owed.add(sent);
      }
      session.send(sent.bytes());
    }
    Set<String> fates = new TreeSet<>();
    CoapMessage probe = probe(session);
    owed.add(probe);
    long deadline = System.nanoTime() + ANSWER_WAIT.toNanos();
    long resendAt = System.nanoTime() + PROBE_RESEND.toNanos();
    while (!owed.isEmpty()) {
      byte[] datagram = session.receive(Math.min(deadline, resendAt));
      if (datagram == null) {
        if (System.nanoTime() >= deadline) {
          throw tally.hang(hostile + ": still unanswered at the deadline " + owed + (session.lastSendError() == null ? ""
              : "; the last send failed: " + session.lastSendError()));
        }
        session.send(probe.bytes()); // the same message ID: a duplicate, answered again (RFC 7252 section 4.5)
        resendAt = System.nanoTime() + PROBE_RESEND.toNanos();
        continue;
      }
      Message answer = parse(datagram, hostile, tally);
      if (answer instanceof Response response && response.getCode() == CoAP.ResponseCode.INTERNAL_SERVER_ERROR) {
        throw tally.crash(hostile + ": answered 5.00 Internal Server Error: " + answer);
      }
      CoapMessage answered = answerTo(answer, owed);
      if (answered != null) {
        owed.remove(answered);
        if (answered != probe) {
          fates.add(fate(answer));
        }
      } else {
        fates.add(fate(answer));
      }
    }
    EventLoops.drain(vertx);
    if (fates.isEmpty()) {
      fates.add("ignored");
    }
    tally.tried(hostile.toString(), fates);
  }

  /**
   * Outside any DTLS session: every datagram the node sends back holds DTLS records only (a
   * HelloVerifyRequest to a ClientHello, an alert), most are dropped unanswered (RFC 6347 section
   * 4.1.2.7), and the probe over a device's session is answered.
   */
  @Test
  @Hostile(surface = "coap-raw", ciTries = 250)
  void everyDatagramOutsideDtlsIsDroppedOrAnsweredWithDtls(HostileRun run) throws Exception {
    run.forAll(outsideDtls(), HostileCoapTest::droppedOrAnsweredWithDtls, HostileCoapTest::aGoodDeviceStillPublishes);
  }

  /** One case outside DTLS: its datagrams from a socket of its own, then the probe over a device's session. */
  private static void droppedOrAnsweredWithDtls(List<Datagram> datagrams, Tally tally) throws Exception {
    Set<String> fates = new TreeSet<>();
    try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
      InetSocketAddress port = new InetSocketAddress("127.0.0.1", gateway.coapPort());
      for (Datagram datagram : datagrams) {
        socket.send(new DatagramPacket(datagram.bytes(), datagram.bytes().length, port));
      }
      DtlsClient session = SESSIONS.get(RANDOM.nextInt(DEVICES));
      awaitProbe(session, datagrams.toString(), tally);
      socket.setSoTimeout((int) STRAY_WAIT.toMillis());
      byte[] buffer = new byte[65_536];
      while (true) {
        DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
        try {
          socket.receive(packet);
        } catch (SocketTimeoutException none) {
          break;
        }
        byte[] answer = Arrays.copyOf(packet.getData(), packet.getLength());
        if (!DtlsDatagrams.isDtls(answer)) {
          throw tally.crash(datagrams + ": the node answered with bytes that are no DTLS record: " + HexFormat.of().formatHex(answer));
        }
        fates.add("DTLS record type " + (answer[0] & 0xff) + (answer[0] == DtlsDatagrams.HANDSHAKE ? " message " + (answer[13] & 0xff) : ""));
      }
    }
    EventLoops.drain(vertx);
    if (fates.isEmpty()) {
      fates.add("dropped");
    }
    tally.tried(datagrams.toString(), fates);
  }

  /** After each property: a device shakes hands, declares itself and publishes; its event reaches the hub. */
  private static void aGoodDeviceStillPublishes(Tally tally) throws Exception {
    String deviceId = newDeviceId();
    hub.addDevice(deviceId, "good secret");
    try (CoapDevice device = CoapDevice.open(gateway.coapPort(), deviceId, "good secret")) {
      assertEquals("2.04", device.publish("still-here", "1".getBytes(StandardCharsets.UTF_8), true).text(), "a good device's event");
      assertEquals(List.of("still-here"), hub.eventsOf(deviceId).stream().map(received -> received.event().name()).toList());
    } catch (Exception | AssertionError refused) {
      throw tally.crash("a good device could not publish after the property: " + refused);
    }
  }

  /** Sends a probe over the session and waits for its answer, sending it again now and then. */
  private static void awaitProbe(DtlsClient session, String hostile, Tally tally) throws InterruptedException {
    CoapMessage probe = probe(session);
    long deadline = System.nanoTime() + ANSWER_WAIT.toNanos();
    long resendAt = System.nanoTime() + PROBE_RESEND.toNanos();
    while (true) {
      byte[] datagram = session.receive(Math.min(deadline, resendAt));
      if (datagram == null) {
        if (System.nanoTime() >= deadline) {
          throw tally.hang(hostile + ": the probe over a device's session was not answered by the deadline"
              + (session.lastSendError() == null ? "" : "; the last send failed: " + session.lastSendError()));
        }
        session.send(probe.bytes());
        resendAt = System.nanoTime() + PROBE_RESEND.toNanos();
        continue;
      }
      Message answer = parse(datagram, hostile, tally);
      if (answerTo(answer, List.of(probe)) != null) {
        return;
      }
    }
  }

  /** A confirmable {@code POST /e/probe} with a token and message ID of its own. */
  private static CoapMessage probe(DtlsClient session) {
    byte[] token = new byte[8];
    RANDOM.nextBytes(token);
    CoapMessage probe = new CoapMessage(1, CoapMessages.CON, 8, token, CoAP.Code.POST.value, session.nextMessageId(),
        List.of(new CoapMessages.Option(11, "e".getBytes(StandardCharsets.US_ASCII)), new CoapMessages.Option(11, "probe".getBytes(StandardCharsets.US_ASCII))),
        CoapMessages.OptionCoding.TRUE, true, "1".getBytes(StandardCharsets.US_ASCII), true);
    session.send(probe.bytes());
    return probe;
  }

  private static Message parse(byte[] datagram, Object hostile, Tally tally) {
    try {
      return new UdpDataParser().parseMessage(datagram);
    } catch (RuntimeException garbled) {
      throw tally.crash(hostile + ": the node sent a datagram that is no CoAP message (" + garbled.getMessage() + "): "
          + HexFormat.of().formatHex(datagram));
    }
  }

  /** The message among {@code owed} that {@code answer} answers: an ACK or RST with its message ID, or a response with its token. */
  private static CoapMessage answerTo(Message answer, List<CoapMessage> owed) {
    for (CoapMessage request : owed) {
      boolean sameId = answer.getMID() == request.messageId() && (answer.getType() == CoAP.Type.ACK || answer.getType() == CoAP.Type.RST);
      boolean sameToken = answer instanceof Response && request.token().length > 0 && Arrays.equals(answer.getTokenBytes(), request.token());
      if (sameId || sameToken) {
        return request;
      }
    }
    return null;
  }

  /** "4.02", "RST", "ACK": what the node answered with. */
  private static String fate(Message answer) {
    if (answer instanceof Response response) {
      return response.getCode().codeClass + "." + String.format("%02d", response.getCode().codeDetail);
    }
    return answer.getType().name();
  }

  private static String newDeviceId() {
    return UUID.randomUUID().toString().replace("-", "").substring(0, 24);
  }
}
