package io.drover.gateway.hostile;

import io.drover.gateway.hostile.MqttPackets.Answer;
import io.drover.gateway.hostile.MqttPackets.Device;
import io.drover.gateway.hostile.MqttPackets.MqttCase;
import io.drover.gateway.hostile.MqttPackets.Start;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * One hostile case over a raw TCP socket: connects (and, when the case starts connected, sends the
 * device's own CONNECT and waits for its CONNACK), sends the case's bytes and a PINGREQ, then reads what
 * the server sends until it closes the connection or has answered everything it owes.
 *
 * <p>The server may close at any point: closing is always an answer to bad input (MQTT 3.1.1 section
 * 4.8). What it must not do: send bytes that are no MQTT packet or a packet a server never sends, send a
 * second CONNACK or answer anything after refusing the CONNECT (section 3.2.2.3) or before accepting
 * one (section 3.1), or leave the connection open and silent past the deadline. A case whose packet
 * boundaries are all the generator's ({@link MqttCase#exact}) is sent with a keep-alive of 60 s, so
 * that the server must act on it by itself; one that may leave a packet unfinished is sent with 1 s,
 * and the keep-alive rule (1.5 times it, section 3.1.2.10) or the connect timeout must end it.
 */
final class MqttExchange {

  /** Packet types a server sends (MQTT 5 section 2.1.2). */
  private static final Set<Integer> SERVER_TYPES = Set.of(MqttPackets.CONNACK, MqttPackets.PUBLISH, MqttPackets.PUBACK, MqttPackets.PUBREC,
      MqttPackets.PUBREL, MqttPackets.PUBCOMP, MqttPackets.SUBACK, MqttPackets.UNSUBACK, MqttPackets.PINGRESP, MqttPackets.DISCONNECT,
      MqttPackets.AUTH);
  private static final byte[] PINGREQ = {(byte) 0xc0, 0};
  private static final int UNACCEPTABLE_PROTOCOL_VERSION = 0x01;
  /** The outcome's start when a connected session's second CONNECT was refused with a CONNACK. */
  static final String SECOND_CONNECT_REFUSED = "CONNACK 0x01 to a second CONNECT then ";

  private final int port;
  private final Duration connectTimeout;
  /** Beyond any bound the server applies itself: past it, a silent open connection is a hang. */
  private final Duration answerWait;

  MqttExchange(int port, Duration connectTimeout, Duration answerWait) {
    this.port = port;
    this.connectTimeout = connectTimeout;
    this.answerWait = answerWait;
  }

  /** A packet the server sent. */
  private record Received(int type, byte[] body) {

    int packetId() {
      return body.length >= 2 ? (body[0] & 0xff) << 8 | body[1] & 0xff : -1;
    }

    @Override
    public String toString() {
      return MqttPackets.name(type) + (body.length == 0 ? "" : " " + HexFormat.of().formatHex(body, 0, Math.min(body.length, 8)));
    }
  }

  /**
   * Runs the case; returns its outcome ({@code closed}, {@code answered}, or a refused CONNACK's code then
   * one of them).
   *
   * @throws AssertionError from {@link Tally#crash} or {@link Tally#hang} when the server misbehaved
   */
  String run(MqttCase hostile, Device device, Tally tally) throws IOException {
    boolean exact = hostile.exact();
    int keepAlive = exact ? 60 : 1;
    // the keep-alive rule: a connection silent for 1.5 times the keep-alive is closed (rounded up by vertx-mqtt)
    Duration bound = exact ? Duration.ZERO : hostile.start() == Start.BARE ? connectTimeout.plusSeconds(2) : Duration.ofSeconds(2);
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), (int) answerWait.toMillis());
      socket.setTcpNoDelay(true);
      InputStream in = new BufferedInputStream(socket.getInputStream());
      OutputStream out = socket.getOutputStream();
      boolean connected = hostile.start() != Start.BARE;
      if (connected) {
        out.write(MqttPackets.validConnect(device, hostile.start() == Start.CONNECTED_5, keepAlive).bytes());
        Received connack = read(in, socket, System.nanoTime() + answerWait.toNanos());
        if (connack == null || connack.type() != MqttPackets.CONNACK || connack.body().length < 2 || connack.body()[1] != 0) {
          throw tally.crash(hostile + ": the device's own CONNECT was answered " + (connack == null ? "by a close" : connack));
        }
      }
      try {
        out.write(hostile.stream());
        out.write(PINGREQ);
      } catch (SocketException closedMeanwhile) {
        // the server closed while the bytes were on their way: what it said before is still to be read
      }
      return answers(hostile, exact, connected, in, socket, System.nanoTime() + bound.plus(answerWait).toNanos(), tally);
    }
  }

  /** The device connects as itself and disconnects (MQTT 3.1.1 section 3.14), as a well-behaved device does. */
  void connectAndDisconnect(Device device, Tally tally) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), (int) answerWait.toMillis());
      InputStream in = new BufferedInputStream(socket.getInputStream());
      socket.getOutputStream().write(MqttPackets.validConnect(device, false, 60).bytes());
      Received connack = read(in, socket, System.nanoTime() + answerWait.toNanos());
      if (connack == null || connack.type() != MqttPackets.CONNACK || connack.body().length < 2 || connack.body()[1] != 0) {
        throw tally.crash("the device " + device.id() + " could not connect again: " + (connack == null ? "closed" : connack));
      }
      socket.getOutputStream().write(new byte[] {(byte) 0xe0, 0});
      while (read(in, socket, System.nanoTime() + answerWait.toNanos()) != null) {
        // until the server closes, as it must after a DISCONNECT
      }
    }
  }

  private String answers(MqttCase hostile, boolean exact, boolean connected, InputStream in, Socket socket, long deadline, Tally tally)
      throws IOException {
    List<Answer> owed = new ArrayList<>(exact ? hostile.answers() : List.of());
    owed.add(new Answer(MqttPackets.PINGRESP, -1));
    List<Received> seen = new ArrayList<>();
    String refusal = "";
    boolean pinged = false;
    while (!(connected && pinged && owed.isEmpty())) {
      Received packet;
      try {
        packet = read(in, socket, deadline);
      } catch (SocketTimeoutException silent) {
        byte[] stream = hostile.stream();
        throw tally.hang(hostile + ": open and silent past the deadline; received " + seen + ", still owed "
            + (exact ? owed : "a close or PINGRESP") + "; sent " + HexFormat.of().formatHex(stream, 0, Math.min(stream.length, 160)));
      } catch (MalformedAnswer garbled) {
        throw tally.crash(hostile + ": the server sent " + garbled.getMessage() + " after " + seen);
      }
      if (packet == null) {
        return refusal + "closed";
      }
      seen.add(packet);
      if (!SERVER_TYPES.contains(packet.type())) {
        throw tally.crash(hostile + ": the server sent a packet no server sends: " + seen);
      }
      if (!refusal.isEmpty() && packet.type() != MqttPackets.DISCONNECT) {
        throw tally.crash(hostile + ": the server answered after refusing the CONNECT: " + seen);
      }
      if (packet.type() == MqttPackets.CONNACK) {
        if (packet.body().length < 2) {
          throw tally.crash(hostile + ": a CONNACK too short to hold a code: " + seen);
        }
        int code = packet.body()[1] & 0xff;
        if (connected) {
          // vertx-mqtt 5.0.7 refuses a second CONNECT of an unacceptable protocol level so, then closes
          // (MQTT 3.1.1 section 3.1.0-2 wants the close alone); nothing else may follow on a connected session
          if (code != UNACCEPTABLE_PROTOCOL_VERSION) {
            throw tally.crash(hostile + ": a CONNACK on a connected session: " + seen);
          }
          refusal = SECOND_CONNECT_REFUSED;
        } else if (code == 0) {
          connected = true;
        } else {
          refusal = "CONNACK " + String.format("0x%02x", code) + " then ";
        }
        continue;
      }
      if (!connected && packet.type() != MqttPackets.DISCONNECT) {
        throw tally.crash(hostile + ": the server answered before accepting a CONNECT: " + seen);
      }
      pinged |= packet.type() == MqttPackets.PINGRESP;
      int match = firstMatch(owed, packet);
      if (match >= 0) {
        owed.remove(match);
      }
    }
    return refusal + "answered";
  }

  private static int firstMatch(List<Answer> owed, Received packet) {
    for (int i = 0; i < owed.size(); i++) {
      Answer answer = owed.get(i);
      if (answer.type() == packet.type() && (answer.packetId() < 0 || answer.packetId() == packet.packetId())) {
        return i;
      }
    }
    return -1;
  }

  /** Thrown for bytes from the server that are no MQTT packet (a remaining length of five bytes). */
  private static final class MalformedAnswer extends IOException {

    MalformedAnswer(String message) {
      super(message);
    }
  }

  /**
   * The next packet from the server; null once the connection is closed (a packet cut short by the
   * close counts as closed).
   *
   * @throws SocketTimeoutException when the deadline passes first
   */
  private static Received read(InputStream in, Socket socket, long deadline) throws IOException {
    try {
      int first = next(in, socket, deadline);
      int length = 0;
      for (int i = 0, shift = 0; ; i++, shift += 7) {
        if (i == 4) {
          throw new MalformedAnswer("a remaining length of five bytes");
        }
        int digit = next(in, socket, deadline);
        length |= (digit & 0x7f) << shift;
        if ((digit & 0x80) == 0) {
          break;
        }
      }
      byte[] body = new byte[length];
      for (int i = 0; i < length; i++) {
        body[i] = (byte) next(in, socket, deadline);
      }
      return new Received(first >> 4, body);
    } catch (EOFException | SocketException closed) {
      return null;
    }
  }

  private static int next(InputStream in, Socket socket, long deadline) throws IOException {
    long left = (deadline - System.nanoTime()) / 1_000_000;
    if (left <= 0) {
      throw new SocketTimeoutException("deadline");
    }
    socket.setSoTimeout((int) left);
    int value = in.read();
    if (value < 0) {
      throw new EOFException();
    }
    return value;
  }
}
