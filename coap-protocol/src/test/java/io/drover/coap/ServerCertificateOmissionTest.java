package io.drover.coap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.drover.coap.particle.ServerCertificateOmission;
import java.lang.reflect.Method;
import java.net.DatagramPacket;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The datagram side of {@link ServerCertificateOmission}; the transcript side is proven by Device OS itself in {@code ParticleDeviceServerTest}. */
class ServerCertificateOmissionTest {

  private static final InetSocketAddress PEER = new InetSocketAddress("127.0.0.1", 5684);

  @Test
  void aRetransmittedFlightLosesItsDroppedCertificateAndKeepsTheOtherNumbers() throws Exception {
    // ServerHello 1, Certificate (already dropped: 65535), ServerKeyExchange 2 (renumbered before), in one record
    byte[] flight = record(fragment(2, 1, 3), fragment(11, 0xffff, 5), fragment(12, 2, 4));

    List<DatagramPacket> sent = new ServerCertificateOmission().rewrite(List.of(new DatagramPacket(flight, flight.length, PEER)));

    assertEquals(1, sent.size());
    assertArrayEquals(record(fragment(2, 1, 3), fragment(12, 2, 4)), bytes(sent.get(0)));
  }

  @Test
  void aRecordOfOnlyTheCertificateIsLeftOutAndLaterNumbersFollow() throws Exception {
    byte[] datagram = concat(record(fragment(2, 1, 3)), record(fragment(11, 2, 5)), record(fragment(12, 3, 4), fragment(14, 4, 0)));

    byte[] rewritten = (byte[]) method("withoutCertificate", byte[].class, int.class, int.class, int.class).invoke(null, datagram, 0, datagram.length, 2);

    assertArrayEquals(concat(record(fragment(2, 1, 3)), record(fragment(12, 2, 4), fragment(14, 3, 0))), rewritten);
  }

  @Test
  void aFlightWithoutCertificatePassesUnchanged() {
    byte[] flight = record(fragment(20, 5, 12));
    List<DatagramPacket> datagrams = List.of(new DatagramPacket(flight, flight.length, PEER));

    assertEquals(datagrams, new ServerCertificateOmission().rewrite(datagrams));
  }

  private static Method method(String name, Class<?>... types) throws Exception {
    Method method = ServerCertificateOmission.class.getDeclaredMethod(name, types);
    method.setAccessible(true);
    return method;
  }

  private static byte[] fragment(int type, int seq, int bodyLength) {
    ByteBuffer fragment = ByteBuffer.allocate(12 + bodyLength);
    fragment.put((byte) type).put((byte) 0).putShort((short) bodyLength).putShort((short) seq)
        .put(new byte[3]).put((byte) 0).putShort((short) bodyLength);
    for (int i = 0; i < bodyLength; i++) {
      fragment.put((byte) (type + i));
    }
    return fragment.array();
  }

  private static byte[] record(byte[]... fragments) {
    byte[] content = concat(fragments);
    return concat(new byte[] {22, (byte) 0xfe, (byte) 0xfd, 0, 0, 0, 0, 0, 0, 0, 7, (byte) (content.length >> 8), (byte) content.length}, content);
  }

  private static byte[] concat(byte[]... parts) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    for (byte[] part : parts) {
      out.writeBytes(part);
    }
    return out.toByteArray();
  }

  private static byte[] bytes(DatagramPacket packet) {
    return java.util.Arrays.copyOfRange(packet.getData(), packet.getOffset(), packet.getOffset() + packet.getLength());
  }
}
