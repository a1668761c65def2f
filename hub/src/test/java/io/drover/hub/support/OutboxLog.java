package io.drover.hub.support;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Duration;
import org.slf4j.LoggerFactory;

/**
 * The operator's outbox of a node without an SMTP server: the log lines of its mails (docs/operations.md,
 * "Mail"), read as an operator would, through a logback appender on the outbox's logger.
 */
public final class OutboxLog implements AutoCloseable {

  private static final String LOGGER = "io.drover.hub.mail.LogOutbox";
  private final Logger logger;
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

  private OutboxLog() {
    logger = (Logger) LoggerFactory.getLogger(LOGGER);
    appender.start();
    logger.addAppender(appender);
  }

  public static OutboxLog open() {
    return new OutboxLog();
  }

  /** The link of the latest mail logged for {@code to}, once it is there; the line's arguments are to, subject, link. */
  public String awaitLink(String to, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      synchronized (appender.list) {
        for (int i = appender.list.size() - 1; i >= 0; i--) {
          Object[] arguments = appender.list.get(i).getArgumentArray();
          if (arguments != null && arguments.length == 3 && to.equals(arguments[0])) {
            return String.valueOf(arguments[2]);
          }
        }
      }
      Thread.sleep(20);
    }
    throw new AssertionError("no mail to " + to + " in the log within " + timeout);
  }

  /** The token of a verification link ({@code .../verify-email#token=...}). */
  public static String token(String link) {
    return link.substring(link.indexOf("#token=") + "#token=".length());
  }

  @Override
  public void close() {
    logger.detachAppender(appender);
    appender.stop();
  }
}
