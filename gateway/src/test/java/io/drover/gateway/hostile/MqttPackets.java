package io.drover.gateway.hostile;

import io.drover.gateway.hostile.gen.Gen;
import io.drover.gateway.hostile.gen.Gens;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * MQTT control packets as a hostile device could send them (MQTT 3.1.1 and 5.0, chapters 2 and 3):
 * generated field by field (type, flags, protocol name and level, connect flags, keep-alive, client ID,
 * user name, password, will, topics, packet IDs, MQTT 5 properties, payloads), then serialized, some
 * with a corruption on purpose: a remaining length that lies or is over-long or five bytes, a string
 * whose length prefix lies, bytes that are not UTF-8, a stream cut short or with a bit flipped.
 *
 * <p>A packet generated clean (well-formed, every field valid) carries the answer a server owes it;
 * a hostile one carries none. {@link MqttCase#exact} tells when the server's packet boundaries are known
 * to be the generator's, so that those answers can be required.
 */
final class MqttPackets {

  static final int CONNECT = 1;
  static final int CONNACK = 2;
  static final int PUBLISH = 3;
  static final int PUBACK = 4;
  static final int PUBREC = 5;
  static final int PUBREL = 6;
  static final int PUBCOMP = 7;
  static final int SUBSCRIBE = 8;
  static final int SUBACK = 9;
  static final int UNSUBSCRIBE = 10;
  static final int UNSUBACK = 11;
  static final int PINGREQ = 12;
  static final int PINGRESP = 13;
  static final int DISCONNECT = 14;
  static final int AUTH = 15;

  private static final String AS_THE_DEVICE = " as the device";

  /** The largest packet the gateway under test accepts ({@code mqtt.max-message-size}). */
  static final int MAX_PACKET = 16_384;

  private MqttPackets() {
  }

  /** A registered device whose credentials a CONNECT may carry. */
  record Device(String id, String secret) {
  }

  /** How a remaining length is written (MQTT 3.1.1 section 2.2.3, MQTT 5 section 1.5.5). */
  enum Length {
    /** The body's length in the fewest bytes. */
    TRUE,
    /** The body's length in four bytes, continuation bits set on three: not the fewest (MQTT-1.5.5-1). */
    OVER_LONG,
    /** Five bytes, the first four with continuation bits: malformed, whatever follows. */
    FIVE_BYTES,
    /** Fewer bytes than the body has: its tail is read as the next packet. */
    SHORTER,
    /** More bytes than follow: the server waits for them. */
    LONGER
  }

  /** What a server owes a clean packet: a packet of {@code type} with {@code packetId} (-1: none). */
  record Answer(int type, int packetId) {

    @Override
    public String toString() {
      return name(type) + (packetId < 0 ? "" : "(" + packetId + ")");
    }
  }

  /** An MQTT UTF-8 string or binary field: its bytes and the length its prefix declares. */
  record Text(byte[] content, int declared) {

    static Text of(String text) {
      byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
      return new Text(bytes, bytes.length);
    }

    boolean honest() {
      return declared == content.length && content.length <= 0xffff;
    }

    void writeTo(ByteWriter out) {
      out.u16(declared).bytes(content);
    }

    @Override
    public String toString() {
      String shown = new String(content, 0, Math.min(content.length, 24), StandardCharsets.UTF_8);
      return "\"" + shown + (content.length > 24 ? "...(" + content.length + " bytes)" : "") + "\"" + (honest() ? "" : "[declared " + declared + "]");
    }
  }

  /** A piece of the stream a case sends. */
  sealed interface Piece permits Packet, Raw {

    byte[] bytes();

    /** Its bytes end where the server's decoder ends the packet, and nothing in it lies about a length. */
    boolean exact();

    /** What a server owes it when it reaches the server whole; null when it is owed nothing in particular. */
    Answer answer();
  }

  /** A control packet: its fixed header, its body, how its length is written, and what it is owed. */
  record Packet(String label, int type, int flags, byte[] body, Length length, int lengthSkew, boolean fieldsHonest, Answer answer)
      implements Piece {

    @Override
    public byte[] bytes() {
      int declared = switch (length) {
        case SHORTER -> Math.max(0, body.length - lengthSkew);
        case LONGER -> body.length + lengthSkew;
        default -> body.length;
      };
      ByteWriter out = new ByteWriter().u8(type << 4 | flags & 0x0f);
      switch (length) {
        case OVER_LONG -> out.u8(declared & 0x7f | 0x80).u8(declared >> 7 & 0x7f | 0x80).u8(declared >> 14 & 0x7f | 0x80).u8(declared >> 21 & 0x7f);
        case FIVE_BYTES -> out.u8(0x80 | lengthSkew & 0x7f).u8(0xff).u8(0xff).u8(0xff).u8(lengthSkew & 0x7f);
        default -> out.varint(declared);
      }
      return out.bytes(body).toBytes();
    }

    @Override
    public boolean exact() {
      return length == Length.TRUE && fieldsHonest && body.length <= MAX_PACKET - 5;
    }

    @Override
    public String toString() {
      return label + (length == Length.TRUE ? "" : "[length " + length + " " + lengthSkew + "]") + (body.length > 64 ? "(" + body.length + " bytes)" : "");
    }
  }

  /** Bytes that are no packet at all. */
  record Raw(byte[] bytes) implements Piece {

    @Override
    public boolean exact() {
      return false;
    }

    @Override
    public Answer answer() {
      return null;
    }

    @Override
    public String toString() {
      return "raw(" + bytes.length + " bytes: " + java.util.HexFormat.of().formatHex(bytes, 0, Math.min(bytes.length, 12)) + ")";
    }
  }

  /** A corruption of the whole stream, applied after the pieces are serialized. */
  record Corruption(String kind, double where, int bit) {

    static final Corruption NONE = new Corruption("none", 0, 0);

    byte[] apply(byte[] stream) {
      if (stream.length == 0) {
        return stream;
      }
      int at = (int) (where * stream.length);
      return switch (kind) {
        case "truncate" -> Arrays.copyOf(stream, at);
        case "flip" -> {
          byte[] flipped = stream.clone();
          flipped[Math.min(at, stream.length - 1)] ^= (byte) (1 << bit);
          yield flipped;
        }
        default -> stream;
      };
    }

    @Override
    public String toString() {
      return kind.equals("none") ? "" : kind + "@" + String.format(java.util.Locale.ROOT, "%.2f", where) + (kind.equals("flip") ? "/" + bit : "");
    }
  }

  /** How a case begins: a bare TCP connection, or one with a device's accepted CONNECT (3.1.1 or 5). */
  enum Start { BARE, CONNECTED_3_1_1, CONNECTED_5 }

  /** One case: how it starts, the device it speaks for, and the pieces it then sends. */
  record MqttCase(Start start, int device, List<Piece> pieces, Corruption corruption) {

    byte[] stream() {
      ByteWriter out = new ByteWriter();
      for (Piece piece : pieces) {
        out.bytes(piece.bytes());
      }
      return corruption.apply(out.toBytes());
    }

    /** Every packet boundary is the generator's: a server that does not close owes each clean packet its answer. */
    boolean exact() {
      return corruption == Corruption.NONE && pieces.stream().allMatch(Piece::exact);
    }

    /** The case sends its device's own CONNECT: at its start, or as a piece. */
    boolean sendsTheDevicesConnect() {
      return start != Start.BARE || pieces.stream().anyMatch(piece -> piece instanceof Packet packet && packet.label().endsWith(AS_THE_DEVICE));
    }

    /** The answers the clean packets are owed, in order. */
    List<Answer> answers() {
      List<Answer> answers = new ArrayList<>();
      for (Piece piece : pieces) {
        if (piece.answer() != null) {
          answers.add(piece.answer());
        }
      }
      return answers;
    }

    @Override
    public String toString() {
      return start + " device " + device + " " + pieces + (corruption == Corruption.NONE ? "" : " " + corruption);
    }
  }

  static String name(int type) {
    return switch (type) {
      case CONNECT -> "CONNECT";
      case CONNACK -> "CONNACK";
      case PUBLISH -> "PUBLISH";
      case PUBACK -> "PUBACK";
      case PUBREC -> "PUBREC";
      case PUBREL -> "PUBREL";
      case PUBCOMP -> "PUBCOMP";
      case SUBSCRIBE -> "SUBSCRIBE";
      case SUBACK -> "SUBACK";
      case UNSUBSCRIBE -> "UNSUBSCRIBE";
      case UNSUBACK -> "UNSUBACK";
      case PINGREQ -> "PINGREQ";
      case PINGRESP -> "PINGRESP";
      case DISCONNECT -> "DISCONNECT";
      case AUTH -> "AUTH";
      default -> "TYPE" + type;
    };
  }

  // --- the cases ---

  /**
   * Cases over {@code devices}: a bare connection that sends random bytes or a CONNECT (a device's own,
   * or one with hostile fields) and more packets; or a connected device that sends packets of its
   * protocol version, clean and hostile mixed. One case in five is corrupted as a whole.
   */
  static Gen<MqttCase> cases(List<Device> devices) {
    // every generator is made here, once, and drawn from by every case
    Gen<Integer> device = Gens.ints(0, devices.size() - 1);
    Gen<Corruption> corruption = Gens.frequency(
        Gens.weight(8, Gens.constant(Corruption.NONE)),
        Gens.weight(1, Gens.doubles(0, 1).map(where -> new Corruption("truncate", where, 0))),
        Gens.weight(1, Gens.combine(Gens.doubles(0, 1), Gens.ints(0, 7),
            (where, bit) -> new Corruption("flip", where, bit))));
    Gen<Piece> hostileFirst = Gens.frequency(
        Gens.weight(5, connect()),
        Gens.weight(1, raw()),
        Gens.weight(1, packet(false)));
    Gen<List<Piece>> rest3 = packets(false).list(0, 3);
    Gen<List<Piece>> rest5 = packets(true).list(0, 3);
    Gen<Boolean> ownConnect = Gens.frequency(Gens.weight(3, Gens.constant(true)), Gens.weight(7, Gens.constant(false)));
    Gen<MqttCase> bare = Gens.combine(device, Gens.oneOf(true, false), ownConnect, hostileFirst, rest3, rest5, corruption,
        (index, v5, own, hostile, packets3, packets5, corrupt) -> {
          Piece first = own ? validConnect(devices.get(index), v5, 1) : hostile;
          List<Piece> pieces = new ArrayList<>();
          pieces.add(first);
          pieces.addAll(v5 || isConnect5(first) ? packets5 : packets3);
          return new MqttCase(Start.BARE, index, pieces, corrupt);
        });
    Gen<List<Piece>> connected3 = packets(false).list(1, 4);
    Gen<List<Piece>> connected5 = packets(true).list(1, 4);
    Gen<MqttCase> connected = Gens.combine(device, Gens.oneOf(Start.CONNECTED_3_1_1, Start.CONNECTED_5), connected3, connected5,
            corruption,
        (index, start, packets3, packets5, corrupt) -> new MqttCase(start, index, start == Start.CONNECTED_5 ? packets5 : packets3, corrupt));
    return Gens.frequency(Gens.weight(2, bare), Gens.weight(3, connected));
  }

  private static boolean isConnect5(Piece piece) {
    return piece instanceof Packet packet && packet.type() == CONNECT && packet.label().contains("v5");
  }

  /** Packets a connected device sends: clean ones (owed an answer), hostile ones, and bytes that are no packet. */
  static Gen<Piece> packets(boolean v5) {
    return Gens.frequency(
        Gens.weight(3, cleanPacket(v5)),
        Gens.weight(6, packet(v5)),
        Gens.weight(1, connect()),
        Gens.weight(1, raw()));
  }

  static Gen<Piece> raw() {
    return Gens.bytes(1, 300).map(Raw::new);
  }

  // --- clean packets: well-formed, every field valid, owed an answer ---

  static Gen<Piece> cleanPacket(boolean v5) {
    Gen<Integer> packetId = Gens.ints(1, 0xffff);
    Gen<String> name = Gens.strings(Gens.ALPHANUMERIC, 1, 20);
    Gen<Piece> publish = Gens.combine(name, Gens.ints(1, 2), packetId,
            Gens.strings(Gens.ALPHANUMERIC, 0, 200),
        (event, qos, id, data) -> {
          ByteWriter body = new ByteWriter();
          Text.of("e/" + event).writeTo(body);
          body.u16(id);
          properties(v5, body);
          body.bytes(data.getBytes(StandardCharsets.US_ASCII));
          return clean("PUBLISH qos" + qos + " e/" + event, PUBLISH, qos << 1, body, new Answer(qos == 1 ? PUBACK : PUBREC, id));
        });
    Gen<Piece> subscribe = Gens.combine(packetId, Gens.ints(0, 2), (id, qos) -> {
      ByteWriter body = new ByteWriter().u16(id);
      properties(v5, body);
      Text.of("c/#").writeTo(body);
      body.u8(qos);
      return clean("SUBSCRIBE c/#", SUBSCRIBE, 0x2, body, new Answer(SUBACK, id));
    });
    Gen<Piece> unsubscribe = packetId.map(id -> {
      ByteWriter body = new ByteWriter().u16(id);
      properties(v5, body);
      Text.of("c/#").writeTo(body);
      return clean("UNSUBSCRIBE c/#", UNSUBSCRIBE, 0x2, body, new Answer(UNSUBACK, id));
    });
    Gen<Piece> release = packetId.map(id -> clean("PUBREL", PUBREL, 0x2, new ByteWriter().u16(id), new Answer(PUBCOMP, id)));
    Gen<Piece> ping = Gens.constant(clean("PINGREQ", PINGREQ, 0, new ByteWriter(), new Answer(PINGRESP, -1)));
    return Gens.choose(publish, subscribe, unsubscribe, release, ping);
  }

  private static Piece clean(String label, int type, int flags, ByteWriter body, Answer answer) {
    return new Packet(label, type, flags, body.toBytes(), Length.TRUE, 0, true, answer);
  }

  /** An empty property list, where MQTT 5 has one. */
  private static void properties(boolean v5, ByteWriter body) {
    if (v5) {
      body.varint(0);
    }
  }

  /** A device's own CONNECT (MQTT 3.1.1 section 3.1): client ID and user name its ID, password its secret. */
  static Packet validConnect(Device device, boolean v5, int keepAliveSeconds) {
    ByteWriter body = new ByteWriter();
    Text.of("MQTT").writeTo(body);
    body.u8(v5 ? 5 : 4).u8(0xc2).u16(keepAliveSeconds);
    properties(v5, body);
    Text.of(device.id()).writeTo(body);
    Text.of(device.id()).writeTo(body);
    Text.of(device.secret()).writeTo(body);
    return new Packet("CONNECT " + (v5 ? "v5" : "v3.1.1") + AS_THE_DEVICE, CONNECT, 0, body.toBytes(), Length.TRUE, 0, true, null);
  }

  // --- hostile packets ---

  /** A packet of any type with hostile fields, flags and length. */
  static Gen<Piece> packet(boolean v5) {
    return Gens.frequency(
        Gens.weight(4, publish(v5)),
        Gens.weight(2, subscribe(v5, SUBSCRIBE)),
        Gens.weight(1, subscribe(v5, UNSUBSCRIBE)),
        Gens.weight(2, acknowledgement(v5)),
        Gens.weight(1, bodyOnly(v5)));
  }

  /** A CONNECT whose every field is generated: protocol name and level, flags, keep-alive, properties, client ID, will, user name, password. */
  static Gen<Piece> connect() {
    Gen<Text> protocolName = Gens.frequency(
        Gens.weight(6, Gens.constant(Text.of("MQTT"))),
        Gens.weight(1, Gens.constant(Text.of("MQIsdp"))),
        Gens.weight(2, text(Gens.strings(0, 8))));
    Gen<Integer> level = Gens.frequency(
        Gens.weight(4, Gens.oneOf(4, 5)),
        Gens.weight(1, Gens.oneOf(3)),
        Gens.weight(1, Gens.ints(0, 255)));
    Gen<Integer> flags = Gens.frequency(
        Gens.weight(3, Gens.oneOf(0xc2, 0xc0, 0x02, 0x00, 0xce, 0xee)),
        Gens.weight(2, Gens.ints(0, 255)));
    Gen<Integer> keepAlive = Gens.frequency(
        Gens.weight(3, Gens.oneOf(0, 1, 60, 0xffff)),
        Gens.weight(1, Gens.ints(0, 0xffff)));
    Gen<Text> clientId = text(Gens.frequency(
        Gens.weight(3, hex(24)),
        Gens.weight(1, hex(23)),
        Gens.weight(1, Gens.constant("")),
        Gens.weight(2, Gens.strings(0, 70))));
    Gen<Text> any = text(Gens.strings(0, 40));
    Gen<ConnectFields> fields = Gens.combine(protocolName, level, flags, keepAlive, ConnectFields::new);
    Gen<ConnectStrings> strings = Gens.combine(clientId, any, any, text(hex(24)), any, ConnectStrings::new);
    return Gens.combine(fields, strings, propertyBlock(), propertyBlock(), length(), lengthSkew(), (f, s, props, willProps, length, skew) -> {
      ByteWriter body = new ByteWriter();
      f.name().writeTo(body);
      body.u8(f.level()).u8(f.flags()).u16(f.keepAlive());
      boolean v5 = f.level() == 5;
      if (v5) {
        props.writeTo(body);
      }
      s.clientId().writeTo(body);
      if ((f.flags() & 0x04) != 0) {
        if (v5) {
          willProps.writeTo(body);
        }
        s.willTopic().writeTo(body);
        s.willMessage().writeTo(body);
      }
      if ((f.flags() & 0x80) != 0) {
        s.username().writeTo(body);
      }
      if ((f.flags() & 0x40) != 0) {
        s.password().writeTo(body);
      }
      boolean honest = f.name().honest() && s.clientId().honest() && s.willTopic().honest() && s.willMessage().honest()
          && s.username().honest() && s.password().honest() && props.honest() && willProps.honest();
      String label = "CONNECT " + (v5 ? "v5" : "level " + f.level()) + " name " + f.name() + " flags " + Integer.toHexString(f.flags())
          + " keep-alive " + f.keepAlive() + " client " + s.clientId();
      return new Packet(label, CONNECT, 0, body.toBytes(), length, skew, honest, null);
    });
  }

  private record ConnectFields(Text name, int level, int flags, int keepAlive) {
  }

  private record ConnectStrings(Text clientId, Text willTopic, Text willMessage, Text username, Text password) {
  }

  /** PUBLISH (section 3.3): any QoS (3 is malformed), dup and retain, a topic of any kind, a packet ID of any value. */
  static Gen<Piece> publish(boolean v5) {
    Gen<Integer> flags = Gens.ints(0, 15);
    Gen<Text> topic = text(Gens.frequency(
        Gens.weight(3, Gens.strings(Gens.ALPHA, 1, 64).map(name -> "e/" + name)),
        Gens.weight(1, Gens.strings(0, 70).map(name -> "e/" + name)),
        Gens.weight(2, Gens.oneOf("d", "h", "fw/ready", "fw/result", "cfg/ack", "r/1", "r/", "c/e", "e/", "e", "", "#", "e/+/#",
            "$SYS/x", "spark/status", "e/spark/device/claim/code", "e/\u0000")),
        Gens.weight(1, Gens.strings(0, 40))));
    Gen<byte[]> payload = Gens.frequency(
        Gens.weight(4, Gens.bytes(0, 200)),
        Gens.weight(2, Gens.strings(0, 300).map(s -> s.getBytes(StandardCharsets.UTF_8))),
        Gens.weight(1, Gens.ints(1000, 20_000).map(n -> filled(n, (byte) '7'))));
    return Gens.combine(flags, topic, Gens.ints(0, 0xffff), propertyBlock(), payload, length(), lengthSkew(),
        (f, t, id, props, data, length, skew) -> {
          ByteWriter body = new ByteWriter();
          t.writeTo(body);
          int qos = f >> 1 & 3;
          if (qos > 0) {
            body.u16(id);
          }
          if (v5) {
            props.writeTo(body);
          }
          body.bytes(data);
          return new Packet("PUBLISH flags " + Integer.toHexString(f) + " " + t + (qos > 0 ? " id " + id : ""), PUBLISH, f, body.toBytes(),
              length, skew, t.honest() && props.honest(), null);
        });
  }

  /** SUBSCRIBE or UNSUBSCRIBE (sections 3.8, 3.10): flags other than 0010 are malformed, and so is an empty list. */
  static Gen<Piece> subscribe(boolean v5, int type) {
    Gen<Integer> flags = Gens.frequency(Gens.weight(3, Gens.constant(0x2)), Gens.weight(1, Gens.ints(0, 15)));
    Gen<Text> filter = text(Gens.frequency(
        Gens.weight(2, Gens.oneOf("c/#", "c/+", "#", "+", "c/f/#", "e/#", "$SYS/#", "c/#/x", "c/+x", "", "/")),
        Gens.weight(1, Gens.strings(0, 40))));
    Gen<List<Filter>> filters = Gens.combine(filter, Gens.ints(0, 255), Filter::new).list(0, 4);
    return Gens.combine(flags, Gens.ints(0, 0xffff), propertyBlock(), filters, length(), lengthSkew(),
        (f, id, props, list, length, skew) -> {
          ByteWriter body = new ByteWriter().u16(id);
          if (v5) {
            props.writeTo(body);
          }
          boolean honest = props.honest();
          for (Filter each : list) {
            each.topic().writeTo(body);
            if (type == SUBSCRIBE) {
              body.u8(each.options());
            }
            honest &= each.topic().honest();
          }
          return new Packet(name(type) + " flags " + Integer.toHexString(f) + " id " + id + " " + list, type, f, body.toBytes(), length, skew,
              honest, null);
        });
  }

  private record Filter(Text topic, int options) {

    @Override
    public String toString() {
      return topic + "/" + Integer.toHexString(options);
    }
  }

  /** PUBACK, PUBREC, PUBREL, PUBCOMP (sections 3.4 to 3.7): any flags and packet ID, under MQTT 5 a reason code and properties. */
  static Gen<Piece> acknowledgement(boolean v5) {
    return Gens.combine(Gens.ints(PUBACK, PUBCOMP), Gens.ints(0, 15),
            Gens.ints(0, 0xffff), Gens.ints(0, 255), propertyBlock(), length(), lengthSkew(),
        (type, flags, id, reason, props, length, skew) -> {
          ByteWriter body = new ByteWriter().u16(id);
          if (v5) {
            body.u8(reason);
            props.writeTo(body);
          }
          return new Packet(name(type) + " flags " + Integer.toHexString(flags) + " id " + id, type, flags, body.toBytes(), length, skew,
              props.honest(), null);
        });
  }

  /** Any type (the reserved 0, the server's own, PINGREQ, DISCONNECT, AUTH) with any flags and body. */
  static Gen<Piece> bodyOnly(boolean v5) {
    Gen<byte[]> body = Gens.frequency(
        Gens.weight(2, Gens.constant(new byte[0])),
        Gens.weight(1, Gens.bytes(0, 64)));
    return Gens.combine(Gens.oneOf(0, CONNACK, SUBACK, UNSUBACK, PINGREQ, PINGRESP, DISCONNECT, AUTH),
            Gens.ints(0, 15), body, length(), lengthSkew(),
        // a body of random bytes may hold a length (of a property, a string) that reaches past the packet, and
        // netty's decoder reads a server packet's packet ID past an empty one: it then waits for more bytes
        (type, flags, bytes, length, skew) -> new Packet(name(type) + " flags " + Integer.toHexString(flags), type, flags, bytes, length,
            skew, bytes.length == 0 && type != CONNACK && type != SUBACK && type != UNSUBACK, null));
  }

  static Gen<Length> length() {
    return Gens.frequency(
        Gens.weight(12, Gens.constant(Length.TRUE)),
        Gens.weight(1, Gens.constant(Length.OVER_LONG)),
        Gens.weight(1, Gens.constant(Length.FIVE_BYTES)),
        Gens.weight(1, Gens.constant(Length.SHORTER)),
        Gens.weight(1, Gens.constant(Length.LONGER)));
  }

  static Gen<Integer> lengthSkew() {
    return Gens.frequency(
        Gens.weight(3, Gens.ints(1, 4)),
        Gens.weight(1, Gens.ints(5, 300_000)));
  }

  // --- MQTT 5 properties (section 2.2.2) ---

  /** A property list: its length (true or not) and its properties, some of unknown identifiers or of the wrong size. */
  record PropertyBlock(byte[] content, int declared, boolean valuesHonest, String label) {

    boolean honest() {
      return declared == content.length && valuesHonest;
    }

    void writeTo(ByteWriter out) {
      out.varint(declared).bytes(content);
    }
  }

  /** Identifiers by their value type (MQTT 5 section 2.2.2.2). */
  private static final int[] BYTE_PROPERTIES = {0x01, 0x17, 0x19, 0x24, 0x25, 0x28, 0x29, 0x2a};
  private static final int[] SHORT_PROPERTIES = {0x13, 0x21, 0x22, 0x23};
  private static final int[] INT_PROPERTIES = {0x02, 0x11, 0x18, 0x27};
  private static final int[] STRING_PROPERTIES = {0x03, 0x08, 0x12, 0x15, 0x1a, 0x1c, 0x1f};
  private static final int[] BINARY_PROPERTIES = {0x09, 0x16};

  /** One property: its identifier and value, and whether its sizes tell the truth. */
  private record Property(byte[] bytes, boolean honest) {
  }

  static Gen<PropertyBlock> propertyBlock() {
    Gen<Property> property = Gens.frequency(
        Gens.weight(2, Gens.combine(Gens.oneOf(toList(BYTE_PROPERTIES)), Gens.ints(0, 255),
            (id, value) -> new Property(new ByteWriter().u8(id).u8(value).toBytes(), true))),
        Gens.weight(2, Gens.combine(Gens.oneOf(toList(SHORT_PROPERTIES)), Gens.ints(0, 0xffff),
            (id, value) -> new Property(new ByteWriter().u8(id).u16(value).toBytes(), true))),
        Gens.weight(2, Gens.combine(Gens.oneOf(toList(INT_PROPERTIES)), Gens.longs(0, 0xffffffffL),
            (id, value) -> new Property(new ByteWriter().u8(id).u32(value).toBytes(), true))),
        Gens.weight(2, Gens.combine(Gens.oneOf(toList(STRING_PROPERTIES)), text(Gens.strings(0, 30)),
            (id, value) -> new Property(write(new ByteWriter().u8(id), value), value.honest()))),
        Gens.weight(1, Gens.combine(Gens.oneOf(toList(BINARY_PROPERTIES)), text(Gens.strings(0, 30)),
            (id, value) -> new Property(write(new ByteWriter().u8(id), value), value.honest()))),
        Gens.weight(1, Gens.combine(text(Gens.strings(0, 20)), text(Gens.strings(0, 20)),
            (key, value) -> {
              ByteWriter out = new ByteWriter().u8(0x26);
              key.writeTo(out);
              value.writeTo(out);
              return new Property(out.toBytes(), key.honest() && value.honest());
            })),
        Gens.weight(1, Gens.ints(0, 0x0fffffff).map(id -> new Property(new ByteWriter().u8(0x0b).varint(id).toBytes(), true))),
        // any identifier, any value: its size may be anything
        Gens.weight(1, Gens.bytes(1, 8).map(bytes -> new Property(bytes, false))));
    Gen<PropertyBlock> listed = property.list(0, 4).map(list -> {
      ByteWriter out = new ByteWriter();
      list.forEach(each -> out.bytes(each.bytes()));
      byte[] content = out.toBytes();
      return new PropertyBlock(content, content.length, list.stream().allMatch(Property::honest), list.size() + " properties");
    });
    return Gens.frequency(
        Gens.weight(3, Gens.constant(new PropertyBlock(new byte[0], 0, true, "none"))),
        Gens.weight(3, listed),
        Gens.weight(1, Gens.combine(listed, Gens.ints(0, 0x0fffffff),
            (block, declared) -> new PropertyBlock(block.content(), declared, block.valuesHonest(), block.label() + " declared " + declared))));
  }

  private static byte[] write(ByteWriter out, Text text) {
    text.writeTo(out);
    return out.toBytes();
  }

  private static List<Integer> toList(int[] values) {
    return Arrays.stream(values).boxed().toList();
  }

  // --- strings ---

  /**
   * An MQTT string field: plausible content mostly; else any characters, bytes that are not UTF-8, a
   * U+0000, or a huge one; one in nine with a length prefix that lies.
   */
  static Gen<Text> text(Gen<String> plausible) {
    Gen<byte[]> content = Gens.frequency(
        Gens.weight(8, plausible.map(s -> s.getBytes(StandardCharsets.UTF_8))),
        Gens.weight(1, notUtf8()),
        Gens.weight(1, Gens.oneOf("a\u0000b", "\u0000", "\ud83d\ude00", "\u202e", "\r\n").map(s -> s.getBytes(StandardCharsets.UTF_8))),
        Gens.weight(1, Gens.ints(256, 0xffff).map(n -> filled(n, (byte) 'x'))));
    Gen<Integer> lie = Gens.frequency(Gens.weight(8, Gens.constant(-1)), Gens.weight(1, Gens.ints(0, 0xffff)));
    return Gens.combine(content, lie, (bytes, declared) -> new Text(bytes, declared < 0 ? bytes.length : declared));
  }

  /** Byte sequences UTF-8 forbids (RFC 3629): over-long forms, surrogates, stray continuations, 0xFF. */
  static Gen<byte[]> notUtf8() {
    return Gens.oneOf(
        new byte[] {(byte) 0xc0, (byte) 0x80},
        new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80},
        new byte[] {(byte) 0xff},
        new byte[] {(byte) 0x80, 'a'},
        new byte[] {'a', (byte) 0xe2, (byte) 0x82},
        new byte[] {(byte) 0xf8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80});
  }

  static Gen<String> hex(int length) {
    return Gens.strings("0123456789abcdefABCDEF", length, length);
  }

  static byte[] filled(int size, byte value) {
    byte[] bytes = new byte[size];
    Arrays.fill(bytes, value);
    return bytes;
  }
}
