package io.drover.hub.mail;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.ClientSSLOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.parsetools.RecordParser;
import java.nio.charset.StandardCharsets;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.UUID;

/**
 * One SMTP conversation on one connection, one mail (RFC 5321 section 3.3): greeting, EHLO, STARTTLS
 * and EHLO again when asked, AUTH PLAIN when configured, MAIL, RCPT, DATA, QUIT. Each command waits
 * for its reply (no pipelining); a reply of another class than expected fails the send with the
 * server's text. Used on the connection's event loop.
 */
final class SmtpSession {

  /** A reply: its code and its text, every line of a multi-line reply (RFC 5321 section 4.2.1). */
  private record Reply(int code, String text) {
  }

  private final NetSocket socket;
  private final MailSettings settings;
  private final ClientSSLOptions tls;
  private final ArrayDeque<Reply> replies = new ArrayDeque<>();
  private final Promise<Void> done = Promise.promise();
  private final long timer;
  private StringBuilder lines = new StringBuilder();
  private Promise<Reply> waiting;

  SmtpSession(Vertx vertx, NetSocket socket, MailSettings settings, ClientSSLOptions tls, long timeoutMillis) {
    this.socket = socket;
    this.settings = settings;
    this.tls = tls;
    socket.handler(RecordParser.newDelimited("\n", this::line));
    socket.closeHandler(closed -> fail("the SMTP server closed the connection"));
    socket.exceptionHandler(cause -> fail(cause.getMessage()));
    this.timer = vertx.setTimer(timeoutMillis, id -> {
      fail("the SMTP server did not answer within " + timeoutMillis + " ms");
      socket.close();
    });
    done.future().onComplete(ended -> vertx.cancelTimer(timer));
  }

  Future<Void> send(Mail mail) {
    String domain = settings.from().substring(settings.from().indexOf('@') + 1);
    expect(220)
        .compose(greeting -> command("EHLO " + domain, 250))
        .compose(this::secure)
        .compose(ehlo -> settings.username() == null ? Future.succeededFuture(ehlo)
            : command("AUTH PLAIN " + Base64.getEncoder().encodeToString(("\0" + settings.username() + "\0" + settings.password())
                .getBytes(StandardCharsets.UTF_8)), 235))
        .compose(authenticated -> command("MAIL FROM:<" + settings.from() + ">", 250))
        .compose(from -> command("RCPT TO:<" + mail.to() + ">", 250))
        .compose(to -> command("DATA", 354))
        .compose(data -> {
          socket.write(message(mail, domain));
          return expect(250);
        })
        .onComplete(sent -> {
          if (sent.succeeded()) {
            done.tryComplete();
            // the mail is the server's now: QUIT is a courtesy whose answer changes nothing
            socket.write("QUIT\r\n");
            socket.close();
          } else {
            fail(sent.cause().getMessage());
            socket.close();
          }
        });
    return done.future();
  }

  /** STARTTLS when configured (the EHLO reply must offer it), then EHLO again over TLS (RFC 3207 section 4.2). */
  private Future<Reply> secure(Reply ehlo) {
    if (settings.security() != MailSettings.Security.STARTTLS) {
      return Future.succeededFuture(ehlo);
    }
    if (!ehlo.text().toUpperCase(java.util.Locale.ROOT).contains("STARTTLS")) {
      return Future.failedFuture("the SMTP server does not offer STARTTLS (mail.smtp-security=starttls)");
    }
    String domain = settings.from().substring(settings.from().indexOf('@') + 1);
    return command("STARTTLS", 220)
        .compose(ready -> socket.upgradeToSsl(tls, settings.smtpHost()))
        .compose(secured -> command("EHLO " + domain, 250));
  }

  private Future<Reply> command(String line, int expected) {
    socket.write(line + "\r\n");
    return expect(expected);
  }

  /** The next reply, which must be of the class of {@code expected} (2xx, 3xx). */
  private Future<Reply> expect(int expected) {
    Promise<Reply> promise = Promise.promise();
    Reply ready = replies.poll();
    if (ready != null) {
      promise.complete(ready);
    } else {
      waiting = promise;
    }
    return promise.future().compose(reply -> reply.code() / 100 == expected / 100
        ? Future.succeededFuture(reply)
        : Future.failedFuture("the SMTP server answered " + reply.text().strip().replace('\n', ' ')));
  }

  private void line(Buffer buffer) {
    String line = buffer.toString(StandardCharsets.UTF_8);
    if (line.endsWith("\r")) {
      line = line.substring(0, line.length() - 1);
    }
    lines.append(line).append('\n');
    if (line.length() >= 4 && line.charAt(3) == '-') {
      return;
    }
    int code;
    try {
      code = Integer.parseInt(line.substring(0, Math.min(3, line.length())));
    } catch (NumberFormatException e) {
      code = 0;
    }
    Reply reply = new Reply(code, lines.toString());
    lines = new StringBuilder();
    if (waiting != null) {
      Promise<Reply> promise = waiting;
      waiting = null;
      promise.complete(reply);
    } else {
      replies.add(reply);
    }
  }

  private void fail(String why) {
    if (waiting != null) {
      Promise<Reply> promise = waiting;
      waiting = null;
      promise.tryFail(why);
    }
    done.tryFail(why);
  }

  /** RFC 5322 headers and the text, lines ending CRLF, a leading dot doubled (RFC 5321 section 4.5.2), then the end of data. */
  private Buffer message(Mail mail, String domain) {
    StringBuilder text = new StringBuilder()
        .append("Date: ").append(DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now())).append("\r\n")
        .append("From: ").append(settings.from()).append("\r\n")
        .append("To: ").append(mail.to()).append("\r\n")
        .append("Subject: ").append(mail.subject()).append("\r\n")
        .append("Message-ID: <").append(UUID.randomUUID()).append('@').append(domain).append(">\r\n")
        .append("MIME-Version: 1.0\r\n")
        .append("Content-Type: text/plain; charset=UTF-8\r\n")
        .append("Content-Transfer-Encoding: 8bit\r\n")
        .append("\r\n");
    for (String line : mail.text().split("\r?\n", -1)) {
      text.append(line.startsWith(".") ? "." : "").append(line).append("\r\n");
    }
    text.append(".\r\n");
    return Buffer.buffer(text.toString(), "UTF-8");
  }
}
