package io.drover.hub.sims;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP relay on loopback between one client and a node's port that counts every byte each way: what
 * crossed the wire below a TLS client, records and handshake included. Accepts one connection.
 */
final class CountingProxy implements AutoCloseable {

  private final ServerSocket server;
  private final int target;
  private final AtomicLong toServer = new AtomicLong();
  private final AtomicLong toClient = new AtomicLong();
  private final Thread acceptor;
  private volatile Thread upstream;
  private volatile Thread downstream;

  CountingProxy(int target) throws IOException {
    this.target = target;
    this.server = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
    this.acceptor = new Thread(this::relay, "counting-proxy");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  int port() {
    return server.getLocalPort();
  }

  /** Bytes the client sent to the node. */
  long toServer() {
    return toServer.get();
  }

  /** Bytes the node sent to the client. */
  long toClient() {
    return toClient.get();
  }

  /** Waits until both directions ended (each side closed). @return whether they did in time */
  boolean awaitDone(long timeoutMillis) throws InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    acceptor.join(timeoutMillis);
    for (Thread pump : new Thread[] {upstream, downstream}) {
      if (pump == null) {
        return false;
      }
      pump.join(Math.max(1, deadline - System.currentTimeMillis()));
      if (pump.isAlive()) {
        return false;
      }
    }
    return true;
  }

  private void relay() {
    try {
      Socket client = server.accept();
      Socket node = new Socket();
      node.connect(new InetSocketAddress("127.0.0.1", target), 5000);
      upstream = pump(client, node, toServer, "counting-proxy-up");
      downstream = pump(node, client, toClient, "counting-proxy-down");
    } catch (IOException e) {
      // closed before a client came
    }
  }

  /** Relays one direction; when either side ends the relay ends both, so nothing is counted after the node closed. */
  private static Thread pump(Socket from, Socket to, AtomicLong count, String name) {
    Thread thread = new Thread(() -> {
      byte[] buffer = new byte[8192];
      try {
        InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream();
        for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
          count.addAndGet(n);
          out.write(buffer, 0, n);
          out.flush();
        }
      } catch (IOException ended) {
        // one side went
      } finally {
        closeQuietly(from);
        closeQuietly(to);
      }
    }, name);
    thread.setDaemon(true);
    thread.start();
    return thread;
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException ignored) {
      // closed already
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
