package io.drover.hub.mail;

import io.vertx.core.Future;
import io.vertx.core.Vertx;

/** Where the node's mails go: an SMTP server, or, with none configured, the operator's log. */
public interface MailOutbox {

  /** @return completes when the mail is handed over (accepted by the SMTP server, or logged) */
  Future<Void> send(Mail mail);

  static MailOutbox create(Vertx vertx, MailSettings settings) {
    return settings.smtp() ? new SmtpOutbox(vertx, settings) : new LogOutbox();
  }
}
