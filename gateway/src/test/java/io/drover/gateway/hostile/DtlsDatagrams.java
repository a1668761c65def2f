package io.drover.gateway.hostile;

import io.drover.gateway.hostile.gen.Gen;
import io.drover.gateway.hostile.gen.Gens;
import java.util.HexFormat;
import java.util.List;

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

  static Gen<Datagram> datagrams() {
    return Gens.frequency(
        Gens.weight(2, Gens.bytes(1, 1500).map(bytes -> new Datagram("random", bytes))),
        Gens.weight(3, records()),
        Gens.weight(4, clientHellos()),
        Gens.weight(2, CoapMessages.messages().map(message -> new Datagram("plain CoAP " + message, message.bytes()))));
  }

  /** A record header (type, version, epoch, sequence number, length) over a fragment of random bytes. */
  static Gen<Datagram> records() {
    Gen<Integer> contentType = Gens.frequency(
        Gens.weight(3, Gens.oneOf(20, 21, 22, 23, 25)),
        Gens.weight(1, Gens.ints(0, 255)));
    Gen<Integer> epoch = Gens.frequency(Gens.weight(2, Gens.oneOf(0, 1)), Gens.weight(1, Gens.ints(0, 0xffff)));
    Gen<byte[]> fragment = Gens.bytes(0, 600);
    return Gens.combine(contentType, version(), epoch, Gens.longs(0, 0xffffffffffffL), fragment, lengthLie(),
        (type, version, e, sequence, bytes, lie) -> {
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
  static Gen<Datagram> clientHellos() {
    Gen<byte[]> sessionId = field(1, Gens.bytes(0, 40));
    Gen<byte[]> cookie = field(1, Gens.frequency(
        Gens.weight(3, Gens.constant(new byte[0])),
        Gens.weight(1, Gens.bytes(0, 300))));
    Gen<byte[]> suites = field(2, Gens.frequency(
        Gens.weight(3, Gens.oneOf(0xc0a8, 0xc0ae, 0xc0a4, 0x00ae, 0xc037, 0x00ff).list(1, 6)),
        Gens.weight(1, Gens.ints(0, 0xffff).list(0, 80)))
        .map(list -> {
          ByteWriter out = new ByteWriter();
          list.forEach(out::u16);
          return out.toBytes();
        }));
    Gen<byte[]> compression = field(1, Gens.frequency(
        Gens.weight(4, Gens.constant(new byte[] {0})),
        Gens.weight(1, Gens.bytes(0, 5))));
    Gen<byte[]> extensions = Gens.frequency(
        Gens.weight(2, Gens.constant(new byte[0])),
        Gens.weight(2, field(2, Gens.oneOf(
            // supported_groups secp256r1; ec_point_formats uncompressed; connection_id of 0 bytes; record_size_limit 2^14
            new ByteWriter().u16(10).u16(4).u16(2).u16(23).toBytes(),
            new ByteWriter().u16(11).u16(2).u8(1).u8(0).toBytes(),
            new ByteWriter().u16(54).u16(1).u8(0).toBytes(),
            new ByteWriter().u16(28).u16(2).u16(0x4000).toBytes()))),
        Gens.weight(1, field(2, Gens.bytes(0, 200))));
    Gen<byte[]> body = Gens.combine(version(), Gens.bytes(32, 32), sessionId, cookie, suites,
            compression, extensions,
        (version, random, session, c, s, comp, ext) -> new ByteWriter().u16(version).bytes(random).bytes(session).bytes(c).bytes(s)
            .bytes(comp).bytes(ext).toBytes());
    Gen<Integer> messageType = Gens.frequency(Gens.weight(6, Gens.constant(CLIENT_HELLO)), Gens.weight(1, Gens.ints(0, 255)));
    Gen<Fragmenting> fragmenting = Gens.frequency(
        Gens.weight(4, Gens.constant(new Fragmenting(0, -1, -1, -1))),
        Gens.weight(1, Gens.combine(Gens.ints(0, 0xffffff), Gens.ints(0, 0xffff),
            lengthLie(), lengthLie(), Fragmenting::new)));
    return Gens.combine(messageType, Gens.ints(0, 3), body, fragmenting, version(), lengthLie(),
        (type, sequence, hello, fragment, recordVersion, recordLie) -> {
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

  private static Gen<Integer> version() {
    return Gens.frequency(
        Gens.weight(6, Gens.constant(DTLS_1_2)),
        Gens.weight(1, Gens.oneOf(0xfeff, 0xfefc, 0x0303)),
        Gens.weight(1, Gens.ints(0, 0xffff)));
  }

  /** -1 for the true length; else a length that lies. */
  private static Gen<Integer> lengthLie() {
    return Gens.frequency(
        Gens.weight(5, Gens.constant(-1)),
        Gens.weight(1, Gens.ints(0, 0xffff)));
  }

  /** A vector with its length prefix of {@code prefixBytes} (RFC 5246 section 4.3), which lies one time in eight. */
  private static Gen<byte[]> field(int prefixBytes, Gen<byte[]> content) {
    int max = prefixBytes == 1 ? 0xff : 0xffff;
    return Gens.combine(content, Gens.frequency(
            Gens.weight(7, Gens.constant(-1)),
            Gens.weight(1, Gens.ints(0, max))),
        (bytes, lie) -> {
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
