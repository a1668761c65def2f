package io.drover.gateway.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.drover.gateway.hostile.CoapMessages.CoapMessage;
import io.drover.gateway.hostile.CoapMessages.Option;
import io.drover.gateway.support.FakeHub;
import io.drover.gateway.support.GatewayUnderTest;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.eclipse.californium.core.coap.CoAP;
import org.eclipse.californium.core.coap.Message;
import org.eclipse.californium.core.coap.Response;
import org.eclipse.californium.core.network.serialization.UdpDataParser;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What the hostile-input suite found on the CoAP listener, each pinned by an example sent as raw bytes
 * over a device's DTLS session (the suite itself is {@link HostileCoapTest}).
 */
class CoapRawClientTest {

  private static final long DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(10);
  private static final String DEVICE_ID = "0123456789abcdef01234567";

  private static Vertx vertx;
  private static GatewayUnderTest gateway;
  private static DtlsClient session;

  @BeforeAll
  static void startGateway() throws Exception {
    vertx = GatewayUnderTest.strictVertx();
    FakeHub hub = new FakeHub();
    gateway = GatewayUnderTest.start(vertx, hub);
    hub.addDevice(DEVICE_ID, "secret");
    session = new DtlsClient(gateway.coapPort(), DEVICE_ID, "secret");
  }

  @AfterAll
  static void stopGateway() throws Exception {
    try {
      session.close();
      gateway.stop();
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  /**
   * RFC 7959 section 2.3: a block holds as many bytes as its size exponent says, the last one fewer.
   * Californium 3.14 threw from its parser for a larger one, which left the request unanswered and
   * logged an ERROR with a stack trace, for every such datagram.
   */
  @Test
  void blockLargerThanItsSizeIsAnsweredBadRequestAndLogsNoError() throws Exception {
    try (ErrorLog log = ErrorLog.watch()) {
      int messageId = session.nextMessageId();
      byte[] token = {1, 2, 3, 4};
      byte[] hundredBytes = "x".repeat(100).getBytes(StandardCharsets.US_ASCII);
      // Block1 num 0, more false, SZX 0: a block of 16 bytes at most
      CoapMessage request = new CoapMessage(1, CoapMessages.CON, token.length, token, CoAP.Code.POST.value, messageId,
          List.of(path("e"), path("big"), new Option(27, new byte[] {0x00})), CoapMessages.OptionCoding.TRUE, true, hundredBytes, true);

      session.send(request.bytes());

      Message answer = answerTo(messageId);
      assertNotNull(answer, "an answer to the request");
      assertEquals(CoAP.ResponseCode.BAD_REQUEST, ((Response) answer).getCode());
      assertEquals(List.of(), log.errors());
    }
  }

  private static Option path(String segment) {
    return new Option(11, segment.getBytes(StandardCharsets.US_ASCII));
  }

  /** The message that answers {@code messageId} (an ACK or a Reset), or null when none came by the deadline. */
  private static Message answerTo(int messageId) throws InterruptedException {
    long deadline = System.nanoTime() + DEADLINE_NANOS;
    for (byte[] datagram = session.receive(deadline); datagram != null; datagram = session.receive(deadline)) {
      Message message = new UdpDataParser().parseMessage(datagram);
      if (message.getMID() == messageId) {
        return message;
      }
    }
    return null;
  }
}
