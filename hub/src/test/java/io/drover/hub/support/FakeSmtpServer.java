package io.drover.hub.support;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.parsetools.RecordParser;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * An SMTP server that keeps what it is sent (RFC 5321's commands, STARTTLS with a certificate the test
 * made, AUTH PLAIN), for the node's outbox to talk to. Whether it offers STARTTLS can be switched.
 */
public final class FakeSmtpServer implements AutoCloseable {

  /** A mail as the server took it: the AUTH credentials (null: none), whether TLS was on at MAIL FROM, and the data. */
  public record Received(String credentials, boolean tls, String from, String to, String data) {
  }

  private final Vertx vertx = Vertx.vertx();
  private final NetServer server;
  private final List<Received> received = new CopyOnWriteArrayList<>();
  private final List<String> commands = new CopyOnWriteArrayList<>();
  private volatile boolean offerStartTls = true;

  private FakeSmtpServer(Path certFile, Path keyFile) throws Exception {
    server = vertx.createNetServer(new NetServerOptions().setHost("127.0.0.1").setPort(0)
        .setKeyCertOptions(new PemKeyCertOptions().setCertPath(certFile.toString()).setKeyPath(keyFile.toString())));
    server.connectHandler(this::session);
    server.listen().await(10, TimeUnit.SECONDS);
  }

  public static FakeSmtpServer start(Path certFile, Path keyFile) throws Exception {
    return new FakeSmtpServer(certFile, keyFile);
  }

  public int port() {
    return server.actualPort();
  }

  public void offerStartTls(boolean offer) {
    offerStartTls = offer;
  }

  public List<Received> received() {
    return received;
  }

  /** Every command line the server was sent, in order. */
  public List<String> commands() {
    return commands;
  }

  private void session(NetSocket socket) {
    String[] state = new String[3]; // credentials, from, to
    StringBuilder data = new StringBuilder();
    boolean[] inData = {false};
    RecordParser parser = RecordParser.newDelimited("\r\n");
    parser.handler(line -> {
      String text = line.toString(StandardCharsets.UTF_8);
      if (inData[0]) {
        if (text.equals(".")) {
          inData[0] = false;
          received.add(new Received(state[0], socket.isSsl(), state[1], state[2], data.toString()));
          data.setLength(0);
          socket.write("250 queued\r\n");
        } else {
          data.append(text.startsWith("..") ? text.substring(1) : text).append('\n');
        }
        return;
      }
      commands.add(text);
      String verb = text.split(" ", 2)[0].toUpperCase();
      switch (verb) {
        case "EHLO" -> socket.write(offerStartTls && !socket.isSsl()
            ? "250-fake.example\r\n250-STARTTLS\r\n250 AUTH PLAIN\r\n" : "250-fake.example\r\n250 AUTH PLAIN\r\n");
        case "STARTTLS" -> socket.write("220 go ahead\r\n").compose(written -> socket.upgradeToSsl());
        case "AUTH" -> {
          state[0] = new String(Base64.getDecoder().decode(text.substring("AUTH PLAIN ".length())), StandardCharsets.UTF_8);
          socket.write("235 accepted\r\n");
        }
        case "MAIL" -> {
          state[1] = text;
          socket.write("250 ok\r\n");
        }
        case "RCPT" -> {
          state[2] = text;
          socket.write("250 ok\r\n");
        }
        case "DATA" -> {
          inData[0] = true;
          socket.write("354 go on\r\n");
        }
        case "QUIT" -> socket.write("221 bye\r\n").onComplete(written -> socket.close());
        default -> socket.write("502 not here\r\n");
      }
    });
    socket.handler(parser);
    socket.write(Buffer.buffer("220 fake.example ESMTP\r\n"));
  }

  @Override
  public void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }
}
