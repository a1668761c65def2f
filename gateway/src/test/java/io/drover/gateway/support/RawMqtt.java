package io.drover.gateway.support;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttVersion;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * An MQTT client on a plain socket, for what no real client does: sending packets back to back without
 * awaiting answers, sending what is not MQTT, and never reading. Packets are built and read with
 * Netty's MQTT codec (one channel for both, so that the version of the CONNECT sent decides how the
 * answers are read), so what goes on the wire is well formed unless a test writes raw bytes. Blocking;
 * used from the test's thread.
 */
public final class RawMqtt implements AutoCloseable {

  private final Socket socket;
  private final EmbeddedChannel codec = new EmbeddedChannel(new MqttDecoder(1 << 20), MqttEncoder.INSTANCE);

  private RawMqtt(Socket socket) {
    this.socket = socket;
  }

  /** Connects a TCP socket to the gateway; sends nothing yet. */
  public static RawMqtt open(int port) throws IOException {
    return new RawMqtt(new Socket("127.0.0.1", port));
  }

  /**
   * Connects a socket whose receive buffer is small, as a device that reads little: what it does not
   * read fills the gateway's side sooner.
   */
  public static RawMqtt openSmallReceiver(int port) throws IOException {
    Socket socket = new Socket();
    socket.setReceiveBufferSize(4096);
    socket.connect(new java.net.InetSocketAddress("127.0.0.1", port));
    return new RawMqtt(socket);
  }

  /** A CONNECT as docs/device-protocol.md section 2 has it: client ID and user name the device ID, the secret as password. */
  public static MqttMessage connect(String clientId, String password) {
    return connect(MqttVersion.MQTT_3_1_1, clientId, password);
  }

  public static MqttMessage connect(MqttVersion version, String clientId, String password) {
    return MqttMessageBuilders.connect()
        .protocolVersion(version)
        .clientId(clientId)
        .username(clientId)
        .password(password.getBytes(StandardCharsets.UTF_8))
        .cleanSession(true)
        .keepAlive(60)
        .build();
  }

  public static MqttMessage publish(String topic, String payload, int qos, int packetId) {
    return MqttMessageBuilders.publish()
        .topicName(topic)
        .payload(Unpooled.copiedBuffer(payload, StandardCharsets.UTF_8))
        .qos(MqttQoS.valueOf(qos))
        .messageId(packetId)
        .build();
  }

  public static MqttMessage subscribe(int packetId, String... filters) {
    MqttMessageBuilders.SubscribeBuilder subscribe = MqttMessageBuilders.subscribe().messageId(packetId);
    for (String filter : filters) {
      subscribe.addSubscription(MqttQoS.AT_LEAST_ONCE, filter);
    }
    return subscribe.build();
  }

  /** Writes the packets in one go, as a client that does not wait between them. */
  public RawMqtt send(MqttMessage... packets) throws IOException {
    ByteBuf all = Unpooled.buffer();
    for (MqttMessage packet : packets) {
      codec.writeOutbound(packet);
      ByteBuf encoded;
      while ((encoded = codec.readOutbound()) != null) {
        all.writeBytes(encoded);
        encoded.release();
      }
    }
    byte[] bytes = new byte[all.readableBytes()];
    all.readBytes(bytes);
    all.release();
    sendRaw(bytes);
    return this;
  }

  public RawMqtt sendRaw(byte[] bytes) throws IOException {
    socket.getOutputStream().write(bytes);
    socket.getOutputStream().flush();
    return this;
  }

  /** The next packet from the gateway; null when the connection ends first or nothing comes within {@code wait}. */
  public MqttMessage read(Duration wait) throws IOException {
    MqttMessage decoded = codec.readInbound();
    if (decoded != null) {
      return decoded;
    }
    socket.setSoTimeout((int) wait.toMillis());
    InputStream in = socket.getInputStream();
    byte[] buffer = new byte[8192];
    while (true) {
      int read;
      try {
        read = in.read(buffer);
      } catch (SocketTimeoutException silent) {
        return null;
      } catch (IOException reset) {
        return null;
      }
      if (read < 0) {
        return null;
      }
      codec.writeInbound(Unpooled.copiedBuffer(buffer, 0, read));
      decoded = codec.readInbound();
      if (decoded != null) {
        return decoded;
      }
    }
  }

  /** The CONNACK's return code; fails the test when the next packet is something else or none comes. */
  public MqttConnectReturnCode readConnack(Duration wait) throws IOException {
    MqttMessage connack = read(wait);
    if (connack == null || !(connack.variableHeader() instanceof io.netty.handler.codec.mqtt.MqttConnAckVariableHeader header)) {
      throw new AssertionError("expected a CONNACK, got " + connack);
    }
    return header.connectReturnCode();
  }

  /** The reason codes of the next packet, a SUBACK; fails the test when it is something else. */
  public List<Integer> readSuback(Duration wait) throws IOException {
    MqttMessage suback = read(wait);
    if (!(suback instanceof MqttSubAckMessage acknowledged)) {
      throw new AssertionError("expected a SUBACK, got " + suback);
    }
    return acknowledged.payload().reasonCodes();
  }

  /** The next packet of the given type, skipping others (PUBLISHes on c/...); null when none comes. */
  public MqttMessage readUntil(MqttMessageType type, Duration wait) throws IOException {
    long deadline = System.nanoTime() + wait.toNanos();
    while (System.nanoTime() < deadline) {
      MqttMessage next = read(Duration.ofNanos(Math.max(1_000_000, deadline - System.nanoTime())));
      if (next == null || next.fixedHeader().messageType() == type) {
        return next;
      }
    }
    return null;
  }

  /**
   * Reads (and drops) whatever comes until the gateway closes the connection.
   *
   * @return true when it closed within {@code wait}
   */
  public boolean awaitClosedByServer(Duration wait) throws IOException {
    long deadline = System.nanoTime() + wait.toNanos();
    InputStream in = socket.getInputStream();
    byte[] buffer = new byte[8192];
    while (System.nanoTime() < deadline) {
      socket.setSoTimeout((int) Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
      try {
        if (in.read(buffer) < 0) {
          return true;
        }
      } catch (SocketTimeoutException stillOpen) {
        return false;
      } catch (IOException reset) {
        return true;
      }
    }
    return false;
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException ignored) {
      // gone either way
    }
    codec.finishAndReleaseAll();
  }
}
