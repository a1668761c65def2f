package io.drover.gateway.support;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.slf4j.LoggerFactory;

/**
 * The lines logged while a test runs, as logback formats their message: by the gateway's loggers at
 * {@code level} and above, and by anyone (Vert.x, Netty) at WARN and above. The gateway's loggers are
 * set to {@code level} meanwhile and set back on {@link #close}.
 */
public final class CapturedLog extends AppenderBase<ILoggingEvent> implements AutoCloseable {

  /** A captured line: its logger, level, formatted message and whether it carried a stack trace. */
  public record Line(String logger, Level level, String message, boolean withThrowable) {
  }

  private final Logger gateway = (Logger) LoggerFactory.getLogger("io.drover.gateway");
  private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  private final Level level;
  private final Level gatewayLevelBefore;
  private final List<Line> lines = new ArrayList<>();

  private CapturedLog(Level level) {
    this.level = level;
    this.gatewayLevelBefore = gateway.getLevel();
  }

  public static CapturedLog start(Level level) {
    CapturedLog log = new CapturedLog(level);
    log.setContext(log.gateway.getLoggerContext());
    log.start();
    log.gateway.setLevel(level);
    log.root.addAppender(log);
    return log;
  }

  @Override
  protected synchronized void append(ILoggingEvent event) {
    boolean ours = event.getLoggerName().startsWith("io.drover.gateway");
    if (event.getLevel().isGreaterOrEqual(ours ? level : Level.WARN)) {
      lines.add(new Line(event.getLoggerName(), event.getLevel(), event.getFormattedMessage(), event.getThrowableProxy() != null));
    }
  }

  public synchronized List<Line> lines() {
    return List.copyOf(lines);
  }

  public synchronized List<Line> matching(Predicate<Line> match) {
    return lines.stream().filter(match).toList();
  }

  @Override
  public void close() {
    root.detachAppender(this);
    gateway.setLevel(gatewayLevelBefore);
    stop();
  }
}
