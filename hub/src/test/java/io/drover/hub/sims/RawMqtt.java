package io.drover.hub.sims;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An MQTT 3.1.1 device written byte by byte over a plain socket, so that a test knows every byte it
 * put on the wire and every byte it read back: what a SIM's metering must count. A reader thread
 * drains what the gateway sends until the connection ends.
 */
final class RawMqtt implements AutoCloseable {

  private final Socket socket;
  private final AtomicLong written = new AtomicLong();
  private final AtomicLong read = new AtomicLong();
  private final ByteArrayOutputStream received = new ByteArrayOutputStream();
  private final Thread reader;

  private RawMqtt(Socket socket) {
    this.socket = socket;
    this.reader = new Thread(this::drain, "raw-mqtt-reader");
    reader.setDaemon(true);
    reader.start();
  }

  /** Connects and sends CONNECT (clean session, user name the device ID, password its secret, keep-alive 60 s). */
  static RawMqtt connect(int port, String deviceId, String secret) throws IOException {
    Socket socket = new Socket();
    socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
    return over(socket, deviceId, secret);
  }

  /**
   * The same over TLS, trusting the PEM certificates of {@code caFile}: the counts are then of MQTT
   * bytes, before encryption; what crossed the wire is for the caller to count below the TLS socket.
   */
  static RawMqtt connectTls(int port, java.nio.file.Path caFile, String deviceId, String secret) throws Exception {
    java.security.KeyStore trusted = java.security.KeyStore.getInstance(java.security.KeyStore.getDefaultType());
    trusted.load(null, null);
    int n = 0;
    try (InputStream pem = java.nio.file.Files.newInputStream(caFile)) {
      for (java.security.cert.Certificate certificate : java.security.cert.CertificateFactory.getInstance("X.509").generateCertificates(pem)) {
        trusted.setCertificateEntry("ca-" + n++, certificate);
      }
    }
    javax.net.ssl.TrustManagerFactory trust = javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
    trust.init(trusted);
    javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
    context.init(null, trust.getTrustManagers(), null);
    javax.net.ssl.SSLSocket socket = (javax.net.ssl.SSLSocket) context.getSocketFactory().createSocket();
    socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
    socket.startHandshake();
    return over(socket, deviceId, secret);
  }

  private static RawMqtt over(Socket socket, String deviceId, String secret) throws IOException {
    RawMqtt device = new RawMqtt(socket);
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    string(body, "MQTT");
    body.write(4); // protocol level 3.1.1 (MQTT 3.1.1 section 3.1.2.2)
    body.write(0xC2); // user name, password, clean session (section 3.1.2.3)
    body.write(0);
    body.write(60);
    string(body, deviceId);
    string(body, deviceId);
    string(body, secret);
    device.send(0x10, body.toByteArray());
    return device;
  }

  /** A QoS 0 PUBLISH of an event (docs/device-protocol.md: topic {@code e/NAME}). @return the packet's size on the wire */
  int publish(String name, String data) throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    string(body, "e/" + name);
    body.writeBytes(data.getBytes(StandardCharsets.UTF_8));
    return send(0x30, body.toByteArray());
  }

  /** DISCONNECT (section 3.14); the gateway then closes the connection. */
  void disconnect() throws IOException {
    send(0xE0, new byte[0]);
  }

  /** The CONNACK's return code (section 3.2.2.3), once it arrived; -1 if the connection ended first. */
  int connackCode(long timeoutMillis) throws InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    while (System.currentTimeMillis() < deadline) {
      synchronized (received) {
        byte[] bytes = received.toByteArray();
        if (bytes.length >= 4) {
          return bytes[0] == 0x20 ? bytes[3] : -2;
        }
      }
      if (!reader.isAlive()) {
        return -1;
      }
      Thread.sleep(10);
    }
    return -3;
  }

  /** Waits until the gateway closed the connection. @return whether it did within the time */
  boolean awaitClosed(long timeoutMillis) throws InterruptedException {
    reader.join(timeoutMillis);
    return !reader.isAlive();
  }

  long bytesWritten() {
    return written.get();
  }

  long bytesRead() {
    return read.get();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }

  private int send(int type, byte[] body) throws IOException {
    ByteArrayOutputStream packet = new ByteArrayOutputStream();
    packet.write(type);
    int length = body.length;
    do {
      // section 2.2.3: seven bits a byte, the top bit saying more follow
      int digit = length % 128;
      length /= 128;
      packet.write(length > 0 ? digit | 0x80 : digit);
    } while (length > 0);
    packet.writeBytes(body);
    byte[] bytes = packet.toByteArray();
    socket.getOutputStream().write(bytes);
    socket.getOutputStream().flush();
    written.addAndGet(bytes.length);
    return bytes.length;
  }

  private static void string(ByteArrayOutputStream out, String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    out.write(bytes.length >> 8);
    out.write(bytes.length & 0xFF);
    out.writeBytes(bytes);
  }

  private void drain() {
    byte[] buffer = new byte[4096];
    try {
      InputStream in = socket.getInputStream();
      for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
        read.addAndGet(n);
        synchronized (received) {
          received.write(buffer, 0, n);
        }
      }
    } catch (IOException closed) {
      // the test closed the socket, or the gateway reset it: what was read is counted
    }
  }
}
