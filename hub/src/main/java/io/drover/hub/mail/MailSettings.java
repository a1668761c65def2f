package io.drover.hub.mail;

/**
 * How the node sends mail (config keys {@code mail.*}) and the address people reach its Console at,
 * for the links in its mails. Without an SMTP host, mail goes to the log ({@link LogOutbox}).
 *
 * @param smtpHost empty: no SMTP server, the operator's outbox is the node's log
 * @param caPem the PEM text of the CA(s) to trust for the SMTP server's certificate ({@code mail.smtp-ca-file},
 *     read at start); null: the JVM's trusted CAs
 * @param username null: no AUTH
 * @param publicUrl the Console's address as people reach it ({@code https://drover.example.com}); empty:
 *     links are paths on the node's Console
 */
public record MailSettings(String smtpHost, int smtpPort, Security security, String caPem, String username, String password, String from,
    String publicUrl) {

  /** How the connection to the SMTP server is protected. */
  public enum Security {
    /** Plain TCP, then STARTTLS (RFC 3207); refused if the server does not offer it. */
    STARTTLS,
    /** TLS from the first byte (RFC 8314, port 465). */
    TLS,
    /** Plain TCP throughout: a relay on the same machine or a trusted network only. */
    NONE
  }

  public boolean smtp() {
    return !smtpHost.isEmpty();
  }

  /** An absolute link when the public URL is known, else the path on the node's Console. */
  public String link(String path) {
    return publicUrl.isEmpty() ? path : publicUrl.replaceAll("/+$", "") + path;
  }
}
