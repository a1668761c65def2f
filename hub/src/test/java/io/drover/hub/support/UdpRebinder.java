package io.drover.hub.support;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketException;

/**
 * A NAT in miniature for UDP on loopback: a device sends to {@link #port()}, the rebinder forwards
 * from its outside socket to the server and relays the answers back. {@link #rebind()} moves the
 * outside socket to a new port, as a carrier's NAT does when a binding times out, so the server sees
 * the same device arrive from another source port.
 */
public final class UdpRebinder implements AutoCloseable {

  private final DatagramSocket inside;
  private final InetSocketAddress server;
  private volatile DatagramSocket outside;
  private volatile SocketAddress device;
  private volatile byte[] lastFromDevice;

  public UdpRebinder(int serverPort) throws SocketException {
    this.server = new InetSocketAddress(InetAddress.getLoopbackAddress(), serverPort);
    this.inside = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    this.outside = openOutside();
    Thread toServer = new Thread(() -> {
      byte[] buffer = new byte[2048];
      while (!inside.isClosed()) {
        try {
          DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
          inside.receive(packet);
          device = packet.getSocketAddress();
          lastFromDevice = java.util.Arrays.copyOf(packet.getData(), packet.getLength());
          outside.send(new DatagramPacket(packet.getData(), packet.getLength(), server));
        } catch (IOException closedOrRebound) {
          // the loop condition decides
        }
      }
    }, "udp-rebinder-in");
    toServer.setDaemon(true);
    toServer.start();
  }

  private DatagramSocket openOutside() throws SocketException {
    DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    Thread toDevice = new Thread(() -> {
      byte[] buffer = new byte[2048];
      while (!socket.isClosed()) {
        try {
          DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
          socket.receive(packet);
          if (device != null) {
            inside.send(new DatagramPacket(packet.getData(), packet.getLength(), device));
          }
        } catch (IOException closed) {
          // the loop condition decides
        }
      }
    }, "udp-rebinder-out");
    toDevice.setDaemon(true);
    toDevice.start();
    return socket;
  }

  /** Sends the server, once more, the last datagram the device sent: an attacker's replay. */
  public void replayLast() throws IOException {
    byte[] datagram = lastFromDevice;
    outside.send(new DatagramPacket(datagram, datagram.length, server));
  }

  /** Where the device should send. */
  public int port() {
    return inside.getLocalPort();
  }

  /** The source port the server sees now. */
  public int outsidePort() {
    return outside.getLocalPort();
  }

  /** Moves the server-facing side to a fresh port; the old binding is gone. */
  public void rebind() throws SocketException {
    DatagramSocket old = outside;
    outside = openOutside();
    old.close();
  }

  @Override
  public void close() {
    inside.close();
    outside.close();
  }
}
