package io.drover.gateway.hostile;

import io.drover.gateway.hostile.gen.Gen;
import io.drover.gateway.hostile.gen.Gens;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * CoAP messages as a hostile device could send them (RFC 7252 section 3): version, type, token length,
 * code, message ID, token, options and payload generated field by field, then serialized, some with a
 * corruption on purpose: a version other than 1, a token length of 9 to 15 or one that lies, an
 * option delta or length nibble of 15 (reserved), an extended delta or length cut short, an option
 * longer than the message, a payload marker with no payload. Options include the device resources'
 * Uri-Path, unknown critical and elective ones, and Block1/Block2 (RFC 7959) of any size exponent.
 *
 * <p>A message generated clean (a well-formed confirmable request) is owed a response or a Reset.
 */
final class CoapMessages {

  static final int CON = 0;
  static final int NON = 1;
  static final int ACK = 2;
  static final int RST = 3;

  /**
   * Hostile messages take their message IDs below this; the ones above are given out once each, to clean
   * requests and probes: a request with the ID of one sent within the exchange lifetime is a duplicate,
   * answered from the cache or not at all (RFC 7252 section 4.5).
   */
  static final int HOSTILE_MESSAGE_IDS = 0x4000;

  private CoapMessages() {
  }

  /** One option: its number and value. */
  record Option(int number, byte[] value) {

    @Override
    public String toString() {
      return number + "=" + printable(value);
    }
  }

  /** How the options are written: as RFC 7252 section 3.1 says, or with one of its rules broken. */
  enum OptionCoding {
    /** Deltas and lengths in the nibbles and extended bytes they need. */
    TRUE,
    /** A first option whose delta nibble is 15, reserved for the payload marker. */
    DELTA_15,
    /** A first option whose length nibble is 15, reserved. */
    LENGTH_15,
    /** A first option whose delta says "one extended byte follows", and the message ends. */
    EXTENDED_DELTA_CUT,
    /** A last option whose length is larger than the bytes that follow. */
    LENGTH_PAST_END
  }

  /** A message: every header field, the options and how they are written, and the payload. */
  record CoapMessage(int version, int type, int tokenLengthField, byte[] token, int code, int messageId, List<Option> options,
      OptionCoding coding, boolean marker, byte[] payload, boolean clean) {

    byte[] bytes() {
      ByteWriter out = new ByteWriter()
          .u8(version << 6 | type << 4 | tokenLengthField & 0x0f)
          .u8(code)
          .u16(messageId)
          .bytes(token);
      List<Option> sorted = new ArrayList<>(options);
      sorted.sort(Comparator.comparingInt(Option::number));
      int previous = 0;
      for (int i = 0; i < sorted.size(); i++) {
        Option option = sorted.get(i);
        if (i == 0 && coding == OptionCoding.DELTA_15) {
          out.u8(0xf0 | Math.min(option.value().length, 12)).bytes(option.value());
        } else if (i == 0 && coding == OptionCoding.LENGTH_15) {
          out.u8(Math.min(option.number() - previous, 12) << 4 | 0x0f).bytes(option.value());
        } else if (i == 0 && coding == OptionCoding.EXTENDED_DELTA_CUT) {
          return out.u8(0xd0).toBytes();
        } else if (i == sorted.size() - 1 && coding == OptionCoding.LENGTH_PAST_END) {
          writeOption(out, option.number() - previous, option.value().length + 1 + option.value().length % 7);
          out.bytes(option.value());
          return out.toBytes();
        } else {
          writeOption(out, option.number() - previous, option.value().length);
          out.bytes(option.value());
        }
        previous = option.number();
      }
      if (marker) {
        out.u8(0xff);
      }
      return out.bytes(payload).toBytes();
    }

    /** The same message with another message ID. */
    CoapMessage withMessageId(int id) {
      return new CoapMessage(version, type, tokenLengthField, token, code, id, options, coding, marker, payload, clean);
    }

    /** The option header: delta and length, each in its nibble or with one or two extended bytes (RFC 7252 section 3.1). */
    private static void writeOption(ByteWriter out, int delta, int length) {
      out.u8(nibble(delta) << 4 | nibble(length));
      extended(out, delta);
      extended(out, length);
    }

    private static int nibble(int value) {
      return value < 13 ? value : value < 269 ? 13 : 14;
    }

    private static void extended(ByteWriter out, int value) {
      if (value >= 269) {
        out.u16(value - 269);
      } else if (value >= 13) {
        out.u8(value - 13);
      }
    }

    @Override
    public String toString() {
      return "v" + version + " " + new String[] {"CON", "NON", "ACK", "RST"}[type] + " tkl " + tokenLengthField
          + (tokenLengthField == token.length ? "" : "[token " + token.length + "]") + " " + (code >> 5) + "." + String.format("%02d", code & 0x1f)
          + " mid " + messageId + " " + options + (coding == OptionCoding.TRUE ? "" : " " + coding)
          + (marker ? " payload " + printable(payload) : "") + (clean ? " (clean)" : "");
    }
  }

  // --- the messages ---

  /** Messages of every kind: one in three a clean request to a device resource, the rest hostile. */
  static Gen<CoapMessage> messages() {
    return Gens.frequency(Gens.weight(1, cleanRequests()), Gens.weight(2, hostile()));
  }

  /** A well-formed confirmable request (RFC 7252 section 5) to one of the device resources. */
  static Gen<CoapMessage> cleanRequests() {
    // POST mostly, as devices send (GET for firmware blocks); PUT and DELETE are refused 4.05 by every resource
    Gen<Integer> method = Gens.frequency(
        Gens.weight(6, Gens.constant(2)), Gens.weight(2, Gens.constant(1)), Gens.weight(1, Gens.constant(3)), Gens.weight(1, Gens.constant(4)));
    return Gens.combine(method, token(8), Gens.ints(0, HOSTILE_MESSAGE_IDS - 1), resourcePath(), cleanOptions(), payload(),
        (code, token, mid, path, extra, payload) -> {
          List<Option> options = new ArrayList<>(path);
          options.addAll(extra);
          return new CoapMessage(1, CON, token.length, token, code, mid, options, OptionCoding.TRUE, payload.length > 0, payload, true);
        });
  }

  /** Any message: every header field generated, options of any number, coded truly or not, a payload marker with or without a payload. */
  static Gen<CoapMessage> hostile() {
    Gen<Integer> version = Gens.frequency(Gens.weight(8, Gens.constant(1)), Gens.weight(1, Gens.oneOf(0, 2, 3)));
    Gen<Integer> type = Gens.ints(CON, RST);
    Gen<Integer> code = Gens.frequency(
        Gens.weight(4, Gens.ints(1, 7)), // the request methods, FETCH, PATCH and iPATCH among them
        Gens.weight(1, Gens.constant(0)), // Empty: must carry no token, options or payload (section 4.1)
        Gens.weight(2, Gens.ints(0, 255)));
    Gen<Header> header = Gens.combine(version, type, code, Gens.ints(0, HOSTILE_MESSAGE_IDS - 1),
        Header::new);
    Gen<byte[]> token = token(15);
    Gen<Integer> tokenLengthField = Gens.ints(0, 15);
    Gen<List<Option>> options = Gens.combine(uriPath(), anyOptions(), (path, more) -> {
      List<Option> all = new ArrayList<>(path);
      all.addAll(more);
      return all;
    });
    Gen<OptionCoding> coding = Gens.frequency(
        Gens.weight(8, Gens.constant(OptionCoding.TRUE)),
        Gens.weight(1, Gens.oneOf(OptionCoding.DELTA_15, OptionCoding.LENGTH_15, OptionCoding.EXTENDED_DELTA_CUT, OptionCoding.LENGTH_PAST_END)));
    Gen<Boolean> honestTokenLength = Gens.frequency(Gens.weight(6, Gens.constant(true)), Gens.weight(1, Gens.constant(false)));
    return Gens.combine(header, token, tokenLengthField, honestTokenLength, options, coding, Gens.oneOf(true, false), payload(),
        (h, t, field, honest, opts, c, marker, payload) -> new CoapMessage(h.version(), h.type(), honest ? t.length : field, t, h.code(),
            h.messageId(), opts, c, marker, marker ? payload : new byte[0], false));
  }

  private record Header(int version, int type, int code, int messageId) {
  }

  static Gen<byte[]> token(int maxLength) {
    return Gens.bytes(0, maxLength);
  }

  /** The Uri-Path options (number 11) of a device resource's path, or of a path near one. */
  static Gen<List<Option>> resourcePath() {
    Gen<List<String>> known = Gens.choose(
        Gens.strings(Gens.ALPHANUMERIC, 1, 40).map(name -> List.of("e", name)),
        Gens.constant(List.of("d")),
        Gens.constant(List.of("h")),
        Gens.ints(-2, 70_000).map(version -> List.of("fw", Integer.toString(version))),
        Gens.constant(List.of("fw", "result")),
        Gens.constant(List.of("cfg", "ack")),
        Gens.oneOf(List.of("e"), List.of("e", ""), List.of("e", "spark", "status"), List.of("fw"), List.of("fw", "x"), List.of("cfg"),
            List.of(".well-known", "core"), List.of(""), List.of("..", "e"), List.of("e", "a", "b", "c", "d", "e", "f")));
    return known.map(segments -> segments.stream().map(segment -> new Option(11, segment.getBytes(StandardCharsets.UTF_8))).toList());
  }

  /** Uri-Path options: a device resource's path mostly, else segments of any kind (any characters, not UTF-8, longer than 255 bytes). */
  static Gen<List<Option>> uriPath() {
    Gen<List<byte[]>> strange = Gens.frequency(
        Gens.weight(2, Gens.strings(0, 30).map(s -> s.getBytes(StandardCharsets.UTF_8))),
        Gens.weight(1, MqttPackets.notUtf8()),
        Gens.weight(1, Gens.ints(200, 1000).map(n -> MqttPackets.filled(n, (byte) 'x')))).list(0, 3);
    Gen<List<Option>> strangeOptions = strange.map(segments -> segments.stream().map(segment -> new Option(11, segment)).toList());
    return Gens.frequency(Gens.weight(5, resourcePath()), Gens.weight(1, strangeOptions));
  }

  /** Options a clean request may carry: Content-Format, Accept, Block1, Block2 (valid size exponents), Size1, an elective unknown one. */
  static Gen<List<Option>> cleanOptions() {
    Gen<Option> option = Gens.choose(
        Gens.oneOf(0, 50, 60, 42).map(format -> new Option(12, uint(format))),
        Gens.oneOf(0, 50).map(format -> new Option(17, uint(format))),
        Gens.combine(Gens.ints(0, 1000), Gens.oneOf(true, false), Gens.ints(0, 6),
            (num, more, szx) -> new Option(27, uint(num << 4 | (more ? 8 : 0) | szx))),
        Gens.combine(Gens.ints(0, 1000), Gens.ints(0, 6),
            (num, szx) -> new Option(23, uint(num << 4 | szx))),
        Gens.ints(0, 100_000).map(size -> new Option(60, uint(size))),
        Gens.constant(new Option(2048, new byte[] {1})));
    return option.uniqueList(0, 2, Option::number);
  }

  /** Options of any number: known ones with values of any size, unknown critical (odd) and elective (even) ones, Block options with SZX 7. */
  static Gen<List<Option>> anyOptions() {
    Gen<Integer> number = Gens.frequency(
        Gens.weight(4, Gens.oneOf(1, 3, 4, 5, 6, 7, 8, 9, 12, 14, 15, 17, 20, 23, 27, 28, 35, 39, 60, 258)),
        Gens.weight(2, Gens.oneOf(13, 19, 21, 25, 2049, 65_001)), // critical, unknown (RFC 7252 section 5.4.1)
        Gens.weight(1, Gens.oneOf(2048, 65_000)),
        Gens.weight(1, Gens.ints(0, 65_535)));
    Gen<byte[]> value = Gens.frequency(
        Gens.weight(4, Gens.bytes(0, 4)),
        Gens.weight(1, Gens.bytes(0, 300)),
        Gens.weight(1, Gens.combine(Gens.ints(0, 0xfffff), Gens.ints(0, 15),
            (num, low) -> uint(num << 4 | low))));
    return Gens.combine(number, value, Option::new).list(0, 4);
  }

  static Gen<byte[]> payload() {
    return Gens.frequency(
        Gens.weight(3, Gens.strings(0, 100).map(s -> s.getBytes(StandardCharsets.UTF_8))),
        Gens.weight(2, Gens.bytes(0, 300)),
        Gens.weight(1, Gens.constant(new byte[0])),
        Gens.weight(1, Gens.ints(900, 1100).map(n -> MqttPackets.filled(n, (byte) '9'))));
  }

  /** An unsigned integer option value in the fewest bytes (RFC 7252 section 3.2). */
  static byte[] uint(long value) {
    int length = value == 0 ? 0 : value < 0x100 ? 1 : value < 0x10000 ? 2 : value < 0x1000000 ? 3 : 4;
    byte[] bytes = new byte[length];
    for (int i = 0; i < length; i++) {
      bytes[length - 1 - i] = (byte) (value >> 8 * i);
    }
    return bytes;
  }

  static String printable(byte[] bytes) {
    String text = new String(bytes, 0, Math.min(bytes.length, 20), StandardCharsets.UTF_8).replaceAll("\\p{Cntrl}", "?");
    return "\"" + text + (bytes.length > 20 ? "...(" + bytes.length + " bytes)" : "") + "\"";
  }
}
