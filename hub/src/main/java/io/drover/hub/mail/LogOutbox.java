package io.drover.hub.mail;

import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outbox of a node without an SMTP server ({@code mail.smtp-host} empty): each mail is one line
 * of the node's log, with its link, for the operator to pass on. The link is a credential for as long
 * as it lives: whoever reads the log can use it, which is the operator's call to make.
 */
final class LogOutbox implements MailOutbox {

  private static final Logger LOG = LoggerFactory.getLogger(LogOutbox.class);

  @Override
  public Future<Void> send(Mail mail) {
    LOG.info("mail not sent, no SMTP server (mail.smtp-host): pass it on [to: {}, subject: {}, link: {}]", mail.to(), mail.subject(),
        mail.link());
    return Future.succeededFuture();
  }
}
