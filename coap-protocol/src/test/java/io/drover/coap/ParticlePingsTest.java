package io.drover.coap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Arrays;
import org.eclipse.californium.core.CoapServer;
import org.eclipse.californium.core.config.CoapConfig;
import org.eclipse.californium.core.network.CoapEndpoint;
import org.eclipse.californium.core.network.serialization.UdpDataSerializer;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.elements.config.UdpConfig;
import org.junit.jupiter.api.Test;

/**
 * Device OS's keep-alive, an empty CON, over plain UDP (the interceptor does not depend on DTLS):
 * Californium alone answers it with a Reset, the Particle endpoint with an empty ACK of the same message ID.
 */
class ParticlePingsTest {

  /** An empty CON: version 1, type CON, token length 0, code 0.00, message ID 0x1234 (RFC 7252 section 3). */
  private static final byte[] PING = {0x40, 0x00, 0x12, 0x34};

  @Test
  void emptyConIsAnsweredWithAnEmptyAckOfTheSameMessageId() throws Exception {
    byte[] answer = answerToPing(true);

    assertArrayEquals(new byte[] {0x60, 0x00, 0x12, 0x34}, answer, "type ACK (2), code 0.00, the ping's message ID: " + Arrays.toString(answer));
  }

  /** The behaviour the interceptor replaces: RFC 7252 section 4.3's Reset, which ends a Device OS session. */
  @Test
  void withoutTheInterceptorCaliforniumResetsThePing() throws Exception {
    byte[] answer = answerToPing(false);

    assertArrayEquals(new byte[] {0x70, 0x00, 0x12, 0x34}, answer, "type RST (3): " + Arrays.toString(answer));
  }

  private static byte[] answerToPing(boolean particle) throws Exception {
    Configuration config = new Configuration(CoapConfig.DEFINITIONS, UdpConfig.DEFINITIONS);
    UdpDataSerializer serializer = new UdpDataSerializer();
    CoapEndpoint endpoint = CoapEndpoint.builder().setConfiguration(config)
        .setInetSocketAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
        .setDataSerializerAndParser(serializer, new DeviceMessageParser(false))
        .build();
    if (particle) {
      ParticlePings pings = new ParticlePings(serializer, null);
      pings.sendThrough(endpoint);
      endpoint.addInterceptor(pings);
    }
    CoapServer server = new CoapServer(config);
    server.addEndpoint(endpoint);
    server.start();
    try (DatagramSocket device = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      device.setSoTimeout(5_000);
      device.send(new DatagramPacket(PING, PING.length, endpoint.getAddress()));
      DatagramPacket received = new DatagramPacket(new byte[64], 64);
      device.receive(received);
      return Arrays.copyOf(received.getData(), received.getLength());
    } finally {
      server.destroy();
    }
  }
}
