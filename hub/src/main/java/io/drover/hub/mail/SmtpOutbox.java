package io.drover.hub.mail;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.ClientSSLOptions;
import io.vertx.core.net.ConnectOptions;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.PemTrustOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends each mail over its own SMTP connection (RFC 5321): rare mails (a verification link) need no
 * pool. STARTTLS (RFC 3207) or TLS from the start (RFC 8314), with the server's certificate checked
 * against its host name; AUTH PLAIN (RFC 4616) only once the connection is encrypted. Runs on the
 * caller's event loop; nothing blocks.
 */
final class SmtpOutbox implements MailOutbox {

  private static final Logger LOG = LoggerFactory.getLogger(SmtpOutbox.class);
  static final int TIMEOUT_MS = 30_000;

  private final Vertx vertx;
  private final MailSettings settings;
  private final NetClient client;
  private final ClientSSLOptions tls;

  SmtpOutbox(Vertx vertx, MailSettings settings) {
    this.vertx = vertx;
    this.settings = settings;
    this.client = vertx.createNetClient(new NetClientOptions().setConnectTimeout(10_000));
    this.tls = new ClientSSLOptions().setHostnameVerificationAlgorithm("HTTPS");
    if (settings.caPem() != null) {
      tls.setTrustOptions(new PemTrustOptions().addCertValue(Buffer.buffer(settings.caPem())));
    }
  }

  @Override
  public Future<Void> send(Mail mail) {
    ConnectOptions connect = new ConnectOptions().setHost(settings.smtpHost()).setPort(settings.smtpPort());
    if (settings.security() == MailSettings.Security.TLS) {
      connect.setSsl(true).setSslOptions(tls);
    }
    return client.connect(connect)
        .compose(socket -> new SmtpSession(vertx, socket, settings, tls, TIMEOUT_MS).send(mail))
        .onSuccess(sent -> LOG.info("mail sent [to: {}, subject: {}]", mail.to(), mail.subject()))
        .onFailure(cause -> LOG.warn("mail not sent [to: {}, smtp-server: {}:{}, cause: {}]", mail.to(), settings.smtpHost(),
            settings.smtpPort(), cause.getMessage()));
  }
}
