package io.drover.gateway.hostile;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.AppenderBase;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * The WARN and ERROR lines logged anywhere in this JVM while a hostile property runs (the server under
 * test runs here): an ERROR is a crash, a WARN is reported. Attached to the root logger; the levels of
 * logback-test.xml still decide what reaches it.
 */
public final class ErrorLog extends AppenderBase<ILoggingEvent> implements AutoCloseable {

  private final List<String> errors = new ArrayList<>();
  private final List<String> warnings = new ArrayList<>();

  private ErrorLog() {
  }

  public static ErrorLog watch() {
    ErrorLog log = new ErrorLog();
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    log.setContext(root.getLoggerContext());
    log.setName("hostile-input");
    log.start();
    root.addAppender(log);
    return log;
  }

  @Override
  protected void append(ILoggingEvent event) {
    if (!event.getLevel().isGreaterOrEqual(Level.WARN)) {
      return;
    }
    StringBuilder line = new StringBuilder().append(event.getLevel()).append(' ').append(event.getLoggerName()).append(" - ")
        .append(event.getFormattedMessage());
    for (IThrowableProxy cause = event.getThrowableProxy(); cause != null; cause = cause.getCause()) {
      line.append(" / ").append(cause.getClassName()).append(": ").append(cause.getMessage());
    }
    synchronized (this) {
      (event.getLevel() == Level.ERROR ? errors : warnings).add(line.toString());
    }
  }

  public synchronized List<String> errors() {
    return List.copyOf(errors);
  }

  synchronized List<String> warnings() {
    return List.copyOf(warnings);
  }

  @Override
  public void close() {
    ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(this);
    stop();
  }
}
