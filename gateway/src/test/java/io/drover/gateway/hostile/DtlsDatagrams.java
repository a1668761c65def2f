package io.drover.gateway.hostile;

import java.util.HexFormat;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * Datagrams for the CoAPS port from outside any DTLS session: random bytes; DTLS records (RFC 6347
 * section 4.1) of any content type, version, epoch and sequence number, with a length that may lie;
 * records with a connection ID (RFC 9146) no session has; ClientHello messages (RFC 6347 section
 * 4.2.2, RFC 5246 section 7.4.1.2), whole or as fragments whose offsets and lengths need not agree,
 * with session IDs, cookies, cipher suites, compression methods and extensions of any size; and plain
 * CoAP, which has no business on this port.
 */
final class DtlsDatagrams {

  static final int HANDSHAKE = 22;
  private static final int CLIENT_HELLO = 1;
  private static final int DTLS_1_2 = 0xfefd;

  private DtlsDatagrams() {
  }

  /** One datagram: what it is, and its bytes. */
  record Datagram(String label, byte[] bytes) {

    @Override
    public String toString() {
      return label + " (" + bytes.length + " bytes: " + HexFormat.of().formatHex(bytes, 0, Math.min(bytes.length, 16)) + ")";
    }
  }

  static Arbitrary<Datagram> datagrams() {
    return Arbitraries.frequencyOf(
        Tuple.of(2, Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(1500).map(bytes -> new Datagram("random", bytes))),
        Tuple.of(3, records()),
        Tuple.of(4, clientHellos()),
        Tuple.of(2, CoapMessages.messages().map(message -> new Datagram("plain CoAP " + message, message.bytes()))));
  }

  /** A record header (type, version, epoch, sequence number, length) over a fragment of random bytes. */
  static Arbitrary<Datagram> records() {
    Arbitrary<Integer> contentType = Arbitraries.frequencyOf(
        Tuple.of(3, Arbitraries.of(20, 21, 22, 23, 25)),
        Tuple.of(1, Arbitraries.integers().between(0, 255)));
    Arbitrary<Integer> epoch = Arbitraries.frequencyOf(Tuple.of(2, Arbitraries.of(0, 1)), Tuple.of(1, Arbitraries.integers().between(0, 0xffff)));
    Arbitrary<byte[]> fragment = Arbitraries.bytes().array(byte[].class).ofMaxSize(600);
    return Combinators.combine(contentType, version(), epoch, Arbitraries.longs().between(0, 0xffffffffffffL), fragment, lengthLie())
        .as((type, version, e, sequence, bytes, lie) -> {
          ByteWriter out = new ByteWriter().u8(type).u16(version).u16(e).u48(sequence);
          if (type == 25) {
            out.bytes(new byte[] {1, 2, 3, 4, 5, 6}); // a connection ID of the node's length that no session has
          }
          int length = lie < 0 ? bytes.length : lie;
          return new Datagram("record type " + type + " version " + Integer.toHexString(version) + " epoch " + e + " length " + length,
              out.u16(length).bytes(bytes).toBytes());
        });
  }

  /** A ClientHello in one record, whole or as a fragment; each of its length fields may lie. */
  static Arbitrary<Datagram> clientHellos() {
    Arbitrary<byte[]> sessionId = field(1, Arbitraries.bytes().array(byte[].class).ofMaxSize(40));
    Arbitrary<byte[]> cookie = field(1, Arbitraries.frequencyOf(
        Tuple.of(3, Arbitraries.just(new byte[0])),
        Tuple.of(1, Arbitraries.bytes().array(byte[].class).ofMaxSize(300))));
    Arbitrary<byte[]> suites = field(2, Arbitraries.frequencyOf(
        Tuple.of(3, Arbitraries.of(0xc0a8, 0xc0ae, 0xc0a4, 0x00ae, 0xc037, 0x00ff).list().ofMinSize(1).ofMaxSize(6)),
        Tuple.of(1, Arbitraries.integers().between(0, 0xffff).list().ofMaxSize(80)))
        .map(list -> {
          ByteWriter out = new ByteWriter();
          list.forEach(out::u16);
          return out.toBytes();
        }));
    Arbitrary<byte[]> compression = field(1, Arbitraries.frequencyOf(
        Tuple.of(4, Arbitraries.just(new byte[] {0})),
        Tuple.of(1, Arbitraries.bytes().array(byte[].class).ofMaxSize(5))));
    Arbitrary<byte[]> extensions = Arbitraries.frequencyOf(
        Tuple.of(2, Arbitraries.just(new byte[0])),
        Tuple.of(2, field(2, Arbitraries.of(
            // supported_groups secp256r1; ec_point_formats uncompressed; connection_id of 0 bytes; record_size_limit 2^14
            new ByteWriter().u16(10).u16(4).u16(2).u16(23).toBytes(),
            new ByteWriter().u16(11).u16(2).u8(1).u8(0).toBytes(),
            new ByteWriter().u16(54).u16(1).u8(0).toBytes(),
            new ByteWriter().u16(28).u16(2).u16(0x4000).toBytes()))),
        Tuple.of(1, field(2, Arbitraries.bytes().array(byte[].class).ofMaxSize(200))));
    Arbitrary<byte[]> body = Combinators.combine(version(), Arbitraries.bytes().array(byte[].class).ofSize(32), sessionId, cookie, suites,
            compression, extensions)
        .as((version, random, session, c, s, comp, ext) -> new ByteWriter().u16(version).bytes(random).bytes(session).bytes(c).bytes(s)
            .bytes(comp).bytes(ext).toBytes());
    Arbitrary<Integer> messageType = Arbitraries.frequencyOf(Tuple.of(6, Arbitraries.just(CLIENT_HELLO)), Tuple.of(1, Arbitraries.integers().between(0, 255)));
    Arbitrary<Fragmenting> fragmenting = Arbitraries.frequencyOf(
        Tuple.of(4, Arbitraries.just(new Fragmenting(0, -1, -1, -1))),
        Tuple.of(1, Combinators.combine(Arbitraries.integers().between(0, 0xffffff), Arbitraries.integers().between(0, 0xffff),
            lengthLie(), lengthLie()).as(Fragmenting::new)));
    return Combinators.combine(messageType, Arbitraries.integers().between(0, 3), body, fragmenting, version(), lengthLie())
        .as((type, sequence, hello, fragment, recordVersion, recordLie) -> {
          int length = fragment.messageLength() < 0 ? hello.length : fragment.messageLength();
          int fragmentLength = fragment.fragmentLength() < 0 ? hello.length : fragment.fragmentLength();
          byte[] handshake = new ByteWriter().u8(type).u24(length).u16(fragment.messageSequence() < 0 ? sequence : fragment.messageSequence())
              .u24(fragment.offset()).u24(fragmentLength).bytes(hello).toBytes();
          int recordLength = recordLie < 0 ? handshake.length : recordLie;
          byte[] record = new ByteWriter().u8(HANDSHAKE).u16(recordVersion).u16(0).u48(sequence).u16(recordLength).bytes(handshake).toBytes();
          return new Datagram("handshake type " + type + " of " + length + " bytes, fragment at " + fragment.offset() + " of " + fragmentLength
              + ", record version " + Integer.toHexString(recordVersion) + " length " + recordLength, record);
        });
  }

  /** How a handshake message is cut: its offset, its message sequence (-1: the record's), and lies about its lengths (-1: none). */
  private record Fragmenting(int offset, int messageSequence, int messageLength, int fragmentLength) {
  }

  private static Arbitrary<Integer> version() {
    return Arbitraries.frequencyOf(
        Tuple.of(6, Arbitraries.just(DTLS_1_2)),
        Tuple.of(1, Arbitraries.of(0xfeff, 0xfefc, 0x0303)),
        Tuple.of(1, Arbitraries.integers().between(0, 0xffff)));
  }

  /** -1 for the true length; else a length that lies. */
  private static Arbitrary<Integer> lengthLie() {
    return Arbitraries.frequencyOf(
        Tuple.of(5, Arbitraries.just(-1)),
        Tuple.of(1, Arbitraries.integers().between(0, 0xffff)));
  }

  /** A vector with its length prefix of {@code prefixBytes} (RFC 5246 section 4.3), which lies one time in eight. */
  private static Arbitrary<byte[]> field(int prefixBytes, Arbitrary<byte[]> content) {
    int max = prefixBytes == 1 ? 0xff : 0xffff;
    return Combinators.combine(content, Arbitraries.frequencyOf(
            Tuple.of(7, Arbitraries.just(-1)),
            Tuple.of(1, Arbitraries.integers().between(0, max))))
        .as((bytes, lie) -> {
          int length = lie < 0 ? Math.min(bytes.length, max) : lie;
          ByteWriter out = new ByteWriter();
          if (prefixBytes == 1) {
            out.u8(length);
          } else {
            out.u16(length);
          }
          return out.bytes(bytes).toBytes();
        });
  }

  /** Whether {@code datagram} holds DTLS records only (RFC 6347 section 4.1): each with a known type, a DTLS version, and a length that fits. */
  static boolean isDtls(byte[] datagram) {
    int at = 0;
    while (at < datagram.length) {
      if (datagram.length - at < 13) {
        return false;
      }
      int type = datagram[at] & 0xff;
      int version = (datagram[at + 1] & 0xff) << 8 | datagram[at + 2] & 0xff;
      int length = (datagram[at + 11] & 0xff) << 8 | datagram[at + 12] & 0xff;
      if (!List.of(20, 21, 22, 23, 25).contains(type) || (version != DTLS_1_2 && version != 0xfeff) || at + 13 + length > datagram.length) {
        return false;
      }
      at += 13 + length;
    }
    return true;
  }
}
